"""Gallring: the rules are decision/services/retention.py (the use case), the storage adapters/db.

TEMPORARY module (removed when ``finaid retention purge`` is rewired, before the merge): the old names.
"""

from __future__ import annotations

from typing import Any

from decision.services.retention import Exemptions as _Exemptions
from decision.services.retention import PurgeResult

__all__ = ["Exemptions", "PurgeResult"]


class Exemptions(_Exemptions):
    @staticmethod
    def from_settings() -> _Exemptions:
        from adapters.driven.db.audit_store import exemptions_from_settings

        return exemptions_from_settings()


def __getattr__(name: str) -> Any:
    if name == "purge":
        from adapters.driven.db.audit_store import purge

        return purge
    raise AttributeError(name)
