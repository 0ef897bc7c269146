"""Arbetsförmedlingen's part (``AF``): inline XML ``SvarMeddelande`` with ``Fraga`` and ``Svar``.

Read: ``Svar/IdentitetsbeteckningFysiskPerson`` (whom the answer is about), ``Sekretessmarkering``
(protected identity), ``ArbetssokandeInfo/Arbetssokande`` (registered as a job seeker) and
``StatusSokandeinformationKod`` (0 = answered normally); ``Fraga/From`` and ``Tom`` echo the period.
Names (``Fornamn``, ``Efternamn``) and decisions (``BeslutInfo``) stay in the raw envelope only;
elements the schema does not list (its ``xs:any`` lets agencies add them) are tolerated and named in
a notice (adapters/driven/ssbtek/inventory.py). The person (required by the schema) and the echoed period
are checked strictly.
"""

from __future__ import annotations

from lxml import etree

from adapters.driven.ssbtek import inventory
from adapters.driven.ssbtek.model import AgencyAnswer, AgencyFailure, PayloadError, Query
from adapters.driven.ssbtek.safexml import child, text
from adapters.driven.ssbtek.values import optional_date, parse_int, person_12


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
    status_text = text(svar, "StatusSokandeinformationKod")
    if status_text is None:
        raise PayloadError("AF StatusSokandeinformationKod is missing")
    status = parse_int(status_text, "AF StatusSokandeinformationKod")
    if status != 0:
        return AgencyFailure(f"Arbetsförmedlingen svarade med statuskod {status}")
    answer = AgencyAnswer()
    answer.tolerated = inventory.unknown_elements(data, inventory.AF, "data")
    who = text(svar, "IdentitetsbeteckningFysiskPerson")
    if who is None:
        raise PayloadError("AF answer does not say whom it is about (IdentitetsbeteckningFysiskPerson)")
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
