"""Test-only crash points: ``FINAID_CRASH_AT=<name>`` kills the process at that point (exit 137).

Documented points: ``after_store`` (the revision is committed, the decision is not). Used by the
crash tests to prove that a crash loses nothing and never leaves a decision without its audit event.
"""

from __future__ import annotations

import os

POINTS = ("after_store",)


def crash_point(name: str) -> None:
    if os.environ.get("FINAID_CRASH_AT") == name:
        os._exit(137)
