"""The evaluator: decides a validated bundle with the pack its month selects (``PackEvaluator``).

A small package, one concern a module:

- ``phases``: :class:`PackEvaluator`, the order of the phases and the engine plumbing;
- ``context``: the case being decided and the record of every fact and parameter read (the trace's
  citations come from those records);
- ``lines``: the norm, cost, disregard and adjustment lines; ``incomes``: the income lines;
- ``facts``: the engine facts (the schema the packs' rulesets match on);
- ``labels``: the Swedish names and texts;
- ``overrides``: a handler's overrides at sign-off, recomputed by the pinned pack's own formulas.

See docs/architecture.md and docs/rule-engine.md.
"""

from rules.evaluator.labels import (
    AF_SV,
    COST_SV,
    INCOME_SV,
    RESIDENCE_SV,
    SOURCE_SV,
    STATUS_SV,
    person_sv,
    persons_sv,
)
from rules.evaluator.phases import RULESETS, PackEvaluator

__all__ = [
    "AF_SV",
    "COST_SV",
    "INCOME_SV",
    "RESIDENCE_SV",
    "RULESETS",
    "SOURCE_SV",
    "STATUS_SV",
    "PackEvaluator",
    "person_sv",
    "persons_sv",
]
