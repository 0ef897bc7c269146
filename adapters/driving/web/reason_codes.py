"""Reason codes for sign-offs: versioned YAML per municipality (``rules/reason_codes/<id>/``).

A set names the municipalities it serves (``"*"`` for any without its own), a ``version`` and its
codes by category (override, finding, reject, return, refuse). Codes are retired, never deleted:
a retired code is not offered for new decisions but still resolves for old ones. A signed decision
records the set's id, version and hash.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from decision.errors import ConfigurationError

BUILTIN = Path(__file__).resolve().parents[3] / "rules" / "reason_codes"
CATEGORIES = ("override", "finding", "reject", "return", "refuse")


@dataclass(frozen=True)
class ReasonCode:
    code: str
    category: str
    label: str
    retired: date | None

    def active(self, on: date) -> bool:
        return self.retired is None or on < self.retired


@dataclass(frozen=True)
class ReasonCodeSet:
    id: str
    version: int
    hash: str
    municipalities: tuple[str, ...]
    codes: dict[str, ReasonCode]

    def offered(self, category: str, on: date) -> list[ReasonCode]:
        return [c for c in self.codes.values() if c.category == category and c.active(on)]

    def check(self, code: str, category: str, on: date) -> ReasonCode | None:
        """The code if it may be used for ``category`` today, else None."""
        rc = self.codes.get(code)
        if rc is None or rc.category != category or not rc.active(on):
            return None
        return rc

    def label(self, code: str) -> str:
        rc = self.codes.get(code)
        return rc.label if rc else code

    def ref(self) -> dict[str, object]:
        return {"id": self.id, "version": self.version, "hash": self.hash}


def _load(path: Path) -> ReasonCodeSet:
    raw = path.read_bytes()
    data = yaml.safe_load(raw)
    if not isinstance(data, dict) or "codes" not in data:
        raise ConfigurationError(f"{path}: not a reason-code set")
    codes: dict[str, ReasonCode] = {}
    for item in data["codes"]:
        code = str(item["code"])
        category = str(item["category"])
        if category not in CATEGORIES:
            raise ConfigurationError(f"{path}: {code}: unknown category {category}")
        if code in codes:
            raise ConfigurationError(f"{path}: {code} is listed twice")
        retired = item.get("retired")
        codes[code] = ReasonCode(
            code, category, str(item["label"]),
            retired if isinstance(retired, date) else (date.fromisoformat(retired) if retired else None),
        )
    return ReasonCodeSet(
        id=str(data["id"]), version=int(data.get("version", 1)),
        hash="sha256:" + hashlib.sha256(raw).hexdigest(),
        municipalities=tuple(str(m) for m in data.get("municipalities", [])), codes=codes,
    )


@lru_cache(maxsize=8)
def _sets(extra: Path | None) -> tuple[ReasonCodeSet, ...]:
    folders = [BUILTIN] + ([extra] if extra else [])
    out: dict[str, ReasonCodeSet] = {}
    for folder in folders:
        for file in sorted(folder.glob("*/reason_codes.yaml")):
            s = _load(file)
            out[s.id] = s
    if not out:
        raise ConfigurationError("no reason-code sets found (rules/reason_codes/<id>/reason_codes.yaml)")
    return tuple(out.values())


def for_municipality(municipality: str, extra: Path | None = None) -> ReasonCodeSet:
    sets = _sets(extra)
    for s in sets:
        if municipality in s.municipalities:
            return s
    for s in sets:
        if "*" in s.municipalities:
            return s
    raise ConfigurationError(f"no reason-code set serves municipality {municipality}")


def by_id(set_id: str, extra: Path | None = None) -> ReasonCodeSet | None:
    return next((s for s in _sets(extra) if s.id == set_id), None)
