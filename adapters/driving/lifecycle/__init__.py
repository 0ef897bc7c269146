"""The rule-pack lifecycle: scenario tests and coverage, verify and publish, list/show/diff, impact analysis.

Used by ``finaid rules …`` (adapters/driving/cli/rules.py); docs/rule-lifecycle.md walks through it.
"""
