"""The rule-pack lifecycle: scenario tests and coverage, verify and publish, list/show/diff, impact analysis.

Used by ``finaid rules …`` (adapters/cli_rules.py); docs/rule-lifecycle.md walks through it.
"""
