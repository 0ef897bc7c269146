"""The JSON Schema of the decision basis, one per version (``finaid schema decision-basis [--version 1]``).

One pydantic model (:class:`decision.basis.DecisionBasis`) carries both versions. ``/2`` — what the packs
that accept case bundle /2 write — always has the keys ``earlier_decision``, ``difference``,
``norm_adjustments`` and ``names`` (null or a list); ``/1`` — what the older packs still write for their
decisions — never has them.
"""

from __future__ import annotations

import copy
from typing import Any

from decision.basis import BASIS2_FIELDS, BASIS_SCHEMA, BASIS_SCHEMA_2, DecisionBasis

_V2_ONLY_DEFS = ("EarlierDecisionOut", "NormAdjustmentOut", "MemberName")


def json_schema(version: int = 2) -> dict[str, Any]:
    """The JSON Schema of ``finaid.decision-basis/<version>`` (1 or 2)."""
    if version not in (1, 2):
        raise ValueError("version must be 1 or 2")
    schema = copy.deepcopy(DecisionBasis.model_json_schema(by_alias=True))
    name = BASIS_SCHEMA_2 if version == 2 else BASIS_SCHEMA
    schema["title"] = name
    schema["properties"]["schema"] = {"const": name, "title": "Schema", "type": "string"}
    required = [k for k in schema.get("required", []) if k not in BASIS2_FIELDS]
    if "schema" not in required:
        required.insert(0, "schema")
    if version == 2:
        schema["required"] = [*required, *BASIS2_FIELDS]
        schema["description"] = (
            "finaid.decision-basis/2: the proposal of a pack that accepts finaid.case-bundle/2, with the earlier "
            "decision and the difference (a supplementary application), the norm adjustments and the members' "
            "names. Decisions of older packs keep finaid.decision-basis/1 (finaid schema decision-basis --version 1)."
        )
        return schema
    for prop in BASIS2_FIELDS:
        schema["properties"].pop(prop, None)
    for model in _V2_ONLY_DEFS:
        schema.get("$defs", {}).pop(model, None)
    schema["required"] = required
    schema["description"] = "finaid.decision-basis/1: the proposal of a pack that takes finaid.case-bundle/1 only."
    return schema
