"""The golden envelopes of tests/golden/ssbtek/ through the real HTTP client.

Each envelope was written by hand from the public SSBTEK v10 schemas (docs/registry.md, "Golden
envelopes"), independently of the sandbox; a loopback server serves it verbatim to
:class:`SsbtekRegistrySource`, and the entries must be exactly the facts written beside it
(``<name>.expected.json``), with the notices it names. Per agency: the ordinary answer, the same
with elements finaid does not know (tolerated: same facts, never unavailable), and the same with
payments for other months (evidence: same facts).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response

from adapters.driven.evidence import MemoryEvidenceStore
from adapters.driven.ssbtek.client import ClientConfig, SsbtekRegistrySource
from decision.bundle import CaseBundle, Source
from decision.validation import parse_bundle

from .conftest import ServerThread

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "ssbtek"
CASES = sorted(p for p in GOLDEN.glob("*/*.expected.json"))


class Verbatim:
    def __init__(self) -> None:
        self.body = b""
        self.requests: list[bytes] = []


@pytest.fixture(scope="module")
def verbatim() -> Iterator[tuple[Verbatim, str]]:
    state = Verbatim()
    app = FastAPI()

    @app.post("/ssbtek")
    async def serve(request: Request) -> Response:
        state.requests.append(await request.body())
        return Response(content=state.body, media_type="text/xml; charset=utf-8")

    with ServerThread(app) as server:
        yield state, f"http://127.0.0.1:{server.port}/ssbtek"


def bundle_for(expected: dict[str, Any]) -> CaseBundle:
    return parse_bundle(json.dumps({
        "schema": "finaid.case-bundle/1",
        "application": {
            "id": "APP-2023-000777", "municipality": "1480", "month": expected["month"], "kind": "first",
            "submitted_at": "2023-02-22T08:00:00+01:00", "household_changed": False,
            "household": [{"personnummer": expected["person"], "role": "applicant"}],
            "incomes": [], "costs": [{"kind": "rent", "amount": "6000.00"}], "assets": [],
            "labour_market": [], "previous_aid": {"consecutive_months": 0, "jobbstimulans_months_used": 0},
        },
    }))


@pytest.mark.parametrize("expected_path", CASES, ids=lambda p: f"{p.parent.name}/{p.name.split('.')[0]}")
def test_golden_envelope_through_the_http_client(verbatim: tuple[Verbatim, str], expected_path: Path) -> None:
    state, url = verbatim
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    envelope = expected_path.with_name(expected_path.name.replace(".expected.json", ".xml"))
    state.body = envelope.read_bytes()
    sources = tuple(Source(s) for s in expected["sources"])
    evidence = MemoryEvidenceStore()
    client = SsbtekRegistrySource(
        ClientConfig(url=url, attempts=1, timeout_s=10), evidence, consulted=lambda _b: sources
    )
    result = asyncio.run(client.fetch_detailed(bundle_for(expected)))
    assert [q for q in state.requests[-1:]], "the client asked"
    got = {e.source.value: e for e in result.entries}
    assert set(got) == set(expected["entries"])
    for source, want in expected["entries"].items():
        entry = got[source]
        assert entry.status.value == want["status"], (source, entry.error)
        assert [f.model_dump(mode="json") for f in entry.facts] == want["facts"]
        assert entry.person == expected["person"]
        assert evidence.get(entry.request_id) == state.body  # the raw envelope is the evidence
    texts = [n.text for n in result.notices]
    for needle in expected["notices_contain"]:
        assert any(needle in t for t in texts), (needle, texts)
