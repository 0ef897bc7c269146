"""Shared fixtures: one evaluator per test session (durable_rules hosts are per process)."""

from __future__ import annotations

import pytest

from decision.pipeline import Pipeline
from tests.services import SERVICES


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return SERVICES.pipeline
