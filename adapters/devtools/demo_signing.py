"""The demo night's morning after: a few of the night's GRANT proposals signed as the demo handler, and a
supplementary application (tilläggsansökan) for one of those household-months, so that ``make demo`` shows
every part of case bundle /2 (docs/case-bundle.md) — a supplement needs a signed decision for its month.

Everything goes through the use cases a handler's actions use: the sign-off (decision/services/signoff.py,
with the web's ports: the municipality's reason codes, the rules' recomputation, the letters) and intake
(decision/services/intake.py, which refuses a supplement without a signed decision). The supplement is then
decided by the batch like any other application (adapters/devtools/demo.py runs it again), against the
signed decision (decision/services/supplementary.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapters.devtools.people import Household
from adapters.devtools.synthetic_v2 import supplementary_of
from adapters.driving.web.demo_accounts import ACCOUNTS
from adapters.driving.web.signoff import ports
from decision.bundle import CaseBundle
from decision.services import intake, signoff
from decision.services.signoff_types import Policy, Signer, SignRequest

if TYPE_CHECKING:
    from adapters.bootstrap import Services

SIGNED = 3  # how many GRANT proposals the demo handler signs (each renders its letter: keep the demo fast)
SUBMITTER = "api:demo-e-tjanst"


@dataclass(frozen=True)
class Morning:
    """What the morning after the night did: the applications signed, and the supplement submitted."""

    signed: tuple[str, ...]
    supplement: str | None
    supplement_of: str | None


def demo_handler() -> Signer:
    """The demo handler (docs/web.md, demo accounts) as the sign-off records a signer."""
    username, name, title, roles, _ = next(a for a in ACCOUNTS if "handler" in a[3])
    return Signer(f"user:{username}", name, title, roles[0])


def grants(results: Iterable[Any], v2: Mapping[str, Household]) -> list[tuple[str, str]]:
    """(application id, decision id) of the night's GRANT proposals submitted as /2, not protected, in order."""
    return [(r.application_id, r.decision_id) for r in results
            if r.outcome == "GRANT" and not r.protected and r.decision_id and r.application_id in v2]


def sign_and_supplement(night: Services, results: Iterable[Any], v2: Mapping[str, Household],
                        count: int = SIGNED) -> Morning:
    """Sign up to ``count`` GRANT proposals as proposed (as the demo handler), then submit a supplementary
    application for the first of those households' months. Nothing is signed when there is no /2 GRANT."""
    signer = demo_handler()
    sign_ports = ports(Policy(), clock=night.clock)
    signed: list[str] = []
    for app_id, decision_id in grants(results, v2)[:count]:
        signoff.sign(night.uow(), sign_ports, signer, app_id, SignRequest("approve", decision_id), Policy())
        signed.append(app_id)
    if not signed:
        return Morning((), None, None)
    raw = supplementary_of(v2[signed[0]])
    bundle = CaseBundle.model_validate_json(json.dumps(raw))
    intake.submit(night.uow(), night.catalog, night.clock, bundle, SUBMITTER)
    return Morning(tuple(signed), bundle.application.id, signed[0])


__all__ = ["SIGNED", "Morning", "demo_handler", "grants", "sign_and_supplement"]
