"""Replay: decide stored decisions again with their pinned pack and guideline (docs/audit.md, docs/architecture.md).

The use case reads each decision's pins, stored basis and sealed bundle through the unit of work and
evaluates the bundle again with exactly that pack and guideline — never "the current one", so the clock is
not read. A supplementary application is decided again against the earlier decision stored with it, never
the household's latest one. It stores nothing. Judging the result (identical, different with the same
code, …) is the audit's (``audit.replay.verdict``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from decision.errors import FinaidError
from decision.pipeline import Pipeline
from decision.uow import PinnedDecision, UnitOfWork
from decision.validation import parse_bundle


@dataclass(frozen=True)
class Replayed:
    """One decision decided again: the canonical JSON of the new basis, or why there is none."""

    decision: PinnedDecision
    basis: bytes | None
    error: str | None = None


def replay_pinned(pipeline: Pipeline, pinned: PinnedDecision) -> Replayed:
    """Decide one pinned decision's sealed bundle again (nothing when its content was purged)."""
    if pinned.basis_json is None or pinned.bundle_json is None:
        return Replayed(pinned, None)
    try:
        decided = pipeline.evaluate(parse_bundle(pinned.bundle_json), pinned.pack_hash, pinned.guideline_hash,
                                    earlier=pinned.earlier)
    except FinaidError as e:
        return Replayed(pinned, None, str(e))
    return Replayed(pinned, decided.basis.canonical_json())


def replay(uow: UnitOfWork, pipeline: Pipeline, decision_ids: Sequence[str]) -> list[Replayed]:
    """Replay the decisions asked for (unknown ids are left out), in the order asked."""
    with uow:
        pinned = uow.decisions.pinned(decision_ids)
    return [replay_pinned(pipeline, p) for p in pinned]


def between(uow: UnitOfWork, month_from: str, month_to: str) -> list[str]:
    """The decisions of these months, in the order they were decided (what ``--from``/``--to`` replays)."""
    with uow:
        return uow.decisions.between(month_from, month_to)


__all__ = ["Replayed", "between", "replay", "replay_pinned"]
