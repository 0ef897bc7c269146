"""Migrationsverket's part (``MIV``): inline XML ``findByPersonnummerResponse/response``.

Read: ``personnummer`` (whom the answer is about) and ``svarCollection/svar*`` with ``beslutsTyp``,
``giltighetstid`` (``PERMANENT``/``TIDBEGRANSAT``), ``fromDatum``, ``tomDatum``, ``beslutsdatum``.
A decision with a validity (``giltighetstid``) is a granted permit unless its ``beslutsTyp`` is a
refusal (``AVSLAG``, ``AVVISNING``, ``UTVISNING`` (?)); other decisions without validity are kept
in the raw envelope with a notice. No ``svar`` at all (e.g. a Swedish citizen) → ``no_data``.
Names and country of origin stay in the raw envelope only.
"""

from __future__ import annotations

from lxml import etree

from adapters.driven.ssbtek.model import AgencyAnswer, PayloadError, Permit, Query
from adapters.driven.ssbtek.safexml import child, children, local, text
from adapters.driven.ssbtek.values import month_bounds, optional_date, person_12
from decision.bundle import ResidenceStatus

REFUSALS = ("AVSLAG", "AVVISNING", "UTVISNING")


def parse(data: etree._Element, query: Query) -> AgencyAnswer:
    answer = AgencyAnswer(permits=[])
    unknown = sorted({local(c) for c in data if isinstance(c.tag, str)} - {"response"})
    if unknown:
        raise PayloadError(f"MIV answer holds unexpected element {unknown[0][:40]}")
    response = child(data, "response")
    if response is None:
        return answer
    who = text(response, "personnummer")
    if who is not None:
        answer.person = person_12(who, "MIV personnummer")
    collection = child(response, "svarCollection")
    if collection is None:
        return answer
    permits: list[Permit] = []
    for svar in children(collection, "svar"):
        if (svar.get("{http://www.w3.org/2001/XMLSchema-instance}nil") or "").lower() == "true":
            continue
        kind = (text(svar, "beslutsTyp") or "").upper()
        validity = text(svar, "giltighetstid")
        if validity not in (None, "PERMANENT", "TIDBEGRANSAT"):
            raise PayloadError("MIV giltighetstid is neither PERMANENT nor TIDBEGRANSAT")
        refused = kind in REFUSALS
        if validity is None and not refused:
            answer.notices.append(f"Migrationsverket decision of type {kind[:20]!r} without validity: not mapped")
            continue
        permits.append(
            Permit(
                granted=not refused,
                permanent=validity == "PERMANENT",
                valid_from=optional_date(text(svar, "fromDatum"), "MIV fromDatum"),
                valid_to=optional_date(text(svar, "tomDatum"), "MIV tomDatum"),
                decided_on=optional_date(text(svar, "beslutsdatum"), "MIV beslutsdatum"),
            )
        )
    answer.permits = permits
    return answer


def residence_for_month(permits: list[Permit], month: str) -> ResidenceStatus | None:
    """The residence status in ``month``; None when Migrationsverket reports no decision at all."""
    if not permits:
        return None
    first, last = month_bounds(month)
    granted = [p for p in permits if p.granted and (p.valid_from is None or p.valid_from <= last)]
    if any(p.permanent for p in granted):
        return ResidenceStatus.PERMANENT
    if any(p.valid_to is None or p.valid_to >= first for p in granted):
        return ResidenceStatus.TEMPORARY
    if granted:
        return ResidenceStatus.EXPIRED
    return ResidenceStatus.NONE
