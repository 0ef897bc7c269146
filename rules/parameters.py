"""Dated parameters: YAML with description, unit, legal reference, source and status per value."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from decision.errors import RulesError
from decision.money import parse_kronor
from rules.yamlload import load_yaml


class Status(StrEnum):
    VERIFIED = "verified"
    SECONDARY = "secondary"
    DERIVED = "derived"
    UNVERIFIED = "unverified"
    # for legal references only (docs/domain.md section 7): guidance or common municipal practice, not
    # statute; reasoned from a provision's structure but not confirmed; a bill not (yet) known as enacted
    PRACTICE = "practice"
    BELIEF = "belief"
    PROPOSED = "proposed"


MONEY_UNITS = frozenset({"SEK/month", "SEK/year", "SEK"})


@lru_cache(maxsize=8192)  # a parameter's path and date: read for every figure of every case
def _input_id(path: str, since: date) -> str:
    return f"param:{path}@{since.isoformat()}"


@dataclass(frozen=True, slots=True)
class ParamValue:
    """One value of a parameter in force from ``since``; money in öre."""

    path: str
    since: date
    value: int | tuple[str, ...]
    status: Status
    source: str
    legal_reference: str
    unit: str

    @property
    def input_id(self) -> str:
        return _input_id(self.path, self.since)

    @property
    def ore(self) -> int:
        if not isinstance(self.value, int):
            raise RulesError(f"parameter {self.path} is not a number")
        return self.value


@dataclass(frozen=True, slots=True)
class Parameter:
    path: str
    description_sv: str
    description_en: str
    unit: str
    legal_reference: str
    values: tuple[ParamValue, ...]  # sorted by date

    def at(self, day: date) -> ParamValue | None:
        """The value in force on ``day``, or None when the parameter has none then (unknown)."""
        idx = bisect_right([v.since for v in self.values], day)
        return self.values[idx - 1] if idx else None


def _parse_value(path: str, unit: str, raw: Any) -> int | tuple[str, ...]:
    if unit in MONEY_UNITS:
        if not isinstance(raw, str):
            raise RulesError(f"parameter {path}: an amount must be a quoted kronor string")
        return parse_kronor(raw)
    if unit == "list":
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise RulesError(f"parameter {path}: expected a list of strings")
        return tuple(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise RulesError(f"parameter {path}: expected an integer for unit {unit}")
    return raw


def load_parameter_file(file: Path) -> dict[str, Parameter]:
    data = load_yaml(file.read_text(encoding="utf-8"), str(file)) or {}
    if not isinstance(data, dict):
        raise RulesError(f"{file}: expected a mapping of parameter paths")
    out: dict[str, Parameter] = {}
    for path, spec in data.items():
        try:
            unit = str(spec["unit"])
            ref = str(spec["legal_reference"])
            desc = spec["description"]
            values = []
            for since_raw, v in (spec.get("values") or {}).items():
                since = since_raw if isinstance(since_raw, date) else date.fromisoformat(str(since_raw))
                values.append(
                    ParamValue(
                        path=str(path),
                        since=since,
                        value=_parse_value(str(path), unit, v["value"]),
                        status=Status(v["status"]),
                        source=str(v["source"]),
                        legal_reference=str(v.get("legal_reference", ref)),
                        unit=unit,
                    )
                )
        except (KeyError, TypeError, ValueError) as e:
            raise RulesError(f"{file}: parameter {path} is malformed ({e})") from None
        values.sort(key=lambda v: v.since)
        out[str(path)] = Parameter(
            path=str(path),
            description_sv=str(desc["sv"]),
            description_en=str(desc["en"]),
            unit=unit,
            legal_reference=ref,
            values=tuple(values),
        )
    return out


def load_parameters(folder: Path) -> dict[str, Parameter]:
    params: dict[str, Parameter] = {}
    for file in sorted(folder.glob("*.yaml")):
        for path, p in load_parameter_file(file).items():
            if path in params:
                raise RulesError(f"parameter {path} is defined twice in {folder}")
            params[path] = p
    return params
