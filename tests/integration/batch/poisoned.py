"""``python -m tests.integration.batch.poisoned ARGS``: the real ``finaid`` CLI with faults injected (tests only).

``POISON_EVALUATE`` / ``POISON_STORE``: comma-separated application ids whose evaluation / storing raises,
as a bundle that makes the rules or the database refuse it would.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from decision.pipeline import Decided, Pipeline
from decision.services import deciding


class InjectedFault(RuntimeError):
    """The fault a poisoned application raises."""


def _ids(name: str) -> set[str]:
    return {x for x in os.environ.get(name, "").split(",") if x}


def install() -> None:
    evaluate_poison, store_poison = _ids("POISON_EVALUATE"), _ids("POISON_STORE")
    evaluate, store = Pipeline.evaluate, deciding.store_decisions

    def poisoned_evaluate(self: Pipeline, sealed: Any, *args: Any, **kw: Any) -> Decided:
        if sealed.application.id in evaluate_poison:
            raise InjectedFault("evaluation refused")
        return evaluate(self, sealed, *args, **kw)

    def poisoned_store(uow: Any, items: Sequence[tuple[Any, Decided]], *args: Any, **kw: Any) -> Any:
        if any(d.bundle.application.id in store_poison for _, d in items):
            raise InjectedFault("storing refused")
        return store(uow, items, *args, **kw)

    Pipeline.evaluate = poisoned_evaluate  # type: ignore[method-assign]
    deciding.store_decisions = poisoned_store  # type: ignore[assignment]


if __name__ == "__main__":
    install()
    from adapters.driving.cli.main import main

    main()
