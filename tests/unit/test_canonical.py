"""Canonical JSON (decision/canonical.py) is byte for byte the standard library's form, whoever writes it.

Hashes and replay rest on these bytes: orjson may write them only where it writes exactly what
``json.dumps(ensure_ascii=False, sort_keys=True, separators=(",", ":"))`` writes; everywhere else json
decides, errors included.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import date
from enum import Enum, IntEnum, StrEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.chain import canonical
from decision.canonical import _fast, canonical_json, canonical_text


def reference(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too
    | st.integers(-(2**63), 2**64 - 1)  # orjson's own range, edges included
    | st.text()  # any code point: non-ASCII, control characters, U+2028, lone surrogates
    | st.floats()  # NaN and infinities too
)
KEYS = st.text(max_size=6) | st.sampled_from(["a", "A", "ä", "å", "ö", "Z", "_", "é", "😀", "\u2028", "\x7f", ""])
DATA = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5)
    | st.tuples(inner, inner)
    | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=1500, deadline=None)
@given(DATA)
def test_canonical_json_is_the_standard_librarys_bytes_on_any_data(data: Any) -> None:
    try:
        expected = reference(data)
    except (TypeError, ValueError) as e:
        with pytest.raises(type(e)):
            canonical_text(data)
        return
    assert canonical_text(data) == expected
    assert canonical(data) == expected
    try:
        want = expected.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: json writes it, UTF-8 cannot hold it
        with pytest.raises(UnicodeEncodeError):
            canonical_json(data)
        return
    assert canonical_json(data) == want


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, st.text() | st.integers(-(2**63), 2**63) | st.booleans() | st.none(), max_size=12))
def test_plain_data_is_written_by_orjson(data: dict[str, Any]) -> None:
    # not vacuous: the data the basis and the audit chains hash takes the fast path, with the same bytes
    fast = _fast(data)
    if any(0xD800 <= ord(ch) <= 0xDFFF for k, v in data.items() for ch in k + (v if isinstance(v, str) else "")):
        assert fast is None
    else:
        assert fast is not None and fast == reference(data).encode("utf-8")


class Colour(StrEnum):
    RED = "röd"


class Level(IntEnum):
    HIGH = 3


class Plain(Enum):
    X = "x"


@pytest.mark.parametrize(
    "data",
    [
        {"b": 1e16, "a": 1e-7, "c": 0.1, "d": -0.0},  # floats: json's repr, never orjson's 1e16
        {"x": float("nan"), "y": float("inf")},  # json writes NaN and Infinity
        OrderedDict([("b", 1), ("a", [1, (2, 3)])]),
        {"k": Colour.RED, "n": Level.HIGH},
        {"n": 2**64, "m": -(2**63) - 1},
        {2: "b", 1: "a"},  # json writes int keys as strings
    ],
)
def test_what_orjson_would_write_differently_is_written_by_json(data: Any) -> None:
    assert canonical_json(data) == reference(data).encode("utf-8")


@pytest.mark.parametrize("data", [{"d": date(2026, 12, 4)}, {"e": Plain.X}, {"s": {1, 2}}, {1: "a", "b": 2}])
def test_what_json_refuses_is_still_refused(data: Any) -> None:
    with pytest.raises(TypeError):
        reference(data)
    with pytest.raises(TypeError):
        canonical_json(data)
