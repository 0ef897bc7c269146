"""Fetching: ask the registry (SSBTEK) for a bundle's answers and keep them with the case (docs/architecture.md).

What a handler expects of ``finaid case fetch`` (docs/architecture.md, "Fetch"): the answers are shown AND
kept. The registry's answers are personal data fetched under the municipality's authority: their raw
envelopes are stored as evidence by the registry client, so the sealed bundle is stored as a ``fetched``
revision of its application in the same step and the envelopes are linked to it — otherwise they would
lie in the evidence table belonging to no application, out of reach of gallring. The read is written to
the access log before anything is shown. Deciding the printed (sealed) bundle afterwards reuses that
revision (same content hash); fetching again makes a new one. A month no published pack covers is an
input error before anything is asked or stored (the night could not decide it). The clock is read once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from decision.bundle import CaseBundle, RegistryEntry
from decision.pipeline import decision_day
from decision.ports import AccessRecorder, Clock
from decision.services.intake import PackCoverage, receive
from decision.uow import Stored, UnitOfWork


class Answers(Protocol):
    """What the registry returned: the entries, and whatever else the caller shows (notices, calls)."""

    @property
    def entries(self) -> Sequence[RegistryEntry]: ...


A = TypeVar("A", bound=Answers)
A_co = TypeVar("A_co", bound=Answers, covariant=True)


class DetailedRegistry(Protocol[A_co]):
    """The registry client (adapters/driven/ssbtek): one call per person, raw envelopes kept as evidence."""

    async def fetch_detailed(self, bundle: CaseBundle) -> A_co: ...


@dataclass(frozen=True)
class Fetched(Generic[A]):
    sealed: CaseBundle
    stored: Stored
    answers: A


def fetch(
    uow: UnitOfWork, registry: DetailedRegistry[A], packs: PackCoverage, access: AccessRecorder, clock: Clock,
    bundle: CaseBundle, *, actor: str, purpose: str = "handlaggning", channel: str = "cli",
) -> Fetched[A]:
    """Fetch fresh answers (an existing ``registry`` is replaced), store the sealed revision, log the read."""
    at = clock.now()
    packs.pack_for(bundle.application.month, decision_day(at))
    answers = asyncio.run(registry.fetch_detailed(bundle.model_copy(update={"registry": None})))
    sealed = bundle.model_copy(update={"registry": list(answers.entries)})
    stored = receive(uow, sealed, actor, at)
    access.record(actor, purpose, channel, "fetch", f"application:{bundle.application.id}",
                  [m.personnummer for m in sealed.application.household])
    return Fetched(sealed, stored, answers)


__all__ = ["Answers", "DetailedRegistry", "Fetched", "fetch"]
