"""Canonical JSON: the bytes that are hashed and replayed (UTF-8, keys sorted, no insignificant whitespace).

The form is the standard library's ``json.dumps(data, ensure_ascii=False, sort_keys=True,
separators=(",", ":"))`` encoded as UTF-8, byte for byte, for any data: stored hashes and replay rest on
it (docs/audit.md). orjson writes exactly those bytes for strings, integers within 64 bits, booleans,
null, lists and dicts with string keys, about ten times faster; everything else — a float (orjson writes
``1e16`` where json writes ``1e+16``), a non-string key, an integer beyond 64 bits, a type json refuses
or orjson would serialize on its own (dates, enums, dataclasses) — goes to json, which decides as it
always did. ``tests/unit/test_canonical.py`` checks the identity on arbitrary nested data.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_SCALARS = (str, int)  # bool is an int; a str or int subclass (StrEnum, IntEnum) is written as its value by both
_OPTS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _only_plain(data: Any) -> bool:
    """Whether every leaf is a str, int, bool or None (and every container a dict, list or tuple).

    The exact built-in types are told apart by ``type(...) is``, which is several times cheaper than
    ``isinstance`` with a tuple; subclasses (StrEnum, IntEnum, a dict subclass) take the ``isinstance`` path.
    The list grows while it is walked (a list's iterator sees what is appended)."""
    stack = [data]
    push = stack.extend
    for value in stack:
        kind = type(value)
        if kind is str or kind is int or value is None or kind is bool:
            continue
        if kind is dict:
            push(value.values())
        elif kind is list or kind is tuple:
            push(value)
        elif isinstance(value, dict):
            push(value.values())
        elif isinstance(value, (list, tuple)):
            push(value)
        elif not isinstance(value, _SCALARS):
            return False
    return True


def _fast(data: Any) -> bytes | None:
    """orjson's bytes where they are json's, else None."""
    if not _only_plain(data):
        return None
    try:
        return orjson.dumps(data, option=_OPTS)
    except TypeError:  # orjson.JSONEncodeError: a non-str key, an int beyond 64 bits, a lone surrogate
        return None


def _slow(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(data: Any) -> bytes:
    """``data`` as canonical JSON bytes (see the module docstring)."""
    fast = _fast(data)
    return fast if fast is not None else _slow(data).encode("utf-8")


def read_json(text: str | bytes) -> Any:
    """A JSON text finaid wrote (a stored bundle or basis, the engine's messages) as Python values: orjson, which
    reads the same values as json for these texts in about a third of the time; json where orjson refuses a text
    (NaN, an integer beyond 64 bits, a lone surrogate), which reads it as it always did. Not for untrusted input:
    that is ``decision.jsonload.load_json`` (limits, duplicate keys)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def canonical_text(data: Any) -> str:
    """The same as text (the audit chains hash its UTF-8 encoding): json's very string where orjson is not used."""
    fast = _fast(data)
    return fast.decode("utf-8") if fast is not None else _slow(data)
