"""Shared helpers for the registry unit tests: the golden envelopes and a query to read them with."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from pathlib import Path

from adapters.driven.ssbtek.mapping import Mapped, Options, map_answer
from adapters.driven.ssbtek.model import Ingivare, Query
from decision.bundle import RegistryEntry, Source

GOLDEN = Path(__file__).parent / "golden"
PERSON = "198507092388"
FETCHED = datetime(2023, 2, 23, 2, 10, 11, tzinfo=UTC)


def golden(name: str) -> bytes:
    return (GOLDEN / name).read_bytes()


def with_payload(envelope: str, inner: str) -> bytes:
    """A golden envelope with the base64 of a golden inner document in place of ``@@BASE64@@``."""
    encoded = base64.b64encode(golden(inner)).decode("ascii")
    return golden(envelope).replace(b"@@BASE64@@", encoded.encode("ascii"))


def query(sources: tuple[Source, ...] = tuple(Source), *, include_tns: bool = False, person: str = PERSON) -> Query:
    return Query(
        korrelationsid="GOLDEN-1",
        person=person,
        case_id="APP-2023-000042",
        month="2023-03",
        period_from=date(2023, 2, 1),
        period_to=date(2023, 4, 30),
        sources=sources,
        ingivare=Ingivare("162120000001", "Testkommunen", "hl01"),
        syfte="Handläggning av ansökan om ekonomiskt bistånd",
        lagtext="11 kap. 11-11 b §§ socialtjänstlagen (2001:453)",
        aktorsid="aktor-1",
        lefi_version="v9",
        asked_at=FETCHED,
        include_tns=include_tns,
    )


def read(raw: bytes, sources: tuple[Source, ...], *, provisional: bool = False, **kw: object) -> Mapped:
    return map_answer(raw, query(sources, **kw), FETCHED, Options(allow_provisional_skv=provisional))  # type: ignore[arg-type]


def by_source(mapped: Mapped) -> dict[Source, RegistryEntry]:
    return {e.source: e for e in mapped.entries}


def facts(entry: RegistryEntry) -> list[dict[str, object]]:
    return [f.model_dump(mode="json") for f in entry.facts]
