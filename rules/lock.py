"""Lock files: the content hash of every published pack (``packs.lock``) and guideline (``guidelines.lock``).

One pair per rules root (the installed ``rules/`` folder, ``$FINAID_RULES_DIR``). An entry is written
by ``finaid rules publish`` and never changed afterwards; ``finaid rules verify`` fails when a
published folder no longer hashes to its entry. The format is YAML, one mapping per published id::

    sol2025_400_v1:
      hash: "sha256:…"
      published_at: "2026-11-23"
      decision: "finaid 0.1.0: the first published packs"
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from decision.errors import RulesError
from rules.yamlload import load_yaml

Kind = Literal["pack", "guideline"]
LOCK_FILES: dict[Kind, str] = {"pack": "packs.lock", "guideline": "guidelines.lock"}
FOLDERS: dict[Kind, str] = {"pack": "packs", "guideline": "guidelines"}
_HASH = re.compile(r"^sha256:[0-9a-f]{64}$")
_HEADER = {
    "pack": "# Published rule packs: the content hash of each at publication (docs/rule-lifecycle.md).\n",
    "guideline": "# Published municipal guidelines: the content hash of each at publication "
    "(docs/rule-lifecycle.md).\n",
}
_HEADER_2 = "# Written by `finaid rules publish`; `finaid rules verify` fails if a folder no longer matches.\n"


@dataclass(frozen=True, slots=True)
class LockEntry:
    id: str
    hash: str
    published_at: date
    decision: str


def parse_day(raw: object, where: str) -> date:
    """A ``YYYY-MM-DD`` date from YAML (which may already have parsed it into a date)."""
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise RulesError(f"{where}: expected a date YYYY-MM-DD, got {raw!r}") from None


def lock_path(root: Path, kind: Kind) -> Path:
    return root / LOCK_FILES[kind]


def read_lock(root: Path, kind: Kind) -> dict[str, LockEntry]:
    """The entries of ``root``'s lock for ``kind``; no lock file means nothing is published there."""
    path = lock_path(root, kind)
    if not path.exists():
        return {}
    data = load_yaml(path.read_text(encoding="utf-8"), str(path)) or {}
    if not isinstance(data, dict):
        raise RulesError(f"{path}: expected a mapping of published ids")
    out: dict[str, LockEntry] = {}
    for key, spec in data.items():
        if not isinstance(spec, dict) or set(spec) != {"hash", "published_at", "decision"}:
            raise RulesError(f"{path}: entry {key} must have exactly hash, published_at and decision")
        digest = str(spec["hash"])
        if not _HASH.match(digest):
            raise RulesError(f"{path}: entry {key} has a malformed hash")
        out[str(key)] = LockEntry(
            id=str(key),
            hash=digest,
            published_at=parse_day(spec["published_at"], f"{path}: {key}.published_at"),
            decision=str(spec["decision"]),
        )
    return out


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_lock(kind: Kind, entries: dict[str, LockEntry]) -> str:
    lines = [_HEADER[kind], _HEADER_2]
    for key in sorted(entries):
        e = entries[key]
        lines.append(
            f"{key}:\n  hash: {_quote(e.hash)}\n  published_at: {_quote(e.published_at.isoformat())}\n"
            f"  decision: {_quote(e.decision)}\n"
        )
    return "".join(lines)


def write_lock(root: Path, kind: Kind, entries: dict[str, LockEntry]) -> Path:
    """Replace ``root``'s lock for ``kind`` atomically (temp file + rename)."""
    path = lock_path(root, kind)
    text = render_lock(kind, entries)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(root))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
