"""The scenario runner moved to :mod:`adapters.driving.lifecycle.scenarios` (``finaid rules coverage`` uses it)."""

from __future__ import annotations

from adapters.driving.lifecycle.scenarios import Scenario, ScenarioRunner, check, load_scenarios, scenario_packs

__all__ = ["Scenario", "ScenarioRunner", "check", "load_scenarios", "scenario_packs"]
