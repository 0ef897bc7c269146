"""Faults the sandbox injects, aimed per person and agency (docs/registry.md, "Fault control").

A rule names a ``fault``, optionally a ``person`` (12 digits, or ``*``), an ``agency`` element
(``AF``, ``CSN``, ``FK``, ``SKV``, ``SO``, ``TNS``, ``MIV`` or ``*``) and parameters; ``times`` makes
it fire that many times and then expire (e.g. one 503 before a success).
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

AGENCY_FAULTS = (
    "error_ssbt",  # an error block with kalla SSBT
    "error_bt",  # an error block with kalla BT
    "garbage",  # the agency's payload garbled (mode: bytes, base64, xml, json)
    "other_person",  # the agency answers about another person
    "other_period",  # the agency answers for another period (dates a year earlier)
    "missing_block",  # the agency's block is left out of svarsdata
    "lefi_state",  # inside FK: utlamnare (FK or PM) gets tillstand state (FELANDE, OTILLGANGLIG)
    "lefi_avvikelse",  # inside FK: an avvikelse (code) for a benefit group (group, e.g. FK:BOB)
)
CALL_FAULTS = (
    "soap_fault",  # HTTP 500 with a SOAP Fault (felkod)
    "http_status",  # HTTP status (e.g. 503) with a plain body
    "garbage_envelope",  # HTTP 200 with bytes that are no envelope
    "drop",  # the connection is cut half-way through the answer
    "slow",  # answer after ms milliseconds (longer than the client's timeout)
    "latency",  # wait ms (+ up to jitter_ms) before answering
)
FAULTS = AGENCY_FAULTS + CALL_FAULTS
ELEMENTS = ("AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV")
GARBAGE_MODES = ("bytes", "base64", "xml", "json")


@dataclass
class FaultRule:
    fault: str
    person: str = "*"
    agency: str = "*"
    ms: int = 0
    jitter_ms: int = 0
    status: int = 503
    mode: str = "bytes"
    utlamnare: str = "FK"
    state: str = "FELANDE"
    group: str = "FK:BOB"
    code: str = "INTERNT_FEL"
    felkod: str = "SSBT-TEST"
    times: int | None = None

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r} (one of {', '.join(FAULTS)})")
        if self.agency != "*" and self.agency not in ELEMENTS:
            raise ValueError(f"unknown agency element {self.agency!r}")
        if self.mode not in GARBAGE_MODES:
            raise ValueError(f"unknown garbage mode {self.mode!r}")
        if self.person != "*" and not (self.person.isdigit() and len(self.person) == 12):
            raise ValueError("person must be 12 digits or '*'")
        if not 0 <= self.ms <= 600_000 or not 0 <= self.jitter_ms <= 600_000:
            raise ValueError("ms and jitter_ms must be between 0 and 600000")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1")

    def matches(self, person: str, agency: str | None = None) -> bool:
        if self.person not in ("*", person):
            return False
        return agency is None or self.agency in ("*", agency)


class FaultBook:
    """The rules in force (thread-safe); optionally re-read from a JSON file when it changes."""

    def __init__(self, rules: list[FaultRule] | None = None, file: Path | None = None) -> None:
        self._rules: list[FaultRule] = list(rules or [])
        self._lock = threading.Lock()
        self._file = file
        self._mtime: float | None = None
        self._reload()

    def _reload(self) -> None:
        if self._file is None or not self._file.exists():
            return
        mtime = self._file.stat().st_mtime
        if mtime == self._mtime:
            return
        rules = parse_rules(json.loads(self._file.read_text(encoding="utf-8")))
        with self._lock:
            self._rules = rules
            self._mtime = mtime

    def replace(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules = list(rules)

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        self.replace([])

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def take(self, person: str, faults: tuple[str, ...]) -> list[FaultRule]:
        """The rules of these kinds that fire for ``person`` now (``times`` counts down)."""
        self._reload()
        fired: list[FaultRule] = []
        with self._lock:
            keep: list[FaultRule] = []
            for rule in self._rules:
                if rule.fault in faults and rule.matches(person):
                    fired.append(rule)
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            continue
                keep.append(rule)
            self._rules = keep
        return fired

    def as_json(self) -> list[dict[str, Any]]:
        return [asdict(r) for r in self.rules()]


def parse_rules(doc: Any) -> list[FaultRule]:
    """``{"faults": [...]}`` or a bare list of rule objects."""
    items = doc.get("faults") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ValueError('expected {"faults": [...]} or a list of fault rules')
    rules = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("each fault rule is an object")
        try:
            rules.append(FaultRule(**item))
        except TypeError as e:
            raise ValueError(f"bad fault rule: {e}") from None
    return rules
