"""Every log call in the code is in docs/operations.md "Logs for a SIEM", with the fields it writes.

The events table there is read (event, level, fields; fields after ``;`` appear only when they apply); every
``log.<level>("event", field=…)`` call under adapters/, audit/, decision/ and rules/ must name a documented
event at a documented level, with only documented fields, and every documented event must be logged somewhere.
The lines themselves are checked in tests/integration/ops/test_log_lines.py.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "operations.md"
LEVELS = ("debug", "info", "warning", "error", "exception", "critical")
COMMON = {"timestamp", "level", "event", "request_id"}


@dataclass(frozen=True)
class Documented:
    levels: frozenset[str]
    required: frozenset[str]
    optional: frozenset[str]

    @property
    def fields(self) -> frozenset[str]:
        return self.required | self.optional


def documented_events() -> dict[str, Documented]:
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("## Logs for a SIEM", 1)[1].split("\n## ", 1)[0]
    out: dict[str, Documented] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not re.fullmatch(r"`[\w.]+`", cells[0]):
            continue
        required, _, optional = cells[2].partition(";")
        out[cells[0].strip("`")] = Documented(
            frozenset(w for w in re.findall(r"\b(debug|info|warning|error)\b", cells[1])),
            frozenset(re.findall(r"`(\w+)`", required)), frozenset(re.findall(r"`(\w+)`", optional)))
    return out


def common_fields() -> set[str]:
    text = GUIDE.read_text(encoding="utf-8").split("## Logs for a SIEM", 1)[1].split("The events and", 1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", text, re.M))


@dataclass(frozen=True)
class Call:
    where: str
    level: str
    event: str
    fields: frozenset[str]
    spread: bool  # **fields: the names are checked on real lines (test_log_lines.py)


def log_calls() -> list[Call]:
    out = []
    for folder in ("adapters", "audit", "decision", "rules"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.IfExp)):
                    continue
                funcs = [node.func.body, node.func.orelse] if isinstance(node.func, ast.IfExp) else [node.func]
                for f in funcs:
                    if not (isinstance(f, ast.Attribute) and f.attr in LEVELS and _is_logger(f.value)):
                        continue
                    if not node.args or not isinstance(node.args[0], ast.Constant):
                        continue
                    kw = frozenset(k.arg for k in node.keywords if k.arg)
                    out.append(Call(f"{path.relative_to(ROOT)}:{node.lineno}", f.attr, str(node.args[0].value), kw,
                                    any(k.arg is None for k in node.keywords)))
    return out


def _is_logger(value: ast.expr) -> bool:
    if isinstance(value, ast.Name):
        return value.id == "log"
    return isinstance(value, ast.Attribute) and value.attr == "log"


def bound_fields() -> set[str]:
    """Fields bound when a logger is made (``get_logger(component="batch")``)."""
    names: set[str] = set()
    for path in (ROOT / "adapters").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "get_logger":
                names |= {k.arg for k in node.keywords if k.arg}
    return names


def test_the_common_fields_are_the_documented_ones() -> None:
    assert common_fields() == COMMON


def test_every_log_call_is_documented_with_its_level_and_fields() -> None:
    docs = documented_events()
    calls = log_calls()
    assert len(calls) >= 6, calls  # the scan sees the calls
    problems = []
    for c in calls:
        d = docs.get(c.event)
        if d is None:
            problems.append(f"{c.where}: event {c.event} is not documented")
            continue
        level = "warning" if c.level in ("warning",) else c.level
        if level not in d.levels:
            problems.append(f"{c.where}: {c.event} at {c.level}, documented {sorted(d.levels)}")
        extra = c.fields - d.fields
        if extra:
            problems.append(f"{c.where}: {c.event} writes undocumented {sorted(extra)}")
        missing = d.required - c.fields - bound_fields() if not c.spread else frozenset()
        if missing:
            problems.append(f"{c.where}: {c.event} lacks documented {sorted(missing)}")
    assert not problems, "\n".join(problems)
    assert set(docs) == {c.event for c in calls}, "documented events nobody logs"


def test_the_check_reads_the_table() -> None:
    docs = documented_events()
    assert docs["http.request"].required >= {"method", "route", "status"}
    assert docs["http.request"].optional == {"actor", "case_id", "login"}
    assert docs["registry.call_failed"].levels == {"warning"}
