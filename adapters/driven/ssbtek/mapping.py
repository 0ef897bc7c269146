"""From one SSBTEK answer to the contract's registry entries (docs/registry.md is the table).

Rules, in order, for each agency a query asked about:
- a whole-call failure (unreadable envelope, SOAP Fault, an answer to another query) makes every
  asked source ``unavailable`` with the same reason;
- an ``error`` block, a missing or garbled block, a LEFI state other than ``OK`` or an answer about
  another person or period makes exactly that source ``unavailable``;
- otherwise payments are attributed to the months they pay for (a period spanning months is split by
  calendar days; without a period, the payment date's month, with a notice), summed per income
  kind for the month applied for, and become facts; ``registered``, ``protected_identity`` (only
  when true) and ``residence_status`` are added; no fact at all → ``no_data``.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lxml import etree

from adapters.driven.ssbtek import af, akassa, csn, fk_lefi, migrationsverket, skv, tns
from adapters.driven.ssbtek.envelope import Answer, EnvelopeError, ErrorBlock, Fault, parse_answer
from adapters.driven.ssbtek.model import (
    ELEMENT_SOURCES,
    AgencyAnswer,
    AgencyFailure,
    Notice,
    PayloadError,
    Payment,
    Query,
)
from adapters.driven.ssbtek.safexml import MAX_ENVELOPE_BYTES, MAX_PAYLOAD_BYTES
from adapters.driven.ssbtek.values import MAX_ORE, month_bounds
from decision import personnummer as pnr
from decision.bundle import RegistryEntry, Source
from decision.money import format_ore

KALLA_TEXT = {"SSBT": "fel i SSBTEK", "BT": "fel i myndighetens system"}


@dataclass(frozen=True, slots=True)
class Options:
    allow_provisional_skv: bool = False
    max_envelope_bytes: int = MAX_ENVELOPE_BYTES
    max_payload_bytes: int = MAX_PAYLOAD_BYTES


@dataclass(slots=True)
class Mapped:
    """The entries of one call, what the handler should know, and the evidence's hash."""

    entries: list[RegistryEntry]
    notices: list[Notice] = field(default_factory=list)
    raw_sha256: str | None = None
    whole_call_error: str | None = None


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def unavailable_all(
    query: Query, reason: str, fetched_at: datetime, raw_sha256: str | None = None
) -> Mapped:
    """Every asked source ``unavailable`` for this person: a whole-call failure."""
    entries = [
        _entry(query, s, fetched_at, raw_sha256, status="unavailable", error=_clip(reason)) for s in query.sources
    ]
    return Mapped(entries, [], raw_sha256, reason)


def map_answer(raw: bytes, query: Query, fetched_at: datetime, options: Options | None = None) -> Mapped:
    """Map a raw response envelope; never raises for anything the answer contains."""
    options = options or Options()
    digest = sha256_hex(raw)
    try:
        parsed = parse_answer(raw, options.max_envelope_bytes)
    except EnvelopeError as e:
        return unavailable_all(query, f"oläsligt svar från SSBTEK ({e})", fetched_at, digest)
    except Exception as e:  # noqa: BLE001 - an answer must never crash the pipeline
        return unavailable_all(query, f"oläsligt svar från SSBTEK ({type(e).__name__})", fetched_at, digest)
    if isinstance(parsed, Fault):
        return unavailable_all(
            query, f"SOAP Fault från SSBTEK, felkod {parsed.felkod[:40]}: {_redact(parsed.felmeddelande)}",
            fetched_at, digest,
        )
    if parsed.korrelationsid and parsed.korrelationsid != query.korrelationsid:
        return unavailable_all(query, "svaret hör till en annan fråga (korrelationsid)", fetched_at, digest)
    outcomes, notices = agency_outcomes(parsed, query, options)
    masked = pnr.masked(query.person)
    entries: list[RegistryEntry] = []
    for source in query.sources:
        outcome = outcomes[source]
        entry, texts = _entry_for(query, source, outcome, fetched_at, digest)
        entries.append(entry)
        notices.extend(Notice(source.value, masked, t) for t in texts)
    return Mapped(entries, notices, digest)


def agency_outcomes(
    parsed: Answer, query: Query, options: Options
) -> tuple[dict[Source, AgencyAnswer | AgencyFailure], list[Notice]]:
    masked = pnr.masked(query.person)
    outcomes: dict[Source, AgencyAnswer | AgencyFailure] = {}
    notices: list[Notice] = []
    for element in sorted(query.elements):
        sources = [s for s in ELEMENT_SOURCES[element] if s in query.sources]
        if element in parsed.errors:
            failure = AgencyFailure(_error_text(parsed.errors[element]))
            for s in sources:
                outcomes[s] = failure
            if element == "TNS":
                notices.append(Notice("transportstyrelsen", masked, f"no answer: {failure.reason}"))
            continue
        data = parsed.data.get(element)
        if data is None:
            for s in sources:
                outcomes[s] = AgencyFailure("inget svar från myndigheten i SSBTEK-svaret")
            continue
        if element == "TNS":
            notices.extend(Notice("transportstyrelsen", masked, t) for t in _tns_notices(data))
            continue
        try:
            for s, outcome in _parse_element(element, data, query, options).items():
                if s in sources:
                    outcomes[s] = outcome
        except PayloadError as e:
            for s in sources:
                outcomes[s] = AgencyFailure(_clip(f"obegripligt svar från myndigheten ({e})"))
        except Exception as e:  # noqa: BLE001 - a garbled payload makes that agency unavailable, nothing more
            for s in sources:
                outcomes[s] = AgencyFailure(f"obegripligt svar från myndigheten ({type(e).__name__})")
    for s in query.sources:
        outcomes.setdefault(s, AgencyFailure("inget svar från myndigheten i SSBTEK-svaret"))
    return outcomes, notices


def _tns_notices(data: etree._Element) -> list[str]:
    try:
        return tns.notices(data)
    except Exception:  # noqa: BLE001 - evidence only: a garbled vehicle answer is a notice
        return ["Transportstyrelsen's answer is unreadable (kept as evidence)"]


def _parse_element(
    element: str, data: etree._Element, query: Query, options: Options
) -> dict[Source, AgencyAnswer | AgencyFailure]:
    parsers: dict[str, Callable[[], dict[Source, AgencyAnswer | AgencyFailure]]] = {
        "AF": lambda: {Source.ARBETSFORMEDLINGEN: af.parse(data, query)},
        "SO": lambda: {Source.AKASSA: akassa.parse(data, query)},
        "CSN": lambda: {Source.CSN: csn.parse(data, query, options.max_payload_bytes)},
        "SKV": lambda: {
            Source.SKATTEVERKET: skv.parse(data, query, options.max_payload_bytes, options.allow_provisional_skv)
        },
        "MIV": lambda: {Source.MIGRATIONSVERKET: migrationsverket.parse(data, query)},
        "FK": lambda: fk_lefi.parse(data, query, options.max_payload_bytes),
    }
    return parsers[element]()


def _error_text(block: ErrorBlock) -> str:
    where = KALLA_TEXT.get(block.kalla, "fel")
    message = _redact(block.felmeddelande)
    text = f"{where} (kalla {block.kalla[:10]}, felkod {block.felkod[:40]})"
    return _clip(f"{text}: {message}" if message else text)


def _redact(text: str) -> str:
    """Agency messages may echo a person number: mask any 10/12-digit run."""
    return re.sub(r"\d{6,}[-+]?\d{0,6}", lambda m: f"{m.group(0)[:6]}xx-xxxx", text)[:200]


def _clip(text: str) -> str:
    return text if len(text) <= 480 else text[:477] + "…"


def _entry(
    query: Query,
    source: Source,
    fetched_at: datetime,
    raw_sha256: str | None,
    *,
    status: str,
    error: str | None = None,
    facts: list[dict[str, Any]] | None = None,
) -> RegistryEntry:
    data: dict[str, Any] = {
        "source": source,
        "person": query.person,
        "status": status,
        "fetched_at": fetched_at,
        "request_id": query.request_id(source),
        "facts": facts or [],
    }
    if error is not None:
        data["error"] = error
    if raw_sha256 is not None:
        data["raw_sha256"] = raw_sha256
    return RegistryEntry.model_validate(data, strict=False)


def _entry_for(
    query: Query,
    source: Source,
    outcome: AgencyAnswer | AgencyFailure,
    fetched_at: datetime,
    digest: str,
) -> tuple[RegistryEntry, list[str]]:
    if isinstance(outcome, AgencyFailure):
        return _entry(query, source, fetched_at, digest, status="unavailable", error=_clip(outcome.reason)), []
    notices = list(outcome.notices)
    try:
        facts = _facts(query, source, outcome, notices)
    except _Unusable as e:
        return _entry(query, source, fetched_at, digest, status="unavailable", error=_clip(e.reason)), notices
    status = "ok" if facts else "no_data"
    return _entry(query, source, fetched_at, digest, status=status, facts=facts), notices


class _Unusable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _facts(query: Query, source: Source, answer: AgencyAnswer, notices: list[str]) -> list[dict[str, Any]]:
    if answer.person is not None and answer.person != query.person:
        raise _Unusable("svaret gällde en annan person")
    if answer.echoed_period is not None and answer.echoed_period != (query.period_from, query.period_to):
        raise _Unusable("svaret gällde en annan period")
    for p in answer.payments:
        if p.paid_on is not None and not query.period_from <= p.paid_on <= query.period_to:
            raise _Unusable("svaret gällde en annan period (utbetalning utanför den frågade perioden)")
    if answer.no_hit:
        return []
    facts: list[dict[str, Any]] = []
    sums: dict[str, int] = defaultdict(int)
    seen: set[str] = set()
    first, last = month_bounds(query.month)
    for p in answer.payments:
        share = _share_in_month(p, first, last, notices)
        if share is None:
            continue
        sums[p.kind.value] += share
        seen.add(p.kind.value)
    for kind in sorted(seen):
        amount = sums[kind]
        if amount < 0:
            raise _Unusable(f"negativt belopp för {kind} i {query.month} (återkrav?)")
        if amount > MAX_ORE:
            raise _Unusable(f"orimligt belopp för {kind} i {query.month}")
        facts.append({"kind": kind, "month": query.month, "amount": format_ore(amount)})
    if source is Source.ARBETSFORMEDLINGEN and answer.registered is not None:
        facts.append({"kind": "registered", "value": answer.registered})
    if answer.protected:
        facts.append({"kind": "protected_identity", "value": True})
    if source is Source.MIGRATIONSVERKET and answer.permits:
        status = migrationsverket.residence_for_month(answer.permits, query.month)
        if status is not None:
            facts.append({"kind": "residence_status", "value": status.value})
    return facts


def _share_in_month(p: Payment, first: date, last: date, notices: list[str]) -> int | None:
    """The part of a payment that pays for the month [first, last]; None when none of it does."""
    start, end = p.period_from, p.period_to
    if start is None and end is None:
        if p.paid_on is None:
            raise _Unusable("en utbetalning saknar både period och datum")
        notices.append(f"{p.code}: payment without the period it pays for: attributed to its payment month")
        return p.amount_ore if first <= p.paid_on <= last else None
    start = start or end
    end = end or start
    assert start is not None and end is not None
    if end < start:
        raise _Unusable("en utbetalning har en period som slutar före den börjar")
    if end < first or start > last:
        return None
    total_days = (end - start).days + 1
    inside = (min(end, last) - max(start, first)).days + 1
    if inside == total_days:
        return p.amount_ore
    if total_days > 400:
        raise _Unusable("en utbetalning avser en orimligt lång period")
    notices.append(f"{p.code}: a payment for a period spanning months is split by calendar days")
    # öre by calendar days, as a partition: the shares of all months add up to the payment exactly
    before = (max(start, first) - start).days
    return p.amount_ore * (before + inside) // total_days - p.amount_ore * before // total_days
