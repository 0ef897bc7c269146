"""Read models for a handler's day: search by personnummer (or name), the household's decisions, my cases.

Every query takes the person's scope (:func:`adapters.driving.web.scope.visible`): cases outside their units,
and protected identities for roles without access, are never found — a search answers as if they did not
exist. A personnummer is looked up by its keyed HMAC only (the applicant's ``household_key``, the access log's
person index); the number never reaches a URL, a log line or the database.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from adapters.driven.db.finals import standing
from adapters.driven.db.models import AccessEntry, AccessPerson, Application, Decision, Revision, SignOff, User
from adapters.driving.web.auth import Identity, aware
from adapters.driving.web.scope import visible
from decision.bundle import Member

LIMIT = 200
# Names arrive with the case bundle's second version (an optional ``name`` per household member); until the
# model carries it, a search by name finds nothing and the page says so (docs/web.md, "Search").
NAMES_IN_MODEL = "name" in Member.model_fields


def _rows(s: Session, identity: Identity, ids: Any, exclude: str | None = None) -> list[dict[str, Any]]:
    conds = [Application.id.in_(ids), visible(identity)]
    if exclude is not None:
        conds.append(Application.id != exclude)
    found = s.execute(
        select(Application, Decision).outerjoin(Decision, Decision.id == Application.current_decision_id)
        .where(and_(*conds)).order_by(Application.month.desc(), Application.id).limit(LIMIT)
    ).all()
    finals = {
        r.application_id: r for r in s.execute(select(SignOff).where(
            SignOff.application_id.in_([a.id for a, _ in found]), standing())).scalars()
    }
    out = []
    for app, d in found:
        signed = finals.get(app.id)
        decided = json.loads(signed.record_json)["amounts"]["decided"] if signed and signed.record_json else None
        out.append({"app": app, "decision": d, "signed": signed, "decided": decided,
                    "signed_at": aware(signed.at) if signed else None, "assigned_at": aware(app.assigned_at)})
    return out


def search(s: Session, identity: Identity, person_key: str | None, name: str | None) -> list[dict[str, Any]]:
    """The cases of the households this person belongs to (as applicant or member), newest month first.

    Only the keyed HMAC of the personnummer reaches the database: the applicant's ``household_key``, and the
    access log's person index — every application whose data was read for this person (a proposal, a registry
    read) is found, so a co-applicant or a child finds the household too. The number itself is never in a
    query's parameters (a slow-query log could hold them)."""
    ids: set[str] = set()
    if person_key is not None:
        ids |= set(s.execute(select(Application.id).where(Application.household_key == person_key)).scalars())
        subjects = set(s.execute(
            select(AccessEntry.subject).join(AccessPerson, AccessPerson.seq == AccessEntry.seq)
            .where(AccessPerson.person_key == person_key)
        ).scalars())
        ids |= {x.removeprefix("application:") for x in subjects if x.startswith("application:")}
        decisions = [x.removeprefix("decision:") for x in subjects if x.startswith("decision:")]
        if decisions:
            ids |= set(s.execute(select(Decision.application_id).where(Decision.id.in_(decisions))).scalars())
    if name and NAMES_IN_MODEL:
        ids |= set(_by_name(s, name))
    if not ids:
        return []
    return _rows(s, identity, sorted(ids))


def _by_name(s: Session, name: str) -> list[str]:
    """Applications whose current revision has a member whose name contains ``name`` (case-insensitive)."""
    wanted = name.casefold()
    out = []
    q = select(Revision.application_id, Revision.bundle_json).join(
        Application, Application.current_revision_id == Revision.id).where(Revision.bundle_json.is_not(None))
    for app_id, bundle_json in s.execute(q.execution_options(yield_per=500)):
        members = json.loads(bundle_json or "{}").get("application", {}).get("household", [])
        if any(wanted in str(m.get("name") or "").casefold() for m in members):
            out.append(app_id)
    return out


def household_decisions(s: Session, identity: Identity, app: Application) -> list[dict[str, Any]]:
    """Every other application of the same household (every month, not only the last), newest first."""
    if not app.household_key:
        return []
    return _rows(s, identity, select(Application.id).where(Application.household_key == app.household_key),
                 exclude=app.id)


def mine(s: Session, identity: Identity) -> list[dict[str, Any]]:
    """The cases assigned to this person, in scope, newest first."""
    return _rows(s, identity, select(Application.id).where(Application.assigned_to == identity.user_id))


def user_names(s: Session, ids: set[str]) -> dict[str, str]:
    return dict(s.execute(select(User.id, User.display_name).where(User.id.in_(sorted(ids)))).all()) if ids else {}
