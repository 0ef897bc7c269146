"""Arbetsförmedlingen's part (``AF``): inline XML ``SvarMeddelande`` with ``Fraga`` and ``Svar``.

Read: ``Svar/IdentitetsbeteckningFysiskPerson`` (whom the answer is about), ``Sekretessmarkering``
(protected identity), ``ArbetssokandeInfo/Arbetssokande`` (registered as a job seeker) and
``StatusSokandeinformationKod`` (0 = answered normally); ``Fraga/From`` and ``Tom`` echo the period.
Names (``Fornamn``, ``Efternamn``) and decisions (``BeslutInfo``) stay in the raw envelope only.
"""

from __future__ import annotations

from lxml import etree

from adapters.driven.ssbtek.model import AgencyAnswer, AgencyFailure, PayloadError, Query
from adapters.driven.ssbtek.safexml import child, text
from adapters.driven.ssbtek.values import optional_date, person_12


def parse_bool(value: str | None, what: str) -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v in ("true", "1"):
        return True
    if v in ("false", "0"):
        return False
    raise PayloadError(f"{what} is not a boolean")


def parse(data: etree._Element, query: Query) -> AgencyAnswer | AgencyFailure:
    svar = child(data, "Svar")
    if svar is None:
        raise PayloadError("AF answer has no Svar")
    status = text(svar, "StatusSokandeinformationKod")
    if status is None or not status.lstrip("-").isdigit():
        raise PayloadError("AF StatusSokandeinformationKod is missing or not a number")
    if int(status) != 0:
        return AgencyFailure(f"Arbetsförmedlingen svarade med statuskod {int(status)}")
    answer = AgencyAnswer()
    who = text(svar, "IdentitetsbeteckningFysiskPerson")
    if who is not None:
        answer.person = person_12(who, "AF IdentitetsbeteckningFysiskPerson")
    fraga = child(data, "Fraga")
    if fraga is not None:
        start = optional_date(text(fraga, "From"), "AF Fraga/From")
        end = optional_date(text(fraga, "Tom"), "AF Fraga/Tom")
        if start is not None and end is not None:
            answer.echoed_period = (start, end)
    answer.protected = parse_bool(text(svar, "Sekretessmarkering"), "AF Sekretessmarkering") is True
    info = child(svar, "ArbetssokandeInfo")
    if info is not None:
        answer.registered = parse_bool(text(info, "Arbetssokande"), "AF Arbetssokande")
        if answer.registered is None:
            answer.notices.append("ArbetssokandeInfo without Arbetssokande: registration not reported")
    return answer
