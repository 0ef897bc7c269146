"""Read models for a handler's day: search by personnummer (or by name), the household's decisions, my cases.

Every query takes the person's scope (:func:`adapters.driving.web.scope.visible`): cases outside their units,
and protected identities for roles without access, are never found — a search answers as if they did not
exist. A personnummer is looked up by its keyed HMAC only (the applicant's ``household_key``, the access log's
person index), a name by its tokens' keyed HMACs (the name index); neither reaches a URL, a log line or the
database in clear.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from adapters.driven.db import names
from adapters.driven.db.finals import standing
from adapters.driven.db.models import AccessEntry, AccessPerson, Application, Decision, Revision, SignOff, User
from adapters.driving.web.auth import Identity, aware
from adapters.driving.web.scope import visible
from decision.bundle import Member

LIMIT = 200
# Names arrive with the case bundle's second version (an optional ``name`` per household member), indexed at
# intake as keyed tokens (decision/names.py); without ``name`` in the model a search by name finds nothing.
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


def search(s: Session, identity: Identity, person_key: str | None, name_keys: Sequence[str] = (),
           key_of: Callable[[str], str] | None = None) -> list[dict[str, Any]]:
    """The cases of the households this person belongs to (as applicant or member), newest month first.

    Only keyed HMACs reach the database: of the personnummer — the applicant's ``household_key``, and the
    access log's person index (every application whose data was read for this person: a proposal, a registry
    read; so a co-applicant or a child finds the household too) — and of each name token (``name_keys``:
    a member whose name has every one of them; adapters/driven/db/names.py). Neither the number nor the name
    is ever a query parameter (a slow-query log could hold them).

    Each result carries ``found``: the person keys it was found by, and ``persons``: (role label, name) of
    those members in its current revision (``key_of`` keys a personnummer), shown beside the role."""
    found: dict[str, set[str]] = {}
    if person_key is not None:
        ids: set[str] = set(s.execute(select(Application.id).where(Application.household_key == person_key)).scalars())
        subjects = set(s.execute(
            select(AccessEntry.subject).join(AccessPerson, AccessPerson.seq == AccessEntry.seq)
            .where(AccessPerson.person_key == person_key)
        ).scalars())
        ids |= {x.removeprefix("application:") for x in subjects if x.startswith("application:")}
        decisions = [x.removeprefix("decision:") for x in subjects if x.startswith("decision:")]
        if decisions:
            ids |= set(s.execute(select(Decision.application_id).where(Decision.id.in_(decisions))).scalars())
        for i in ids:
            found.setdefault(i, set()).add(person_key)
    if name_keys and NAMES_IN_MODEL:
        for i, persons in names.matching(s, name_keys).items():
            found.setdefault(i, set()).update(persons)
    if not found:
        return []
    rows = _rows(s, identity, sorted(found))
    revisions = sorted({r["app"].current_revision_id for r in rows if r["app"].current_revision_id})
    bundles: dict[str, str | None] = dict(s.execute(  # every row's current revision in one query
        select(Revision.id, Revision.bundle_json).where(Revision.id.in_(revisions))).tuples().all()) \
        if revisions and key_of is not None else {}
    for r in rows:
        r["found"] = found[r["app"].id]
        r["persons"] = _persons(bundles.get(r["app"].current_revision_id or ""), r["app"], r["found"], key_of) \
            if key_of is not None else []
    return rows


def _persons(bundle_json: str | None, app: Application, keys: set[str], key_of: Callable[[str], str]
             ) -> list[tuple[str, str]]:
    """(role label, name or "") of the members found, from the application's current revision (in scope:
    the caller's rows are visible to this person, protected identity only for roles with access). As on the
    case page (views/case_view.py), a protected identity's case shows no name at all, to anyone."""
    out: list[tuple[str, str]] = []
    children = 0
    for m in orjson.loads(bundle_json).get("application", {}).get("household", []) if bundle_json else []:
        role = str(m.get("role"))
        if role == "child":
            children += 1
            role = f"child:{children}"
        if key_of(str(m.get("personnummer"))) in keys:
            out.append((role, "" if app.protected else str(m.get("name") or "")))
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
