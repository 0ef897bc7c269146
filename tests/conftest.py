"""Shared fixtures: one evaluator per test session (durable_rules hosts are per process)."""

from __future__ import annotations

import pytest

from adapters import bootstrap
from decision.pipeline import Pipeline


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return bootstrap.pipeline()
