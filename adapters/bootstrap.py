"""The one place that wires finaid's real parts together."""

from __future__ import annotations

from functools import lru_cache

from decision.pipeline import Pipeline
from rules.catalog import Catalog
from rules.evaluator import PackEvaluator


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return Catalog()


def pipeline() -> Pipeline:
    """A pipeline with the installed rule packs (and ``$FINAID_RULES_DIR``)."""
    return Pipeline(PackEvaluator(catalog()))
