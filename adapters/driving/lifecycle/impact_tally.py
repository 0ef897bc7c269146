"""The impact report's figures, tallied one compared case at a time (adapters/driving/lifecycle/impact.py streams the
caseload through it): counters and the listed changed cases, never every case's result."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from decision.money import format_ore

# Histogram of the change of the proposed amount, in kronor: (label, low, high) with low < Δ ≤ high.
BINS: tuple[tuple[str, float, float], ...] = (
    ("< −5 000", float("-inf"), -5000.0),
    ("−5 000 … −2 000", -5000.0, -2000.0),
    ("−2 000 … −1 000", -2000.0, -1000.0),
    ("−1 000 … −500", -1000.0, -500.0),
    ("−500 … −100", -500.0, -100.0),
    ("−100 … 0", -100.0, -0.001),
    ("0", -0.001, 0.0),
    ("0 … 100", 0.0, 100.0),
    ("100 … 500", 100.0, 500.0),
    ("500 … 1 000", 500.0, 1000.0),
    ("1 000 … 2 000", 1000.0, 2000.0),
    ("2 000 … 5 000", 2000.0, 5000.0),
    ("> 5 000", 5000.0, float("inf")),
)
AMOUNT_KEYS = ("proposed", "norm", "costs", "income")


def _bin(delta_ore: int) -> str:
    kr = delta_ore / 100
    for label, low, high in BINS:
        if low < kr <= high:
            return label
    return BINS[-1][0]  # pragma: no cover - the bins cover every number


def compare(row: dict[str, Any]) -> dict[str, Any]:
    """What changed for one compared case."""
    base, new = row["baseline"], row["draft"]
    before, after = Counter(base["codes"]), Counter(new["codes"])
    return {
        "application_id": row["application_id"],
        "month": row["month"],
        "outcome": [base["outcome"], new["outcome"]],
        "proposed": [format_ore(base["proposed"]), format_ore(new["proposed"])],
        "delta": new["proposed"] - base["proposed"],
        "amounts_changed": [k for k in AMOUNT_KEYS if base[k] != new[k]],
        "codes_added": sorted((after - before).elements()),
        "codes_removed": sorted((before - after).elements()),
    }


@dataclass
class Tally:
    """Every figure of the report, added case by case (``add``); the changed cases that may be listed kept."""

    analysed: int = 0
    compared: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    baseline_from: Counter[str] = field(default_factory=Counter)  # "stored" / "decided"
    baseline_differs: int = 0
    changed: Counter[str] = field(default_factory=Counter)
    hist: Counter[str] = field(default_factory=Counter)
    transitions: Counter[str] = field(default_factory=Counter)
    added: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    outcomes_base: Counter[str] = field(default_factory=Counter)
    outcomes_draft: Counter[str] = field(default_factory=Counter)
    base_total: int = 0
    new_total: int = 0
    listed: list[dict[str, Any]] = field(default_factory=list)  # changed, not protected (delta in öre)

    def add(self, row: dict[str, Any]) -> None:
        self.analysed += 1
        if row["status"] != "compared":
            (self.skipped if row["status"] == "skipped" else self.failed)[row["reason"]] += 1
            return
        self.compared += 1
        self.baseline_from[row.get("baseline_from", "decided")] += 1
        self.baseline_differs += not row.get("replay_identical", True)
        self.base_total += row["baseline"]["proposed"]
        self.new_total += row["draft"]["proposed"]
        self.outcomes_base[row["baseline"]["outcome"]] += 1
        self.outcomes_draft[row["draft"]["outcome"]] += 1
        c = compare(row)
        self.hist[_bin(c["delta"])] += 1
        outcome = c["outcome"][0] != c["outcome"][1]
        if outcome:
            self.transitions[f"{c['outcome'][0]}→{c['outcome'][1]}"] += 1
        self.added.update(set(c["codes_added"]))
        self.removed.update(set(c["codes_removed"]))
        codes = bool(c["codes_added"] or c["codes_removed"])
        self.changed.update({
            "proposed": c["delta"] != 0, "any_amount": bool(c["amounts_changed"]), "outcome": outcome,
            "finding_codes": codes, "increased": c["delta"] > 0, "decreased": c["delta"] < 0,
        })
        if c["amounts_changed"] or outcome or codes:
            self.changed["cases"] += 1
            if row["protected"]:
                self.changed["protected_not_listed"] += 1
            else:
                self.listed.append(c)

    def figures(self) -> dict[str, Any]:
        """The report's tallied sections (adapters/driving/lifecycle/impact.py adds the run's own)."""

        def public(c: dict[str, Any]) -> dict[str, Any]:
            return {**{k: v for k, v in c.items() if k != "delta"}, "delta": format_ore(c["delta"])}

        largest = sorted((c for c in self.listed if c["delta"]), key=lambda c: (-abs(c["delta"]), c["application_id"]))
        return {
            "changed": {k: self.changed[k] for k in ("cases", "proposed", "any_amount", "outcome", "finding_codes",
                                                     "increased", "decreased", "protected_not_listed")},
            "proposed_total": {
                "baseline": format_ore(self.base_total), "draft": format_ore(self.new_total),
                "delta": format_ore(self.new_total - self.base_total),
            },
            "outcomes": {
                "baseline": dict(self.outcomes_base), "draft": dict(self.outcomes_draft),
                "transitions": dict(sorted(self.transitions.items())),
            },
            "finding_codes": {"added": dict(sorted(self.added.items())), "removed": dict(sorted(self.removed.items()))},
            "histogram": [{"bin": label, "cases": self.hist.get(label, 0)} for label, _, _ in BINS],
            "largest_changes": [public(c) for c in largest[:25]],
            "changed_cases": [public(c) for c in self.listed],
        }
