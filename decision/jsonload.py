"""Untrusted JSON → Python objects, with limits checked before the parser recurses.

Python's :func:`json.loads` recurses once per nesting level, so a document of a few thousand
``[`` raises :class:`RecursionError` instead of an input error. :func:`load_json` therefore
measures the nesting depth first, with a flat scan (no recursion), and refuses a document that is
too large or too deep before parsing it. It also refuses duplicate keys (a second value for a key
would silently replace the first) and names them by their path, never by the key itself unless the
key looks like a field name: a key can be a personnummer (docs/case-bundle.md, "Errors").

Every refusal is an :class:`~decision.errors.InputError` (exit 2 in the CLI, 422 in the API).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from decision.errors import FieldError, InputError

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32
"""A case bundle nests five levels deep (bundle → registry → entry → facts → fact); 32 is generous."""
MAX_NUMBER_DIGITS = 40

# A JSON string (unrolled loop: linear, no backtracking), and anything that is not a bracket.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_SAFE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}", re.ASCII)
_DIGIT = re.compile(r"[0-9]", re.ASCII)


def safe_key(key: str) -> bool:
    """True when a key may be echoed in a message: a field-name shape with at most three digits.

    Every contract field name passes (``raw_sha256``); nothing holding a personnummer, or a
    recognisable part of one, does.
    """
    return _SAFE_KEY.fullmatch(key) is not None and len(_DIGIT.findall(key)) <= 3


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """The deepest nesting of ``[``/``{`` outside strings, scanning flat; stops once past ``limit``."""
    depth = deepest = 0
    for ch in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif ch in "]}":
            depth -= 1
    return deepest


class _DuplicateKeys(dict[str, Any]):
    """An object in which at least one key appeared more than once (``keys_twice`` lists them)."""

    keys_twice: list[str]


def _marked(out: dict[str, Any], pairs: list[tuple[str, Any]]) -> _DuplicateKeys:
    twice: list[str] = []
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen and key not in twice:
            twice.append(key)
        seen.add(key)
    marked = _DuplicateKeys(out)
    marked.keys_twice = twice
    return marked


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def _decimal(text: str) -> Decimal:
    """A JSON number with a fraction or exponent, kept exact (never a float: amounts are integer öre, and
    the contract writes them as strings, so the schema refuses a number where an amount belongs)."""
    if len(text) > MAX_NUMBER_DIGITS + 10:
        raise ValueError(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    return Decimal(text)


def _constant(name: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


def duplicate_key_errors(data: Any) -> list[FieldError]:
    """Every object with a repeated key, by path (walked with an explicit stack, no recursion)."""
    errors: list[FieldError] = []
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node, _DuplicateKeys):
                for key in node.keys_twice:
                    if safe_key(key):
                        errors.append(FieldError(_join(path, key), "appears more than once in its object"))
                    else:
                        errors.append(FieldError(path, "an object has the same key twice (the key is not shown)"))
            items = list(node.items())
            for key, value in reversed(items):
                stack.append((_join(path, key) if safe_key(key) else path, value))
        elif isinstance(node, list):
            for i in range(len(node) - 1, -1, -1):
                stack.append((_join(path, i), node[i]))
    return errors


def decode(raw: bytes | str, *, max_bytes: int = MAX_BYTES) -> str:
    """The document as text: at most ``max_bytes`` of UTF-8 (a ``str`` is measured as UTF-8 too)."""
    if isinstance(raw, str):
        if len(raw) > max_bytes or len(raw.encode("utf-8", "surrogatepass")) > max_bytes:
            raise InputError([FieldError("", f"the bundle is larger than {max_bytes} bytes")])
        return raw
    if len(raw) > max_bytes:
        raise InputError([FieldError("", f"the bundle is larger than {max_bytes} bytes")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError([FieldError("", "the file is not UTF-8 text")]) from None


def load_json(raw: bytes | str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> tuple[str, Any]:
    """Decode, check size and depth, parse; return the text and the parsed value.

    Raises :class:`InputError` for anything that is not one well-formed JSON document within the
    limits, or that repeats a key in an object.
    """
    text = decode(raw, max_bytes=max_bytes)
    duplicates: list[_DuplicateKeys] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) == len(pairs):
            return out
        duplicates.append(_marked(out, pairs))
        return duplicates[-1]

    if nesting_depth(text, max_depth) > max_depth:
        raise InputError([FieldError("", f"the JSON is nested more than {max_depth} levels deep")])
    try:
        data = json.loads(
            text, object_pairs_hook=pairs_hook, parse_int=_int, parse_float=_decimal, parse_constant=_constant
        )
    except json.JSONDecodeError as e:
        raise InputError([FieldError("", f"malformed JSON at line {e.lineno}, column {e.colno}: {e.msg}")]) from None
    except ValueError as e:
        raise InputError([FieldError("", f"malformed JSON: {e}")]) from None
    except RecursionError:  # unreachable after the depth check; kept so that it can never escape
        raise InputError([FieldError("", f"the JSON is nested more than {max_depth} levels deep")]) from None
    if duplicates:
        raise InputError(duplicate_key_errors(data))
    return text, data
