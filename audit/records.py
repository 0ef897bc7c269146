"""Record hashes: what ties every stored row a decision rests on to the audit chain (docs/audit.md, "What
verify proves").

A covered row's **row hash** is sha256 over the canonical JSON of its stable columns (those no code
path changes after the insert; timestamps in UTC ISO form, bytes by their sha256); columns retention
blanks are covered by content hashes that stay (``basis_hash``, ``record_hash``, ``html_sha256``,
``sha256``) or, for a decision's amount and trace, by a separate **personal hash**. The hashes are
written into the payload of an audit event of the same transaction under ``records``:
``{"decision:<id>": {"row": …, "personal": …}, "sign_off:<id>": {"row": …}, …}``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from audit.chain import canonical

_KEPT = frozenset((str, int, bool))


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int):  # most columns (a bool is an int: kept as it is)
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite returns naive datetimes for what was stored as UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    raise TypeError(f"cannot hash a {type(value).__name__}")


def digest(fields: Mapping[str, Any]) -> str:
    """The sha256 of a row's fields (canonical JSON, keys sorted).

    Most values are a str, an int or None, kept as they are: told apart by ``type(...) is`` before ``_plain``
    (a batch chunk hashes about ten rows per case). A bool is an int to ``_plain`` too: kept as it is."""
    body = canonical({k: v if v is None or type(v) in _KEPT else _plain(v) for k, v in fields.items()})
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


def entry(stable: Mapping[str, Any], personal: Mapping[str, Any] | None) -> dict[str, str]:
    """What an audit event records of one row."""
    out = {"row": digest(stable)}
    if personal:
        out["personal"] = digest(personal)
    return out


# columns a covered row may change after its insert: covered elsewhere (superseded_by by its event) or
# blanked by retention (covered by the content hashes that stay, or by the personal hash)
MUTABLE = {
    "decision": ("basis_json", "trace_json", "proposed_ore", "superseded_by", "purged_at"),
    "sign_off": ("record_json", "purged_at"),
    "letter": ("html", "pdf", "purged_at"),
    "registry_evidence": ("raw", "purged_at"),
    "case_note": ("text", "purged_at"),
    "communication": ("items_json", "text", "purged_at"),
}
PERSONAL = {"decision": ("proposed_ore", "trace_json")}


def fields(table: str, values: Mapping[str, Any], columns: tuple[str, ...] | None = None,
           extra: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(stable fields, personal fields or None when blanked by retention) of one row of ``table``."""
    stable = {c: values.get(c) for c in (columns or tuple(values)) if c not in MUTABLE.get(table, ())}
    stable.update(extra or {})
    names = PERSONAL.get(table, ())
    if not names or values.get("purged_at") is not None:
        return stable, None
    return stable, {c: values.get(c) for c in names}
