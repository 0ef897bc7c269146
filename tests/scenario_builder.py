"""Moved to :mod:`adapters.lifecycle.scenario_builder` (``finaid rules coverage`` runs scenarios too)."""

from adapters.lifecycle.scenario_builder import build_bundle, build_bundle_json

__all__ = ["build_bundle", "build_bundle_json"]
