"""Property: any envelope the sandbox can produce, garbled at random (bytes, base64, XML, JSON), never
crashes the pipeline — it maps to contract-valid entries (faults only as ``unavailable``) and a
decision basis is produced."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from adapters.devtools import synthetic
from adapters.devtools.sandbox import answers
from adapters.devtools.sandbox.faults import AGENCY_FAULTS, FaultRule
from adapters.driven.evidence import MemoryEvidenceStore
from adapters.driven.ssbtek.client import ClientConfig, SsbtekRegistrySource
from adapters.driven.ssbtek.envelope import build_query
from adapters.driven.ssbtek.mapping import Options, map_answer
from adapters.driven.ssbtek.model import Query
from decision.bundle import CaseBundle, Role
from decision.pipeline import Pipeline
from decision.validation import check_bundle, parse_bundle

N = len(synthetic.ARCHETYPES)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=1)
def world() -> tuple[list[CaseBundle], dict[str, synthetic.PersonRecord]]:
    bundles = [parse_bundle(json.dumps(b)) for b in synthetic.generate(N, 11)]
    return bundles, synthetic.population(N, 11)


def envelope_for(i: int, adult: int, fault: FaultRule | None) -> tuple[CaseBundle, Query, bytes]:
    bundles, people = world()
    bundle = bundles[i]
    config = ClientConfig(url="http://127.0.0.1:9/ssbtek", include_tns=True)
    source = SsbtekRegistrySource(config, MemoryEvidenceStore())
    adults = [q for q in source.queries(bundle) if q.person in {
        m.personnummer for m in bundle.application.household if m.role is not Role.CHILD}]
    q = adults[adult % len(adults)]
    sq = answers.read_request(build_query(q))
    return bundle, q, answers.answer(sq, people.get(q.person), [fault] if fault else [])


def _mutate_bytes(raw: bytes, data: st.DataObject) -> bytes:
    out = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 6), label="byte edits")):
        pos = data.draw(st.integers(0, max(len(out) - 1, 0)), label="pos")
        op = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]), label="op")
        if op == "flip" and out:
            out[pos] = data.draw(st.integers(0, 255), label="byte")
        elif op == "insert":
            out[pos:pos] = data.draw(st.binary(min_size=1, max_size=8), label="inserted")
        elif op == "delete" and out:
            del out[pos : pos + data.draw(st.integers(1, 40), label="len")]
        elif op == "truncate":
            del out[pos:]
    return bytes(out)


def _mutate_xml(raw: bytes, data: st.DataObject) -> bytes:
    root = etree.fromstring(raw)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    for _ in range(data.draw(st.integers(1, 4), label="xml edits")):
        el = elements[data.draw(st.integers(0, len(elements) - 1), label="element")]
        op = data.draw(st.sampled_from(["text", "remove", "duplicate", "rename", "attr"]), label="xml op")
        parent = el.getparent()
        if op == "text":
            el.text = data.draw(st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=20), label="text")
        elif op == "remove" and parent is not None:
            parent.remove(el)
            elements = [e for e in root.iter() if isinstance(e.tag, str)]
        elif op == "duplicate" and parent is not None:
            parent.append(etree.fromstring(etree.tostring(el)))
        elif op == "rename":
            el.tag = data.draw(st.sampled_from(["data", "error", "Svar", "svar", "Person", "x"]), label="tag")
        elif op == "attr":
            el.set(data.draw(st.sampled_from(["inkludera", "Status", "sekel", "provisorisk"]), label="attr"),
                   data.draw(st.sampled_from(["", "Ej träff", "true", "20", "???"]), label="value"))
    return etree.tostring(root)


def _mutate_base64(raw: bytes, data: st.DataObject) -> bytes:
    root = etree.fromstring(raw)
    targets = [e for e in root.iter() if isinstance(e.tag, str)
               and etree.QName(e).localname in ("svar", "lefiJsonSvar") and (e.text or "").strip()]
    if not targets:
        return _mutate_bytes(raw, data)
    el = targets[data.draw(st.integers(0, len(targets) - 1), label="target")]
    text = el.text or ""
    pos = data.draw(st.integers(0, len(text)), label="b64 pos")
    junk = data.draw(st.text(alphabet="ABCxyz019+/=!ä \n", max_size=6), label="b64 junk")
    el.text = text[:pos] + junk + text[pos + data.draw(st.integers(0, 8), label="cut") :]
    return etree.tostring(root)


def _mutate_json(raw: bytes, data: st.DataObject) -> bytes:
    root = etree.fromstring(raw)
    targets = [e for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == "lefiJsonSvar"]
    if not targets:
        return _mutate_xml(raw, data)
    try:
        doc: Any = json.loads(base64.b64decode(targets[0].text or ""))
    except ValueError:  # the sandbox already garbled this payload (a fault): garble the XML instead
        return _mutate_xml(raw, data)
    junk = st.one_of(
        st.none(), st.booleans(), st.integers(-10**15, 10**15), st.floats(allow_nan=True), st.text(max_size=8),
        st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    )
    for _ in range(data.draw(st.integers(1, 4), label="json edits")):
        node = doc
        path: list[Any] = []
        while isinstance(node, dict | list) and node and data.draw(st.booleans(), label="descend"):
            key = data.draw(st.sampled_from(sorted(node.keys()) if isinstance(node, dict) else list(range(len(node)))),
                            label="key")
            path.append(key)
            node = node[key]
        if not path:
            doc = data.draw(junk, label="root") if data.draw(st.booleans(), label="replace root") else doc
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and data.draw(st.booleans(), label="delete"):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(junk, label="value")
    targets[0].text = base64.b64encode(json.dumps(doc).encode()).decode()
    return etree.tostring(root)


MUTATORS = {"bytes": _mutate_bytes, "base64": _mutate_base64, "xml": _mutate_xml, "json": _mutate_json}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    i=st.integers(0, N - 1),
    adult=st.integers(0, 1),
    fault=st.one_of(st.none(), st.sampled_from([f for f in AGENCY_FAULTS if not f.startswith("lefi_")])),
    agency=st.sampled_from(["AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV"]),
    how=st.sampled_from(sorted(MUTATORS)),
    data=st.data(),
)
def test_garbled_sandbox_answers_never_crash_the_pipeline(
    pipeline: Pipeline, i: int, adult: int, fault: str | None, agency: str, how: str, data: st.DataObject
) -> None:
    rule = FaultRule(fault=fault, agency=agency) if fault else None
    bundle, query, raw = envelope_for(i, adult, rule)
    garbled = MUTATORS[how](raw, data)
    mapped = map_answer(garbled, query, NOW, Options(allow_provisional_skv=True))
    assert [e.source for e in mapped.entries] == list(query.sources)
    for e in mapped.entries:
        assert e.status.value in ("ok", "no_data", "unavailable")
        assert (e.status.value == "unavailable") == (e.error is not None)
        assert e.request_id.startswith(query.korrelationsid + ":")
    sealed = bundle.model_copy(update={"registry": mapped.entries})
    assert check_bundle(sealed) == []
    decided = pipeline.evaluate(sealed)
    assert decided.basis.outcome in ("GRANT", "PARTIAL", "REJECT", "MANUAL")
    if any(e.status.value == "unavailable" for e in mapped.entries):
        assert decided.basis.outcome == "MANUAL"


def test_the_ungarbled_envelopes_of_every_archetype_map_without_unavailable() -> None:
    for i in range(N):
        for adult in (0, 1):
            _, query, raw = envelope_for(i, adult, None)
            mapped = map_answer(raw, query, NOW, Options(allow_provisional_skv=True))
            assert [e.status.value for e in mapped.entries if e.status.value == "unavailable"] == [], i
