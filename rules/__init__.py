"""Versioned rule packs, municipal guidelines and the evaluator that applies them.

``rules`` imports ``decision`` (it implements ``decision.ports.Evaluator``); never the reverse.
The durable_rules engine is contained in :mod:`rules.engine`.
"""
