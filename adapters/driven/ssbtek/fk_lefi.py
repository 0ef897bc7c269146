"""Försäkringskassan's and Pensionsmyndigheten's part (``FK``): base64 JSON in and out ("LEFI").

The question (``lefiJsonFraga``) names the person, the period and the benefit groups wanted. The
answer (``lefiJsonSvar``) carries, per agency, ``utlamnare[].tillstand.kod`` (``OK``, ``FELANDE``,
``OTILLGANGLIG``): an agency asked about whose state is not ``OK``, or that is not listed, is
``unavailable``; so is an agency named in an ``avvikelser`` entry (``INTERNT_FEL``, ``OBEHORIG``),
because part of its answer is missing. The other agency in the same answer still delivers.

Försäkringskassan: ``formansinformation.generellPersoninformation[0]`` (``personnummer``,
``skyddad``) and payments in ``formansinformation.utbetalningsuppgift`` and
``preliminarautbetalningar`` (``foretag.id`` 1001 FK, 1003 PM; ``formansfamilj.id``; ``datum``;
``period`` {``fran``, ``till``}; amounts {``summa``, ``valuta``}). Pensionsmyndigheten: top-level
``utbetalningar`` and ``preliminaraUtbetalningar`` (``utbetalningsdatum``, ``utbetalningsperiod``
{``from``, ``tom``}, integer ``bruttobelopp``/``nettobelopp``, ``avdrag[]``,
``utbetalningsrader[]`` with ``formansgrupp.kod``).

Net after tax counts: gross minus tax (``skattebelopp``; PM's tax deductions ``PM:PS``, ``PM:PST``,
``PM:SS``, ``PM:SST``); other deductions (kvittning, utmätning) are still the person's income.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from lxml import etree

from adapters.driven.ssbtek.model import AgencyAnswer, AgencyFailure, PayloadError, Payment, Query
from adapters.driven.ssbtek.safexml import b64decode_limited, child, json_loads_limited
from adapters.driven.ssbtek.values import number_to_ore, parse_date, parse_period_bound, person_12
from decision.bundle import IncomeKind, Source

FK_GROUPS: dict[str, IncomeKind] = {
    "ABB": IncomeKind.CHILD_ALLOWANCE,
    "FP": IncomeKind.PARENTAL_BENEFIT,
    "TFP": IncomeKind.PARENTAL_BENEFIT,
    "SJP": IncomeKind.SICKNESS_BENEFIT,
    "BOB": IncomeKind.HOUSING_ALLOWANCE,
    "US": IncomeKind.MAINTENANCE_SUPPORT,
    "SA": IncomeKind.ACTIVITY_COMPENSATION,
    "AS": IncomeKind.ACTIVITY_SUPPORT,
    "ET": IncomeKind.ESTABLISHMENT_ALLOWANCE,
    "YL": IncomeKind.OTHER,
}
"""FK benefit group (``FK:<code>`` in the question, ``formansfamilj.id`` in a payment) → income kind."""

PM_GROUPS: dict[str, IncomeKind] = {"AP": IncomeKind.PENSION, "EF": IncomeKind.PENSION}
"""PM benefit group (``PM:<code>``) → income kind; ``PM:BTI`` (bostadstillägg) is not mapped yet."""

PM_TAX_CODES = ("PM:PS", "PM:PST", "PM:SS", "PM:SST")
FK_COMPANY, PM_COMPANY = 1001, 1003
_AGENCY = {"FK": Source.FORSAKRINGSKASSAN, "PM": Source.PENSIONSMYNDIGHETEN}
_NAME = {Source.FORSAKRINGSKASSAN: "Försäkringskassan", Source.PENSIONSMYNDIGHETEN: "Pensionsmyndigheten"}


def build_question(query: Query) -> str:
    """The base64 LEFI question for the agencies of this query that answer inside ``FK``."""
    fk = Source.FORSAKRINGSKASSAN in query.sources
    pm = Source.PENSIONSMYNDIGHETEN in query.sources
    fk_codes = [f"FK:{c}" for c in FK_GROUPS] if fk else []
    pm_codes = [f"PM:{c}" for c in PM_GROUPS] if pm else []
    question = {
        "personnummer": query.person,
        "period": {"from": query.period_from.isoformat(), "tom": query.period_to.isoformat()},
        "formansinformation": fk_codes,
        "ansprak": [],
        "beslut": [],
        "preliminaraUtbetalningar": fk_codes + pm_codes,
        "utbetalningar": fk_codes + pm_codes,
        "ovrigInformation": ["FK:GEPI"],
    }
    return base64.b64encode(json.dumps(question, ensure_ascii=False).encode("utf-8")).decode("ascii")


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"LEFI {what} is not an object")
    return value


def _items(value: Any, what: str) -> list[Any]:
    """A LEFI array; a single object where an array belongs is read as one item (XML-to-JSON habit)."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise PayloadError(f"LEFI {what} is not a list")
    return value


def _code(value: Any, key: str, what: str) -> str | None:
    if value is None:
        return None
    c = _obj(value, what).get(key)
    if c is None:
        return None
    if isinstance(c, bool) or not isinstance(c, str | int):
        raise PayloadError(f"LEFI {what}.{key} is not a code")
    return str(c)


def _sek(value: Any, what: str) -> int | None:
    if value is None:
        return None
    amount = _obj(value, what)
    currency = amount.get("valuta", "SEK")
    if currency != "SEK":
        raise PayloadError(f"LEFI {what} is not in SEK")
    return number_to_ore(amount.get("summa"), f"{what}.summa")


def parse(data: etree._Element, query: Query, max_bytes: int) -> dict[Source, AgencyAnswer | AgencyFailure]:
    svar = child(data, "lefiJsonSvar")
    if svar is None:
        raise PayloadError("FK answer has no lefiJsonSvar")
    try:
        doc = json_loads_limited(b64decode_limited(svar.text, max_bytes), max_bytes)
    except ValueError as e:
        raise PayloadError(f"FK lefiJsonSvar: {e}") from None
    doc = _obj(doc, "answer")
    asked: list[Source] = [s for s in (Source.FORSAKRINGSKASSAN, Source.PENSIONSMYNDIGHETEN) if s in query.sources]
    failures: dict[Source, AgencyFailure] = {}
    states: dict[Source, str] = {}
    for raw_item in _items(doc.get("utlamnare"), "utlamnare"):
        item = _obj(raw_item, "utlamnare[]")
        agency = _AGENCY.get(_code(item.get("utlamnare"), "kod", "utlamnare.utlamnare") or "")
        state = _code(item.get("tillstand"), "kod", "utlamnare.tillstand")
        if agency is not None:
            states[agency] = state or "?"
    for source in asked:
        state = states.get(source)
        if state is None:
            failures[source] = AgencyFailure(f"LEFI-svaret saknar tillstånd för {_NAME[source]}")
        elif state != "OK":
            failures[source] = AgencyFailure(f"LEFI tillstånd {state[:20]} för {_NAME[source]}")
    avvikelser = doc.get("avvikelser")
    if avvikelser is not None:
        for key, entries in _obj(avvikelser, "avvikelser").items():
            for raw_entry in _items(entries, f"avvikelser.{key}"):
                entry = _obj(raw_entry, f"avvikelser.{key}[]")
                group = _code(entry.get("formansgrupp"), "kod", "avvikelse.formansgrupp") or _code(
                    entry.get("ovrigInformationstyp"), "kod", "avvikelse.ovrigInformationstyp"
                )
                reason = _code(entry.get("avvikelse"), "kod", "avvikelse.avvikelse") or "?"
                prefix = (group or "").split(":", 1)[0]
                named: Source | None = _AGENCY.get(prefix)
                if named is None and key == "formansinformation":
                    named = Source.FORSAKRINGSKASSAN
                targets = [named] if named is not None else asked
                for t in targets:
                    if t in asked and t not in failures:
                        failures[t] = AgencyFailure(f"LEFI-avvikelse {reason[:20]} för {(group or '?')[:20]}")
    answers: dict[Source, AgencyAnswer] = {s: AgencyAnswer() for s in asked}
    info = doc.get("formansinformation")
    info = _obj(info, "formansinformation") if info is not None else {}
    people = _items(info.get("generellPersoninformation"), "generellPersoninformation")
    if len(people) > 1:
        raise PayloadError("LEFI generellPersoninformation names more than one person")
    if people:
        person = _obj(people[0], "generellPersoninformation[0]")
        number = person.get("personnummer")
        who = person_12(number, "LEFI personnummer", str(query.person[:2])) if number is not None else None
        skyddad = person.get("skyddad")
        if skyddad is not None and not isinstance(skyddad, bool):
            raise PayloadError("LEFI skyddad is not a boolean")
        for source, answer in answers.items():
            answer.person = who  # one LEFI answer is about one person, for both agencies
            answer.protected = skyddad is True and source is Source.FORSAKRINGSKASSAN
    for key in ("utbetalningsuppgift", "preliminarautbetalningar"):
        for item in _items(info.get(key), key):
            _fk_payment(_obj(item, key), key, answers)
    for key in ("utbetalningar", "preliminaraUtbetalningar"):
        for item in _items(doc.get(key), key):
            _pm_payment(_obj(item, key), key, answers)
    out: dict[Source, AgencyAnswer | AgencyFailure] = {}
    for source in asked:
        out[source] = failures.get(source) or answers[source]
    return out


def _fk_payment(item: dict[str, Any], key: str, answers: dict[Source, AgencyAnswer]) -> None:
    company = _code(item.get("foretag"), "id", f"{key}.foretag")
    source = Source.PENSIONSMYNDIGHETEN if company == str(PM_COMPANY) else Source.FORSAKRINGSKASSAN
    if company not in (None, str(FK_COMPANY), str(PM_COMPANY)):
        raise PayloadError(f"LEFI {key}.foretag is neither 1001 nor 1003")
    answer = answers.get(source)
    if answer is None:
        return  # an agency not asked about (not consulted by this municipality)
    family = (_code(item.get("formansfamilj"), "id", f"{key}.formansfamilj") or "").strip()
    code = family.split(":", 1)[1] if ":" in family else family
    groups = PM_GROUPS if source is Source.PENSIONSMYNDIGHETEN else FK_GROUPS
    kind = groups.get(code)
    if kind is None:
        answer.notices.append(f"payment with unknown benefit family {family[:20]!r} kept in the raw envelope")
        return
    gross = _sek(item.get("bruttobelopp"), f"{key}.bruttobelopp")
    tax = _sek(item.get("skattebelopp"), f"{key}.skattebelopp")
    net = _sek(item.get("nettobelopp"), f"{key}.nettobelopp")
    deductions = _sek(item.get("avdragsbelopp"), f"{key}.avdragsbelopp")
    if gross is not None:
        amount = gross - (tax or 0)
    elif net is not None and deductions is not None and tax is not None:
        amount = net + deductions - tax
    elif net is not None:
        amount = net
        answer.notices.append(f"{family[:20]} payment without gross and tax: the net amount paid out is used")
    else:
        raise PayloadError(f"LEFI {key} has no amount")
    period = item.get("period")
    start = end = None
    if period is not None:
        period = _obj(period, f"{key}.period")
        if period.get("fran") is not None:
            start = parse_period_bound(period.get("fran"), f"{key}.period.fran", end=False)
        if period.get("till") is not None:
            end = parse_period_bound(period.get("till"), f"{key}.period.till", end=True)
    paid = parse_date(item["datum"], f"{key}.datum") if item.get("datum") is not None else None
    answer.payments.append(Payment(kind, amount, start, end, paid, f"{_prefix(source)}:{code}"))


def _prefix(source: Source) -> str:
    return "PM" if source is Source.PENSIONSMYNDIGHETEN else "FK"


def _pm_payment(item: dict[str, Any], key: str, answers: dict[Source, AgencyAnswer]) -> None:
    answer = answers.get(Source.PENSIONSMYNDIGHETEN)
    if answer is None:
        return
    gross = number_to_ore(item.get("bruttobelopp"), f"{key}.bruttobelopp") if "bruttobelopp" in item else None
    net = number_to_ore(item.get("nettobelopp"), f"{key}.nettobelopp") if "nettobelopp" in item else None
    deductions = _items(item.get("avdrag"), f"{key}.avdrag")
    tax = 0
    for raw_d in deductions:
        d = _obj(raw_d, f"{key}.avdrag[]")
        if _code(d.get("avdragstyp"), "kod", f"{key}.avdrag.avdragstyp") in PM_TAX_CODES:
            tax += abs(number_to_ore(d.get("belopp"), f"{key}.avdrag.belopp"))
    rows = _items(item.get("utbetalningsrader"), f"{key}.utbetalningsrader")
    mapped = 0
    kinds: set[IncomeKind] = set()
    unknown: list[str] = []
    for raw_row in rows:
        row = _obj(raw_row, f"{key}.utbetalningsrader[]")
        group = _code(row.get("formansgrupp"), "kod", f"{key}.utbetalningsrader.formansgrupp") or ""
        kind = PM_GROUPS.get(group.split(":", 1)[-1]) if group.startswith("PM:") else None
        if kind is None:
            unknown.append(group[:20])
            continue
        kinds.add(kind)
        mapped += number_to_ore(row.get("belopp"), f"{key}.utbetalningsrader.belopp")
    for group in unknown:
        answer.notices.append(f"pension payment row of unknown group {group!r} kept in the raw envelope")
    if not kinds:
        if not rows:
            answer.notices.append("pension payment without rows: its benefit is unknown, kept in the raw envelope")
        return
    if unknown:
        amount = mapped - tax  # tax is withheld on the pension; unmapped rows (e.g. BTI) are tax-free
    elif gross is not None:
        amount = gross - tax
    elif net is not None:
        amount = net
    else:
        amount = mapped - tax
    if not deductions and gross is not None and net is not None and net != gross:
        amount = net
        answer.notices.append("pension payment without itemised deductions: the net amount paid out is used")
    period = item.get("utbetalningsperiod")
    start = end = None
    if period is not None:
        period = _obj(period, f"{key}.utbetalningsperiod")
        start = parse_date(period.get("from"), f"{key}.utbetalningsperiod.from")
        end = parse_date(period.get("tom"), f"{key}.utbetalningsperiod.tom")
    paid = parse_date(item["utbetalningsdatum"], f"{key}.utbetalningsdatum") if item.get("utbetalningsdatum") else None
    answer.payments.append(Payment(kinds.pop(), amount, start, end, paid, "PM:utbetalning"))
