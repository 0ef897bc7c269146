"""The application state machine (docs/architecture.md, "States"): every transition with its actor and audit event.

```
received ──fetch──▶ fetched ──decide──▶ proposed ──sign──▶ signed
    │                  │                   │ ├──sign (four eyes)──▶ awaiting_second_signature ──sign──▶ signed
    │                  │                   │ ├──return──▶ returned   (a new revision starts at received)
    │                  │                   │ └──auto──▶ auto_approved (only where automated decisions are on)
    └──────┬───────────┘                   │ └──communicate──▶ awaiting_comment ──answer or date──▶ proposed
           │                               │
           ▼ technical failure             ▼ a new revision is received
        failed ──retry (budget)──▶ …     received (the old decision is superseded)
           └──budget spent──▶ failed_permanent (an operator acts)
 received, fetched, failed, proposed ──withdraw (the applicant, e-service)──▶ withdrawn
              (registry_unavailable after its budget is decided MANUAL instead)

signed ──rättelse / ändring (FL 36–39 §§)──▶ signed   (a new signed decision supersedes the old one)
   │  └──ändring above the four-eyes limit──▶ awaiting_second_signature ──countersign──▶ signed
   │                                                                  └──refuse──▶ signed (the old one stands)
   └──communicate (FL 25 §, before a change)──▶ awaiting_comment ──answer or date──▶ signed
```

A pair of states may be joined by more than one transition (awaiting_second_signature → signed is a
countersignature or, for a change, a refusal); the mover names the event it means (``transition``'s
``event``), and without one the first listed is meant.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from decision.errors import FinaidError


class State(StrEnum):
    RECEIVED = "received"
    FETCHED = "fetched"
    PROPOSED = "proposed"
    AWAITING_SECOND_SIGNATURE = "awaiting_second_signature"
    SIGNED = "signed"
    RETURNED = "returned"
    AUTO_APPROVED = "auto_approved"
    FAILED = "failed"
    FAILED_PERMANENT = "failed_permanent"
    AWAITING_COMMENT = "awaiting_comment"  # kommunicering (FL 25 §): held until the answer or the reply-by date
    WITHDRAWN = "withdrawn"  # the applicant withdrew it in the e-service before it was decided


DECIDED = frozenset({State.PROPOSED, State.AWAITING_SECOND_SIGNATURE, State.SIGNED, State.AUTO_APPROVED,
                     State.RETURNED, State.AWAITING_COMMENT})
CLAIMABLE = frozenset({State.RECEIVED, State.FETCHED, State.FAILED})

REGISTRY_UNAVAILABLE = "registry_unavailable"


@dataclass(frozen=True)
class Transition:
    source: State
    target: State
    actor: str  # who may make it: system:batch, user (handler), supervisor, system:auto, api, any
    event: str  # the audit event written with it


TRANSITIONS: tuple[Transition, ...] = (
    Transition(State.RECEIVED, State.FETCHED, "system:batch | user", "fetched"),
    Transition(State.RECEIVED, State.PROPOSED, "system:batch | user", "proposed"),
    Transition(State.FETCHED, State.PROPOSED, "system:batch | user", "proposed"),
    Transition(State.RECEIVED, State.FAILED, "system:batch", "failed"),
    Transition(State.FETCHED, State.FAILED, "system:batch", "failed"),
    Transition(State.FAILED, State.FETCHED, "system:batch", "fetched"),
    Transition(State.FAILED, State.PROPOSED, "system:batch", "proposed"),
    Transition(State.FAILED, State.FAILED, "system:batch", "failed"),
    Transition(State.FAILED, State.FAILED_PERMANENT, "system:batch", "failed_permanent"),
    # a new revision of a failed application (an operator's fix, or new content) starts again
    Transition(State.FAILED, State.RECEIVED, "any", "received"),
    Transition(State.FAILED_PERMANENT, State.RECEIVED, "any", "received"),
    Transition(State.FAILED_PERMANENT, State.FETCHED, "any", "fetched"),
    Transition(State.PROPOSED, State.SIGNED, "user", "signed"),
    Transition(State.PROPOSED, State.AWAITING_SECOND_SIGNATURE, "user", "signed"),
    Transition(State.AWAITING_SECOND_SIGNATURE, State.SIGNED, "supervisor", "signed"),
    Transition(State.AWAITING_SECOND_SIGNATURE, State.PROPOSED, "supervisor", "second_signature_refused"),
    Transition(State.PROPOSED, State.RETURNED, "user", "returned"),
    Transition(State.PROPOSED, State.AUTO_APPROVED, "system:auto", "auto_approved"),
    # a new revision (new content under the same application id, or "fetch again")
    *(Transition(s, State.RECEIVED, "any", "received") for s in DECIDED),
    *(Transition(s, State.FETCHED, "any", "fetched") for s in DECIDED),
    Transition(State.RECEIVED, State.RECEIVED, "any", "received"),
    Transition(State.FETCHED, State.RECEIVED, "any", "received"),
    Transition(State.FETCHED, State.FETCHED, "any", "fetched"),
    Transition(State.RECEIVED, State.FAILED_PERMANENT, "system:batch", "failed_permanent"),
    Transition(State.FETCHED, State.FAILED_PERMANENT, "system:batch", "failed_permanent"),
    # after a decision (decision/services/correcting.py): rättelse or ändring, a new signed decision
    Transition(State.SIGNED, State.SIGNED, "user", "decision_changed"),
    Transition(State.AUTO_APPROVED, State.SIGNED, "user", "decision_changed"),
    Transition(State.SIGNED, State.AWAITING_SECOND_SIGNATURE, "user", "decision_changed"),
    Transition(State.AUTO_APPROVED, State.AWAITING_SECOND_SIGNATURE, "user", "decision_changed"),
    Transition(State.AWAITING_SECOND_SIGNATURE, State.SIGNED, "supervisor", "second_signature_refused"),
    # kommunicering (decision/services/communicating.py): held until the answer or the reply-by date
    *(Transition(s, State.AWAITING_COMMENT, "user", "communication_sent")
      for s in (State.PROPOSED, State.SIGNED, State.AUTO_APPROVED)),
    Transition(State.AWAITING_COMMENT, State.PROPOSED, "user", "communication_closed"),
    Transition(State.AWAITING_COMMENT, State.SIGNED, "user", "communication_closed"),
    Transition(State.AWAITING_COMMENT, State.AUTO_APPROVED, "user", "communication_closed"),
    # the applicant withdraws a sent application until a handler has signed it (the e-service)
    *(Transition(s, State.WITHDRAWN, "applicant", "withdrawn")
      for s in (State.RECEIVED, State.FETCHED, State.FAILED, State.FAILED_PERMANENT, State.PROPOSED)),
)

_ALLOWED: dict[tuple[State, State], list[Transition]] = {}
for _t in TRANSITIONS:
    _ALLOWED.setdefault((_t.source, _t.target), []).append(_t)


class TransitionError(FinaidError):
    pass


def transition(source: State | str, target: State | str, event: str | None = None) -> Transition:
    """The transition from ``source`` to ``target`` (with ``event``, when the pair has more than one), or
    TransitionError when none is allowed.

    This is the check; the one place that writes an application's state (the repository's ``move``,
    decision/uow.py) calls it for every move, bulk ones included.
    """
    key = (State(source), State(target))
    if key not in _ALLOWED:
        raise TransitionError(f"an application cannot go from {key[0]} to {key[1]}")
    choices = _ALLOWED[key]
    if event is None:
        return choices[0]
    for t in choices:
        if t.event == event:
            return t
    raise TransitionError(f"an application cannot go from {key[0]} to {key[1]} by {event}")
