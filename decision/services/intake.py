"""Intake: a bundle is stored as a revision of its application before anything is decided.

Idempotent by content hash (the canonical bundle's sha256): the same content twice is one revision. A
sealed bundle (registry answers present) is ``fetched``, an unsealed one ``received``; the move and its
audit event go through the unit of work's one state writer (decision/uow.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from decision.basis import canonical_json
from decision.bundle import CaseBundle, Role
from decision.names import entries
from decision.ports import Clock
from decision.services.supplementary import find_earlier
from decision.states import State
from decision.uow import Guard, Move, NewRevision, Stored, UnitOfWork, protected_identity


class PackCoverage(Protocol):
    """Which published pack covers a month as of a date (``rules.catalog.Catalog``); raises when none."""

    def pack_for(self, month: str, as_of: date | None = None) -> object: ...


def bundle_hash(bundle: CaseBundle) -> str:
    return _hash_of(bundle.to_json_dict())


def _hash_of(wire: dict[str, Any]) -> str:
    """The content hash of a bundle's wire form (``CaseBundle.to_json_dict``)."""
    return "sha256:" + hashlib.sha256(canonical_json(wire)).hexdigest()


def store_bundles(uow: UnitOfWork, bundles: Sequence[CaseBundle], actor: str, at: datetime) -> list[Stored]:
    """Store bundles as revisions in the caller's open unit of work; one :class:`Stored` each, in order.

    One read, one insert and one state statement for all of them (the batch stores a chunk's sealed
    bundles this way; a single bundle is a chunk of one).
    """
    if not bundles:
        return []
    wires = [b.to_json_dict() for b in bundles]  # once each: hashed, and stored as the revision's JSON
    hashes = [_hash_of(w) for w in wires]
    ids = [b.application.id for b in bundles]
    existing = uow.applications.revisions_by_hash(zip(ids, hashes, strict=True))
    views = uow.applications.lock(ids)
    numbers = uow.applications.last_numbers(ids)
    out: list[Stored] = []
    revisions: list[NewRevision] = []
    moves: list[Move] = []
    for bundle, wire, content_hash in zip(bundles, wires, hashes, strict=True):
        app = bundle.application
        if (app.id, content_hash) in existing:
            out.append(Stored(existing[(app.id, content_hash)], content_hash, False))
            continue
        number = numbers.get(app.id, 0) + 1
        numbers[app.id] = number
        sealed = bundle.registry is not None
        rev_id = uow.new_id()
        revisions.append(NewRevision(
            id=rev_id, application_id=app.id, number=number, content_hash=content_hash, sealed=sealed,
            bundle_json=json.dumps(wire, ensure_ascii=False), actor=actor,
        ))
        view = views.get(app.id)
        columns: dict[str, object] = {
            "municipality": app.municipality, "month": app.month, "attempts": 0, "last_note_at": at,
            "current_revision_id": rev_id,
            "protected": bool(view is not None and view.protected) or protected_identity(bundle),
        }
        applicant = next(m.personnummer for m in app.household if m.role is Role.APPLICANT)
        key = uow.person_key(applicant)
        if key is not None:
            columns["household_key"] = key
        moves.append(Move(
            application_id=app.id, source=view.state if view is not None else None,
            target=State.FETCHED if sealed else State.RECEIVED, actor=actor,
            payload={"revision": rev_id, "number": number, "content_hash": content_hash, "sealed": sealed},
            columns=columns, create=view is None, event="received" if view is None else None,
        ))
        out.append(Stored(rev_id, content_hash, True))
    created_first = [m for m in moves if m.create]  # an application exists before its revision
    if created_first:
        uow.applications.move(created_first, at)
    uow.applications.add_revisions(revisions, at)
    updated = [m for m in moves if not m.create]
    if updated:
        uow.applications.move(updated, at)
    uow.evidence.link_many([(stored.revision_id, [e.request_id for e in bundle.registry])
                            for bundle, stored in zip(bundles, out, strict=True) if stored.created and bundle.registry])
    for bundle, stored in zip(bundles, out, strict=True):
        if stored.created:  # the members' names, as keyed tokens only (search by name; decision/names.py)
            rows = entries(bundle, uow.person_key, uow.name_key)
            if rows:
                uow.names.add(bundle.application.id, rows)
    return out


def submit(uow: UnitOfWork, packs: PackCoverage, clock: Clock, bundle: CaseBundle, actor: str,
           guard: Guard | None = None) -> Stored:
    """Submit one application (the CLI's ``batch submit``, the API's POST): stored ``received`` for the night.

    A month no published pack covers is an input error (nothing is stored), and so is a supplementary
    application for a month the household has no signed decision for (decision/services/supplementary.py).
    """
    at = clock.now()
    packs.pack_for(bundle.application.month)
    find_earlier(uow, bundle)
    return receive(uow, bundle, actor, at, guard)


def receive(uow: UnitOfWork, bundle: CaseBundle, actor: str, at: datetime, guard: Guard | None = None) -> Stored:
    """Store one bundle in a transaction of its own (committed before anything is evaluated)."""
    with uow:
        if guard is not None:
            guard(uow)
        [stored] = store_bundles(uow, [bundle], actor, at)
        uow.commit()
    return stored
