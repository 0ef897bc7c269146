"""Untrusted registry XML, base64 and JSON: no entities, no DTDs, bounded sizes; refusal is never a crash."""

from __future__ import annotations

import base64

import pytest

from adapters.driven.ssbtek.mapping import Options, map_answer
from adapters.driven.ssbtek.safexml import UnsafeXml, b64decode_limited, json_loads_limited, parse_xml
from decision.bundle import Source

from .helpers import FETCHED, by_source, golden, query


def test_xxe_envelope_is_refused_and_the_call_fails_whole() -> None:
    with pytest.raises(UnsafeXml, match="DTD"):
        parse_xml(golden("xxe.xml"))
    mapped = map_answer(golden("xxe.xml"), query(), FETCHED)
    assert {e.status.value for e in mapped.entries} == {"unavailable"}
    assert all("DTD" in (e.error or "") for e in mapped.entries)
    assert all("root:" not in (e.error or "") for e in mapped.entries)  # /etc/passwd never read


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(UnsafeXml):
        parse_xml(golden("billion-laughs.xml"))
    assert {e.status.value for e in map_answer(golden("billion-laughs.xml"), query(), FETCHED).entries} == {
        "unavailable"
    }


def test_xxe_inside_a_nested_agency_document_makes_only_that_agency_unavailable() -> None:
    inner = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
        b"<CSNSvar><GemensamtSvarEkbistand><Resultat><ResultatKod>&e;</ResultatKod></Resultat>"
        b"</GemensamtSvarEkbistand></CSNSvar>"
    )
    raw = golden("csn-envelope.xml").replace(b"@@BASE64@@", base64.b64encode(inner))
    entry = by_source(map_answer(raw, query((Source.CSN,)), FETCHED))[Source.CSN]
    assert entry.status.value == "unavailable"
    assert "DTD" in (entry.error or "")


def test_oversized_envelope_is_refused_before_parsing() -> None:
    big = golden("miv-none.xml").replace(b"<correlationid>x", b"<correlationid>" + b"x" * 300_000)
    mapped = map_answer(big, query((Source.MIGRATIONSVERKET,)), FETCHED, Options(max_envelope_bytes=100_000))
    entry = by_source(mapped)[Source.MIGRATIONSVERKET]
    assert entry.status.value == "unavailable" and "larger than" in (entry.error or "")


def test_base64_bomb_is_refused_by_size_before_decoding() -> None:
    huge = base64.b64encode(b"<CSNSvar>" + b" " * 2_000_000 + b"</CSNSvar>")
    raw = golden("csn-envelope.xml").replace(b"@@BASE64@@", huge)
    mapped = map_answer(raw, query((Source.CSN,)), FETCHED, Options(max_payload_bytes=100_000))
    entry = by_source(mapped)[Source.CSN]
    assert entry.status.value == "unavailable" and "more than 100000 bytes" in (entry.error or "")
    with pytest.raises(ValueError, match="more than"):
        b64decode_limited(huge, 1000)


def test_base64_outside_the_alphabet_and_json_nested_too_deep_are_refused() -> None:
    with pytest.raises(ValueError, match="alphabet"):
        b64decode_limited("äöå!!")
    with pytest.raises(ValueError):
        json_loads_limited(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(ValueError, match="larger than"):
        json_loads_limited(b"[1]" * 10, max_bytes=5)


def test_xml_nested_beyond_lxmls_limit_is_refused() -> None:
    deep = b"<a>" * 300_000 + b"</a>" * 300_000
    with pytest.raises(UnsafeXml):
        parse_xml(deep, max_bytes=10_000_000)
