"""Evidence is checked against its sha256 on the way in, once per envelope however many sources it answered."""

from __future__ import annotations

import hashlib

import pytest

from adapters.driven.evidence import BufferedEvidenceStore, EvidenceMismatch, MemoryEvidenceStore


def test_one_envelope_filed_under_several_sources_is_kept_under_each() -> None:
    store = BufferedEvidenceStore()
    raw = b"<Envelope>svar</Envelope>"
    sha = hashlib.sha256(raw).hexdigest()
    for source in ("fk", "csn", "skv"):
        store.put(f"k1:{source}", raw, sha)
    assert store.take(["k1:fk", "k1:csn", "k1:skv"]) == [(f"k1:{s}", raw, sha) for s in ("fk", "csn", "skv")]


def test_bytes_that_do_not_hash_to_their_sha_are_refused_even_after_the_same_bytes_were_kept() -> None:
    store = MemoryEvidenceStore()
    raw = b"<Envelope>svar</Envelope>"
    store.put("k1:fk", raw, hashlib.sha256(raw).hexdigest())
    with pytest.raises(EvidenceMismatch):
        store.put("k1:csn", raw, hashlib.sha256(b"annat").hexdigest())
    with pytest.raises(EvidenceMismatch):
        store.put("k2:fk", b"<Envelope>annat</Envelope>", hashlib.sha256(raw).hexdigest())
    assert store.get("k1:csn") is None and store.get("k2:fk") is None
