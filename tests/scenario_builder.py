"""Moved to :mod:`adapters.driving.lifecycle.scenario_builder` (``finaid rules coverage`` runs scenarios too)."""

from adapters.driving.lifecycle.scenario_builder import build_bundle, build_bundle_json

__all__ = ["build_bundle", "build_bundle_json"]
