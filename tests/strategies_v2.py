"""Valid ``finaid.case-bundle/2`` bundles for property tests: tests/strategies.py's /1 bundles with /2 added.

Every /2 part the contract allows can appear, each with its own probability and in any combination the
validation accepts (docs/case-bundle.md): names, ``days_in_household`` on any child — a young adult at
school too —, a per-person ``aid_history`` with running and ended jobbstimulans periods, the routine cost
kinds with and without documents and persons, raised and lowered norms, the rent notice, others in the
dwelling, the individual plan, and supplementary applications (decided with an earlier decision).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from decision import personnummer as pnr
from tests.strategies import Chooser, DrawChooser, _pick, _usually, build_valid_bundle, kronor

SCHEMA_V2 = "finaid.case-bundle/2"
LIVING_KINDS = (
    "medical_care", "prescription_medicine", "emergency_dental_care", "glasses", "preschool_fee", "after_school_fee",
)
NAMES = ("Anna Berg", "Omar Haddad", "Lena Ek", "Kim Nilsson", "Sara Lund")


def _month_minus(month: str, k: int) -> str:
    i = int(month[:4]) * 12 + int(month[5:7]) - 1 - k
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def build_valid_bundle_v2(c: Chooser, app_no: int = 1) -> dict[str, Any]:
    """A valid ``finaid.case-bundle/2`` as a JSON-ready dict, every choice asked of ``c``."""
    bundle = build_valid_bundle(c, app_no)
    bundle["schema"] = SCHEMA_V2
    app = bundle["application"]
    app.pop("previous_aid", None)
    month = app["month"]
    start = date(int(month[:4]), int(month[5:7]), 1)
    days = calendar.monthrange(start.year, start.month)[1]
    household = app["household"]
    numbers = [m["personnummer"] for m in household]
    adults = [m["personnummer"] for m in household if m["role"] != "child"]
    for m in household:
        if _usually(c, 60):
            m["name"] = _pick(c, NAMES)
        if m["role"] == "child" and _usually(c, 35):  # any child: a young adult at school too
            m["days_in_household"] = _pick(c, (1, days // 2, days - 1, days, c.integer(1, days)))
    if _usually(c, 70):
        history = []
        for person in adults:
            if not _usually(c, 80):
                continue
            entry: dict[str, Any] = {"person": person, "months_on_aid_in_row": _pick(c, (0, 5, 6, c.integer(0, 60)))}
            if _usually(c, 40):
                k = _pick(c, (0, 23, 24, c.integer(0, 60)))
                entry["jobbstimulans_first_month"] = _month_minus(month, k)
                if _usually(c, 40):
                    entry["jobbstimulans_last_month"] = _month_minus(month, c.integer(0, k))
            history.append(entry)
        app["aid_history"] = history
    if _usually(c, 50):
        costs = app.setdefault("costs", [])
        for _ in range(c.integer(1, 4)):
            row: dict[str, Any] = {"kind": _pick(c, LIVING_KINDS), "amount": kronor(c, c.integer(0, 600_000))}
            if _usually(c, 75):
                row["document"] = f"bilaga-{c.integer(1, 99)}"
            if _usually(c, 60):
                row["person"] = _pick(c, numbers)
            costs.append(row)
    if _usually(c, 25):
        adjustments = []
        for _ in range(c.integer(1, 2)):
            person = _pick(c, numbers)
            if _usually(c, 50):
                reason = _pick(c, ("special_diet", "other"))
                adjustments.append({"person": person, "direction": "raise", "reason": reason,
                                    "description": "Särskild kost", "amount": kronor(c, c.integer(1, 200_000))})
            else:
                adjustments.append({"person": person, "direction": "lower",
                                    "reason": _pick(c, ("hospital_stay", "institution_stay", "other")),
                                    "description": "Sjukhusvistelse", "days": c.integer(1, days)})
        app["norm_adjustments"] = adjustments
    if _usually(c, 25):
        app["rent_above_guideline_notified_on"] = (start - timedelta(days=c.integer(-20, 400))).isoformat()
    if _usually(c, 20):
        others: list[dict[str, Any]] = []
        for k in range(c.integer(1, 3)):
            other: dict[str, Any] = {"kind": _pick(c, ("young_adult_separate_household", "other_adult"))}
            if _usually(c, 50):
                other["personnummer"] = pnr.make(date(start.year - 19, 2, 3), 900 + k)
            if _usually(c, 50):
                other["name"] = _pick(c, NAMES)
            others.append(other)
        app["others_in_dwelling"] = others
    for lm in app.get("labour_market", []):
        if lm["person"] in adults and _usually(c, 30):
            lm["individual_plan"] = _pick(c, ("agreed", "missing", "declined"))
    if _usually(c, 10):
        app["kind"] = "supplementary"
    return bundle


@st.composite
def valid_bundles_v2(draw: st.DrawFn) -> dict[str, Any]:
    """A valid ``finaid.case-bundle/2`` (a dict in wire form)."""
    return build_valid_bundle_v2(DrawChooser(draw), draw(st.integers(1, 999_999)))
