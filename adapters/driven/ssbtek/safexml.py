"""Parsing untrusted XML, base64 and JSON from the registry: no entities, no network, bounded sizes.

Every SSBTEK answer and every payload nested inside it passes through here. A DTD of any kind is
refused (no XXE, no billion laughs), lxml's ``huge_tree`` stays off (depth and text-node limits),
and sizes are checked before the bytes are decoded.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from lxml import etree

MAX_ENVELOPE_BYTES = 8 * 1024 * 1024
MAX_PAYLOAD_BYTES = 4 * 1024 * 1024
_B64_CHARS = re.compile(rb"^[A-Za-z0-9+/=\s]*$")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


class UnsafeXml(ValueError):
    """The document is refused: too large, a DTD, or not well-formed."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes | str, max_bytes: int = MAX_PAYLOAD_BYTES) -> etree._Element:
    """Parse one XML document; refuse DTDs, entity declarations and oversized input."""
    if isinstance(data, str):
        # a string already has its characters: its own encoding declaration no longer applies
        data = _XML_DECL.sub("", data, count=1)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise UnsafeXml(f"document is larger than {max_bytes} bytes")
    # a DOCTYPE is never legitimate in SSBTEK traffic: refuse before lxml sees it
    head = raw[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in raw.lower():
        raise UnsafeXml("document declares a DTD or entities")
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as e:
        raise UnsafeXml(f"not well-formed XML ({_short(str(e))})") from None
    except ValueError as e:  # e.g. an encoding declaration lxml cannot use
        raise UnsafeXml(f"unreadable XML ({_short(str(e))})") from None
    if root is None:
        raise UnsafeXml("empty document")
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise UnsafeXml("document declares a DTD")
    return root


def b64decode_limited(text: str | bytes | None, max_bytes: int = MAX_PAYLOAD_BYTES) -> bytes:
    """Decode base64 strictly, refusing input whose decoded size would exceed ``max_bytes``."""
    if text is None:
        raise ValueError("base64 content is missing")
    raw = text.encode("ascii", "replace") if isinstance(text, str) else text
    if len(raw) > (max_bytes * 4) // 3 + 1024:
        raise ValueError(f"base64 content decodes to more than {max_bytes} bytes")
    if not _B64_CHARS.match(raw):
        raise ValueError("base64 content holds characters outside the base64 alphabet")
    compact = b"".join(raw.split())
    try:
        out = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("base64 content is malformed") from None
    if len(out) > max_bytes:
        raise ValueError(f"base64 content decodes to more than {max_bytes} bytes")
    return out


def json_loads_limited(raw: bytes, max_bytes: int = MAX_PAYLOAD_BYTES) -> Any:
    """Parse JSON (UTF-8) with a size bound; deep nesting and bad text are ValueErrors."""
    if len(raw) > max_bytes:
        raise ValueError(f"JSON content is larger than {max_bytes} bytes")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("JSON content is not UTF-8") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"JSON content is malformed at line {e.lineno}, column {e.colno}") from None
    except RecursionError:
        raise ValueError("JSON content is nested too deeply") from None


_LOCAL: dict[str, str] = {}
"""Local names by qualified tag, remembered (a bounded number: an answer may name anything)."""


def local(el: etree._Element) -> str:
    """An element's name without its namespace."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    name = _LOCAL.get(tag)
    if name is None:
        name = tag.rsplit("}", 1)[-1]
        if len(_LOCAL) < 4096:
            _LOCAL[tag] = name
    return name


def children(el: etree._Element, name: str) -> list[etree._Element]:
    """Direct children with this local name, whatever their namespace."""
    return list(el.iterchildren(f"{{*}}{name}"))


def child(el: etree._Element, name: str) -> etree._Element | None:
    found = children(el, name)
    if len(found) > 1:
        raise ValueError(f"element {name} occurs more than once")
    return found[0] if found else None


def text(el: etree._Element, name: str) -> str | None:
    """Stripped text of the single child ``name`` (None when absent or empty)."""
    c = child(el, name)
    if c is None:
        return None
    t = (c.text or "").strip()
    return t or None


def descendants(el: etree._Element, name: str) -> list[etree._Element]:
    """``el`` and everything below it with this local name, whatever the namespace."""
    return list(el.iter(f"{{*}}{name}"))


def _short(message: str) -> str:
    return message[:120]
