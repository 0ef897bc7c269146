"""Plausibility limits (docs/domain.md section 3b): a claim above the guideline's limit, a proposal above its total.

Only a pack whose manifest has the finding rule ``cost.plausibility`` applies them (the ``…_v2`` packs),
so an older pack decides exactly as it always did, whatever guideline it meets. The limits are the
guideline's parameters ``guideline.plausibility.<cost kind>`` (kr per month) and
``guideline.plausibility.proposal_total``; a guideline without them sets no limit. A claim above its
limit is counted at the limit and gives the engine a ``plausibility`` fact (the pack's finding compares
claimed with limit); the proposal gives one ``proposal`` fact. The result line cites the total limit and
the four-eyes total (``guideline.four_eyes.total``) so that automation and sign-off read the figures
the decision used from its basis (decision/limits.py).
"""

from __future__ import annotations

from functools import partial

from decision.limits import FOUR_EYES_PARAM, TOTAL_PARAM
from decision.money import format_kr_sv
from rules.evaluator.context import Context
from rules.evaluator.facts import EngineFact
from rules.evaluator.labels import COST_SV
from rules.parameters import ParamValue

COST_RULE = "cost.plausibility"
TOTAL_RULE = "proposal.plausibility"
LIMIT_PREFIX = "guideline.plausibility."


def applies(ctx: Context) -> bool:
    """Whether the pack decides with plausibility limits (it has the finding rule)."""
    return COST_RULE in ctx.pack.rules


def cost_limit(ctx: Context, kind: str) -> ParamValue | None:
    """The guideline's limit for one cost kind (recorded), or None (no limit, or a pack without them)."""
    return ctx.param(LIMIT_PREFIX + kind, required=False) if applies(ctx) else None


def limit_note_sv(limit: int) -> str:
    """The note on a cost line counted at its plausibility limit."""
    return f" (riktlinjens rimlighetsgräns {format_kr_sv(limit)}; resten prövas av handläggaren)"


def cost_fact(kind: str, claimed: int, limit: ParamValue, refs: tuple[str, ...]) -> EngineFact:
    """The engine fact of a cost kind that has a limit (the pack's rule compares claimed with limit)."""
    return EngineFact(
        {"t": "plausibility", "kind": kind, "claimed": claimed, "limit": limit.ore},
        refs,
        partial(_cost_vars, kind, claimed, limit.ore),  # built only when the rule matched the fact
    )


def _cost_vars(kind: str, claimed: int, limit: int) -> dict[str, str]:
    return {
        "kind_sv": COST_SV[kind],
        "claimed_sv": format_kr_sv(claimed),
        "limit_sv": format_kr_sv(limit),
        "diff_sv": format_kr_sv(max(0, claimed - limit)),
    }


def total_refs(ctx: Context) -> list[str]:
    """The total limit and the four-eyes total (recorded), cited by the result line; [] without them."""
    if not applies(ctx):
        return []
    found = (ctx.param(TOTAL_PARAM, required=False), ctx.param(FOUR_EYES_PARAM, required=False))
    return [v.input_id for v in found if v is not None]


def total_facts(ctx: Context, proposed: int) -> list[EngineFact]:
    """The ``proposal`` fact when the guideline has a total limit (the pack's rule compares)."""
    limit = ctx.param(TOTAL_PARAM, required=False) if applies(ctx) else None
    if limit is None:
        return []
    return [
        EngineFact(
            {"t": "proposal", "proposed": proposed, "limit": limit.ore},
            (limit.input_id,),
            {"proposed_sv": format_kr_sv(proposed), "limit_sv": format_kr_sv(limit.ore)},
        )
    ]
