"""Migrationsverket's part (``MIV``): inline XML ``findByPersonnummerResponse`` (its elements are
unqualified: under a default namespace they come with ``xmlns=""``; finaid matches local names).

Read: ``response/personnummer`` (whom the answer is about) and ``svarCollection/svar*``: the outcome
in ``beslutsKod`` (``BEV`` = ansökan beviljas; refusals ``AVSLAG``, ``AVVISNING``, ``UTVISNING`` (?)
— no public example), the permit type in ``beslutsTyp`` (``PUT`` permanent, ``TUT`` tidsbegränsat),
``giltighetstid`` (``PERMANENT``/``TIDBEGRANSAT``), ``fromDatum``, ``tomDatum``, ``beslutsdatum``.
An unrecognised ``beslutsKod`` decides residence and cannot be guessed: the answer is a MANUAL matter
naming it. An answer without ``beslutsKod`` (older answers) counts a decision with a validity as
granted unless ``beslutsTyp`` names a refusal. No ``svar`` at all (e.g. a Swedish citizen) →
``no_data``. Names, country of origin and elements a later schema adds are tolerated (kept in the
raw envelope, named in a notice).
"""

from __future__ import annotations

from lxml import etree

from adapters.driven.ssbtek import inventory
from adapters.driven.ssbtek.model import AgencyAnswer, AgencyFailure, PayloadError, Permit, Query
from adapters.driven.ssbtek.safexml import child, children, text
from adapters.driven.ssbtek.values import month_bounds, optional_date, person_12
from decision.bundle import ResidenceStatus

GRANTED = ("BEV",)
REFUSALS = ("AVSLAG", "AVVISNING", "UTVISNING")
PERMANENT_TYPES = ("PUT",)
TEMPORARY_TYPES = ("TUT",)
_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def parse(data: etree._Element, query: Query) -> AgencyAnswer | AgencyFailure:
    answer = AgencyAnswer(permits=[])
    answer.tolerated = inventory.unknown_elements(data, inventory.MIV, "data")
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
        if (svar.get(_NIL) or "").lower() == "true":
            continue
        outcome = (text(svar, "beslutsKod") or "").upper()
        kind = (text(svar, "beslutsTyp") or "").upper()
        validity = text(svar, "giltighetstid")
        if validity not in (None, "PERMANENT", "TIDBEGRANSAT"):
            raise PayloadError("MIV giltighetstid is neither PERMANENT nor TIDBEGRANSAT")
        if outcome:
            if outcome not in GRANTED and outcome not in REFUSALS:
                return AgencyFailure(
                    f"Migrationsverket: okänd beslutskod {outcome[:20]} (beslutstyp {kind[:20] or '–'}); "
                    "bedöm uppehållsrätten manuellt"
                )
            refused = outcome in REFUSALS
        else:
            refused = kind in REFUSALS
            if validity is None and not refused:
                answer.notices.append(f"Migrationsverket decision of type {kind[:20]!r} without outcome: not mapped")
                continue
        permanent = validity == "PERMANENT" or (validity is None and kind in PERMANENT_TYPES)
        if not refused and validity is None and kind not in PERMANENT_TYPES + TEMPORARY_TYPES:
            answer.notices.append(f"Migrationsverket granted decision of type {kind[:20]!r} without validity")
            continue
        permits.append(
            Permit(
                granted=not refused,
                permanent=permanent,
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
