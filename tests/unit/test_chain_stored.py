"""Verify's cheaper hashing gives the very hashes (and errors) of the plain way, on any stored text.

``audit.chain.stored_audit_hash`` builds an event's body around its stored payload bytes where they are
canonical; ``audit.verify.canonical_of_text`` re-encodes a stored bundle without a Python tree walk. Both
must agree with ``audit_hash`` / ``canonical_json(json.loads(...))`` byte for byte — on canonical text, on
the same data in another form, and on text that is not JSON at all — so no stored hash changes its
verdict and tampering is named as before (tests/integration/test_audit_trail.py names each kind).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.chain import GENESIS, audit_hash, canonical, stored_audit_hash
from audit.verify import canonical_of_text
from decision.basis import canonical_json

SCALARS = (
    st.none() | st.booleans() | st.integers() | st.integers(-(2**63), 2**64 - 1) | st.text()
    | st.floats() | st.sampled_from([1e16, -0.0, 1.5, 2**70])
)
KEYS = st.text(max_size=6) | st.sampled_from(["a", "A", "ä", "records", "basis_hash", "😀", "\u2028", ""])
DATA = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=5), max_leaves=30
)
# the forms a payload or bundle may be stored in: canonical, json.dumps' default, indented, ASCII-escaped
FORMS = st.sampled_from([
    {"ensure_ascii": False, "sort_keys": True, "separators": (",", ":")},
    {"ensure_ascii": False},
    {"ensure_ascii": True, "sort_keys": True, "separators": (",", ":")},
    {"indent": 1, "sort_keys": True},
])
TEXT = st.text() | st.sampled_from(["system:batch", "decision:01J0", "user:å", "\ud800", "a\"b\\c\n"])
NOT_JSON = st.sampled_from(["", "{", '{"a":1}x', '{"a":1},"prev":"0"', "nan", "{'a': 1}"]) | st.text(max_size=8)


def _outcome(f: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "ok", f(*args)
    except Exception as e:  # the same error type both ways is what is compared
        return "error", type(e)


@settings(max_examples=800, deadline=None)
@given(DATA, FORMS)
def test_canonical_of_text_is_canonical_json_of_the_parsed_text(data: Any, form: dict[str, Any]) -> None:
    try:
        text = json.dumps(data, **form)
    except (TypeError, ValueError):
        return
    want = _outcome(lambda t: canonical_json(json.loads(t)), text)
    assert _outcome(canonical_of_text, text) == want


@settings(max_examples=200, deadline=None)
@given(NOT_JSON)
def test_canonical_of_text_fails_as_json_does_on_what_is_not_json(text: str) -> None:
    assert _outcome(canonical_of_text, text) == _outcome(lambda t: canonical_json(json.loads(t)), text)


@settings(max_examples=800, deadline=None)
@given(DATA, FORMS, TEXT, TEXT, st.integers(0, 2**65), st.integers(-1400, 1400))
def test_stored_audit_hash_is_audit_hash(data: Any, form: dict[str, Any], actor: str, subject: str, seq: int,
                                         minutes: int) -> None:
    try:
        payload = json.dumps(data, **form)
    except (TypeError, ValueError):
        return
    at = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(minutes=minutes)))
    args = (GENESIS, seq, at, actor, "proposed", subject, payload)
    assert _outcome(stored_audit_hash, *args) == _outcome(audit_hash, *args)


@settings(max_examples=200, deadline=None)
@given(NOT_JSON)
def test_stored_audit_hash_fails_as_audit_hash_does_on_what_is_not_json(payload: str) -> None:
    args = ("f" * 64, 7, datetime(2026, 1, 1, tzinfo=UTC), "system:batch", "proposed", "decision:X", payload)
    assert _outcome(stored_audit_hash, *args) == _outcome(audit_hash, *args)


@pytest.mark.parametrize("payload", [
    canonical({"basis_hash": "sha256:" + "a" * 64, "outcome": "beviljat", "findings": ["X"]}),
    '{"outcome": "beviljat", "basis_hash": "sha256:aa"}',  # the same data in another form: verifies as before
    canonical({"n": 1e16}),  # a float: json's form differs from orjson's
    '{"n":1e16}',  # orjson's form of that float: not canonical, so not hashed as stored
    '{"a":NaN}',
])
def test_a_stored_payload_hashes_as_audit_hash_does(payload: str) -> None:
    args = ("0" * 64, 3, datetime(2026, 1, 1, 8, tzinfo=UTC), "user:handläggare", "proposed", "decision:01", payload)
    assert stored_audit_hash(*args) == audit_hash(*args)
    tampered = payload.replace("beviljat", "avslag").replace("1", "2")
    assert tampered == payload or stored_audit_hash(*args[:-1], tampered) != audit_hash(*args)
