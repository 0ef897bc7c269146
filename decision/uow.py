"""The unit of work and its repositories: the ports the use cases (decision/services/) store through.

A unit of work owns one transaction and the repositories bound to it (docs/architecture.md): the use
case enters it, writes through its repositories and commits; leaving it without ``commit()`` rolls
everything back. Entering it again starts a new transaction. The SQLAlchemy implementation lives in
the database adapter (adapters/driven/db/uow.py); tests use an in-memory one (tests/unit/services/fakes.py).

Nothing here knows SQL: repositories take and return plain values. Every change of an application's
state goes through :meth:`Applications.move`, which checks it with ``decision.states.transition`` and
writes the transition's audit event (docs/architecture.md, the state machine).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from decision.basis import DecisionBasis
from decision.bundle import CaseBundle
from decision.casework import Casework
from decision.errors import FinaidError
from decision.names import NameIndex
from decision.ports import EarlierDecision
from decision.retention_port import Retention
from decision.states import State

AuditEntry = tuple[str, str, str, dict[str, Any]]  # actor, event, subject, payload (ids, hashes, codes)


@dataclass(frozen=True)
class Stored:
    """A stored revision: its id, the canonical bundle's hash, and whether this call created it."""

    revision_id: str
    content_hash: str
    created: bool


@dataclass(frozen=True)
class AppView:
    """An application as the use cases read it (no personal content)."""

    id: str
    state: str
    state_reason: str | None
    attempts: int
    municipality: str
    month: str
    protected: bool
    current_revision_id: str | None
    current_decision_id: str | None
    household_key: str | None = None  # the applicant's keyed HMAC (whom a notification goes to)


@dataclass(frozen=True)
class Move:
    """One state change of one application, with the other columns written with it.

    ``source`` is the state the caller read (under its lock or its batch claim); ``create`` inserts the
    application (``source`` None). The audit event is the transition's (``decision.states``); ``subject``
    and ``payload`` are the event's, ``before`` are events written just before it (in the same chain
    order). ``columns`` are other application columns written in the same statement: ``attempts``,
    ``current_revision_id``, ``current_decision_id``, ``protected``, ``household_key``, ``municipality``,
    ``month``, ``last_note_at`` (the retention clock), ``claimed_by``/``lease_until`` (a batch claim).
    """

    application_id: str
    source: str | None
    target: State
    actor: str
    payload: Mapping[str, Any]
    reason: str | None = None
    columns: Mapping[str, Any] = field(default_factory=dict)
    subject: str | None = None  # default application:<id>
    before: tuple[AuditEntry, ...] = ()
    create: bool = False
    event: str | None = None  # the event of a creation (no transition): received; else which of a pair's transitions


@dataclass(frozen=True)
class NewRevision:
    id: str
    application_id: str
    number: int
    content_hash: str
    sealed: bool
    bundle_json: str
    actor: str


@dataclass(frozen=True)
class NewDecision:
    """A proposal to store (the row) and what it used (rule ids, parameters, finding codes)."""

    id: str
    application_id: str
    revision_id: str
    revision_hash: str
    pack_id: str
    pack_hash: str
    guideline_id: str
    guideline_hash: str
    code_version: str
    municipality: str
    month: str
    outcome: str
    proposed_ore: int | None
    basis_hash: str
    basis_json: str
    trace_json: str
    protected: bool
    actor: str
    uses: tuple[tuple[str, str], ...] = field(default=())
    earlier: EarlierDecision | None = None  # a supplementary application: the signed decision it was decided against


@dataclass(frozen=True)
class PinnedDecision:
    """A stored decision as a replay reads it: its pins, its stored basis and its sealed bundle (None once
    purged or missing)."""

    id: str
    pack_hash: str
    guideline_hash: str
    code_version: str
    basis_json: str | None
    bundle_json: str | None
    earlier: EarlierDecision | None = None  # what the decision was decided against (supplementary): replayed as is


@dataclass(frozen=True)
class ImpactCase:
    """An application's current sealed bundle and its stored decision, as impact analysis re-decides it."""

    application_id: str
    month: str
    protected: bool
    bundle_json: str
    basis_json: str
    pack_hash: str
    guideline_hash: str
    earlier: EarlierDecision | None = None  # a supplementary application: the signed decision it was decided against
    code_version: str | None = None  # the code the stored decision was made with (None: not read)
    content_hash: str | None = None  # the revision's recorded hash of its canonical bundle (None: not read)


@dataclass(frozen=True)
class CaseView:
    """One stored case as a sign-off reads it: the application, its current proposal, bundle and basis."""

    app: AppView
    decision_id: str
    basis_hash: str
    revision_hash: str
    basis_intact: bool  # the stored basis still matches its hash
    bundle: CaseBundle
    basis: DecisionBasis


@dataclass(frozen=True)
class SignOffView:
    id: str
    actor: str
    outcome: str | None
    record_json: str | None


@dataclass(frozen=True)
class NewSignOff:
    id: str
    application_id: str
    decision_id: str
    proposal_hash: str
    action: str
    actor: str
    role: str
    outcome: str | None
    final: bool
    needs_second: bool
    protected: bool
    municipality: str
    month: str
    record_hash: str
    record_json: str
    first_id: str | None = None
    overrides: tuple[tuple[str, str], ...] = ()  # (rule, reason code): the override statistics


@dataclass(frozen=True)
class NewLetter:
    id: str
    sign_off_id: str
    application_id: str
    html: str
    pdf: bytes | None
    html_sha256: str
    pdf_sha256: str | None
    template_hash: str


class Applications(Protocol):
    """Applications and their revisions."""

    def get(self, application_id: str) -> AppView | None: ...

    def lock(self, application_ids: Iterable[str]) -> dict[str, AppView]:
        """The applications that exist, locked for this transaction (``SELECT … FOR UPDATE``)."""
        ...

    def revisions_by_hash(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]: ...

    def last_numbers(self, application_ids: Iterable[str]) -> dict[str, int]: ...

    def add_revisions(self, revisions: Sequence[NewRevision], at: datetime) -> None: ...

    def move(self, moves: Sequence[Move], at: datetime) -> list[str]:
        """THE state writer: check every move with ``transition()``, write it and its audit event.

        One statement for many moves (the batch). Returns the events written, in order.
        """
        ...

    def update(self, application_id: str, columns: Mapping[str, Any], at: datetime) -> None:
        """Write columns other than the state (never ``state``: that is :meth:`move`)."""
        ...


class Decisions(Protocol):
    def existing(self, keys: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        """Stored decisions by (revision hash, pack hash, guideline hash) -> id."""
        ...

    def add(self, decisions: Sequence[NewDecision], at: datetime) -> None: ...

    def supersede(self, pairs: Sequence[tuple[str, str]]) -> None:
        """(old id, new id): the old decision is superseded by the new one."""
        ...

    def pinned(self, decision_ids: Sequence[str]) -> list[PinnedDecision]:
        """The stored decisions with their sealed bundles, in the order asked; unknown ids left out."""
        ...

    def between(self, month_from: str, month_to: str) -> list[str]:
        """The ids of the decisions of these months (inclusive), in the order they were decided."""
        ...

    def signed_for_month(self, household_key: str, month: str, other_than: str) -> EarlierDecision | None:
        """What the household has been decided for the month: over its applications other than ``other_than``,
        the decisions with a final sign-off that are not superseded (after amendments: the signed record's
        decided amount). ``total_ore`` is their sum (an earlier supplement decided its own difference);
        ``decision_id`` and ``signed_at`` are the latest one's. None when there is none."""
        ...

    def current(self, month_from: str | None, month_to: str | None) -> tuple[list[ImpactCase], int]:
        """Every application's current decision with its sealed bundle, by application id (purged ones left
        out); and how many applications of those months have none."""
        ...

    def current_count(self, month_from: str | None, month_to: str | None) -> tuple[int, int]:
        """How many cases ``current`` gives, and how many applications of those months have none."""
        ...

    def current_pages(self, month_from: str | None, month_to: str | None, page: int) -> Iterator[list[ImpactCase]]:
        """``current``'s cases in pages of ``page``, read as they are used."""
        ...


class EvidenceRepo(Protocol):
    def link(self, revision_id: str, request_ids: Sequence[str]) -> None:
        """Envelopes stored by request id before their revision existed now belong to it."""
        ...

    def add(self, revision_id: str, items: Sequence[tuple[str, bytes, str]], at: datetime) -> None:
        """Raw envelopes (request id, bytes, sha256) of a revision; each distinct envelope's bytes once."""
        ...

    def link_many(self, links: Sequence[tuple[str, Sequence[str]]]) -> None:
        """``link`` for several revisions (revision id, request ids), in order."""
        ...

    def add_many(self, items: Sequence[tuple[str, Sequence[tuple[str, bytes, str]]]], at: datetime) -> None:
        """``add`` for several revisions (revision id, envelopes), in order."""
        ...


class AuditTrail(Protocol):
    def append(self, entries: Sequence[AuditEntry], at: datetime) -> None:
        """Append events to the hash chain in this transaction (the chain head is locked until commit)."""
        ...


class AccessTrail(Protocol):
    def append(
        self, actor: str, purpose: str, channel: str, action: str, subject: str, personnummer: Iterable[str],
        at: datetime,
    ) -> None:
        """Record a read of personal data (persons by keyed HMAC, never the number)."""
        ...


class SignOffs(Protocol):
    """Sign-off rows (append-only), their override statistics, and the letters."""

    def case(self, application_id: str, decision_id: str | None = None) -> CaseView | None:
        """The case with its current proposal (or ``decision_id``), None when there is none."""
        ...

    def pending_first(self, application_id: str, decision_id: str) -> SignOffView | None:
        """The first signature waiting for a second one (none answered it yet)."""
        ...

    def add(self, row: NewSignOff, at: datetime) -> None: ...

    def add_letter(self, letter: NewLetter, at: datetime) -> None: ...


class UnitOfWork(Protocol):
    """One transaction and its repositories (``with uow: …; uow.commit()``)."""

    @property
    def applications(self) -> Applications: ...

    @property
    def decisions(self) -> Decisions: ...

    @property
    def signoffs(self) -> SignOffs: ...

    @property
    def evidence(self) -> EvidenceRepo: ...

    @property
    def retention(self) -> Retention: ...

    @property
    def audit(self) -> AuditTrail: ...

    @property
    def access(self) -> AccessTrail: ...

    @property
    def casework(self) -> Casework:
        """Journal notes, kommunicering and changed decisions (decision/casework.py)."""
        ...

    @property
    def names(self) -> NameIndex:
        """The keyed name index (decision/names.py)."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def new_id(self) -> str:
        """A new sortable id (ULID)."""
        ...

    def person_key(self, personnummer: str) -> str | None:
        """The keyed HMAC linking a household's months, when one is configured."""
        ...

    def name_key(self, token: str) -> str | None:
        """A name token's keyed HMAC (same key family), when a key is configured."""
        ...


class Conflict(FinaidError):
    """A concurrent writer stored the same thing first (a unique key): nothing of this transaction is kept."""


Guard = Callable[[UnitOfWork], None]  # a check run first in a transaction (a batch claim); raises to abort


def protected_identity(bundle: CaseBundle) -> bool:
    """A registry answer says someone in the household has a protected identity."""
    return any(
        getattr(f, "kind", None) == "protected_identity" and getattr(f, "value", False)
        for e in bundle.registry or []
        for f in e.facts
    )
