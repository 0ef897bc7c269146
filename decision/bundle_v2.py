"""``finaid.case-bundle/2`` seen from a /1 bundle, and the JSON Schema of each version.

:func:`as_v2` maps a /1 bundle to /2 as docs/case-bundle.md ("From /1 to /2") states it. It is used
by the packs that accept /2 (they read every bundle as /2); the bundle that is sealed and stored is
always the one received, in its own version.

:func:`json_schema` is what ``finaid schema case-bundle`` prints: one precise schema per version,
derived from the one model :class:`decision.bundle.CaseBundle` that accepts both.
"""

from __future__ import annotations

import copy
from typing import Any

from decision.bundle import BUNDLE_SCHEMA_V1, BUNDLE_SCHEMA_V2, AidHistory, CaseBundle, Role
from decision.bundle_parts import V2_ONLY_COST_KINDS
from decision.trusted import trusted


def month_minus(month: str, k: int) -> str:
    """The month ``k`` months before ``month`` (``YYYY-MM``); never before 0001-01."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 - k
    year, mon = divmod(max(index, 12), 12)
    return f"{year:04d}-{mon + 1:02d}"


def as_v2(bundle: CaseBundle) -> CaseBundle:
    """The bundle as ``finaid.case-bundle/2`` (a /2 bundle is returned unchanged).

    ``previous_aid {consecutive_months c, jobbstimulans_months_used k}`` becomes one ``aid_history``
    entry per adult (applicant, then partner): ``months_on_aid_in_row = c``; when ``k > 0`` the
    jobbstimulans period began ``k`` months before the month applied for and is still running
    (``jobbstimulans_first_month = month − k``, ``jobbstimulans_last_month = None``); otherwise both
    are None. Nothing else changes: every other /2 field stays None.
    """
    if bundle.schema_ == BUNDLE_SCHEMA_V2:
        return bundle
    app = bundle.application
    aid = app.previous_aid
    first = month_minus(app.month, aid.jobbstimulans_months_used) if aid.jobbstimulans_months_used > 0 else None
    adults = [m for r in (Role.APPLICANT, Role.PARTNER) for m in app.household if m.role == r]
    history = [  # from fields validated with the bundle: built without validating them again
        trusted(
            AidHistory,
            person=m.personnummer,
            months_on_aid_in_row=aid.consecutive_months,
            jobbstimulans_first_month=first,
            jobbstimulans_last_month=None,
        )
        for m in adults
    ]
    return bundle.model_copy(
        update={"schema_": BUNDLE_SCHEMA_V2, "application": app.model_copy(update={"aid_history": history})}
    )


# -- the JSON Schema of each version ---------------------------------------------------------------

_V2_ONLY_PROPERTIES = {
    "Application": (
        "aid_history", "norm_adjustments", "rent_above_guideline_notified_on", "others_in_dwelling", "attachments"
    ),
    "Member": ("name", "days_in_household"),
    "Cost": ("document", "person"),
    "LabourMarket": ("individual_plan",),
}
_V2_ONLY_DEFS = ("AidHistory", "Attachment", "NormAdjustment", "OtherInDwelling")


def json_schema(version: int = 2) -> dict[str, Any]:
    """The JSON Schema of ``finaid.case-bundle/<version>`` (1 or 2)."""
    if version not in (1, 2):
        raise ValueError("version must be 1 or 2")
    schema = copy.deepcopy(CaseBundle.model_json_schema(by_alias=True))
    defs: dict[str, Any] = schema.get("$defs", {})
    name = BUNDLE_SCHEMA_V2 if version == 2 else BUNDLE_SCHEMA_V1
    schema["title"] = name
    schema["properties"]["schema"] = {"const": name, "title": "Schema", "type": "string"}
    if version == 2:
        defs["Application"]["properties"].pop("previous_aid", None)
        defs.pop("PreviousAid", None)
        schema["description"] = (
            "finaid.case-bundle/2: one application for one month. finaid.case-bundle/1 is still accepted "
            "(finaid schema case-bundle --version 1)."
        )
        return schema
    for model, props in _V2_ONLY_PROPERTIES.items():
        for prop in props:
            defs[model]["properties"].pop(prop, None)
    for model in _V2_ONLY_DEFS:
        defs.pop(model, None)
    kind = defs["Application"]["properties"]["kind"]
    kind["enum"] = [k for k in kind["enum"] if k != "supplementary"]
    cost_kind = defs["CostKind"]
    cost_kind["enum"] = [k for k in cost_kind["enum"] if k not in V2_ONLY_COST_KINDS]
    schema["description"] = "finaid.case-bundle/1: one application for one month (superseded by /2, still accepted)."
    return schema
