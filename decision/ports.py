"""The small protocols (ports) the pipeline needs from the outside. Adapters implement them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from decision.basis import DecisionBasis
from decision.bundle import CaseBundle, RegistryEntry
from decision.overrides import LineOverride, Recomputed
from decision.trace import Evaluation


@dataclass(frozen=True)
class EarlierDecision:
    """The household's signed, final decision for a month (after amendments and corrections), which a
    supplementary application (``application.kind = "supplementary"``) is decided against.

    The deciding service finds it (never the bundle) and stores which one it used, so replay passes the
    same one. ``total_ore`` is the total decided for the month, in öre.
    """

    decision_id: str
    month: str
    total_ore: int
    signed_at: datetime


class Evaluator(Protocol):
    """Decides a validated bundle with the rule pack its month selects (implemented in rules/)."""

    def evaluate(
        self,
        bundle: CaseBundle,
        pack_hash: str | None = None,
        guideline_hash: str | None = None,
        as_of: date | None = None,
        earlier: EarlierDecision | None = None,
    ) -> Evaluation:
        """Decide with the pack the month selects as of ``as_of`` (the decision's date), or exactly the
        pinned ones (replay). ``earlier`` is the signed decision a supplementary application is decided
        against (None for every other application)."""
        ...

    def apply_overrides(
        self, bundle: CaseBundle, basis: DecisionBasis, overrides: Sequence[LineOverride]
    ) -> Recomputed:
        """The basis's lines with a handler's overrides, recomputed as trace steps by the pack the basis
        pins (its own result formula and the one line grouping): sign-off never adds up amounts itself."""
        ...


class RegistrySource(Protocol):
    """Fetches the registry answers for a bundle's household (implemented in adapters/)."""

    async def fetch(self, bundle: CaseBundle) -> list[RegistryEntry]: ...


class RegistryObserver(Protocol):
    """Told of each finished registry call (for the operator's metrics): how long it took and what each agency
    asked answered (``(agency, status)`` pairs, e.g. ``("csn", "unavailable")``) — never who was asked."""

    def observed(self, seconds: float, answers: Sequence[tuple[str, str]]) -> None: ...


class EvidenceStore(Protocol):
    """Keeps raw registry envelopes by request id (the evidence behind ``raw_sha256``)."""

    def put(self, request_id: str, raw: bytes, sha256: str) -> None: ...

    def get(self, request_id: str) -> bytes | None: ...


class AccessRecorder(Protocol):
    """Records a read of personal data before it is shown; raises if it cannot (then show nothing)."""

    def record(
        self, actor: str, purpose: str, channel: str, action: str, subject: str, personnummer: Iterable[str]
    ) -> None: ...


class Notifier(Protocol):
    """Tells a person (by the keyed HMAC of their personnummer) that something happened in their case — never
    what: they log in to read it (e-mail or SMS in production, a log line in demo mode)."""

    def notify(self, person_key: str, event: str) -> None: ...


class Clock(Protocol):
    """The decision's clock (injected: the pipeline reads it once per decision, evaluation never)."""

    def now(self) -> datetime: ...
