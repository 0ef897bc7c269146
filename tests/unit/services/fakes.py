"""In-memory fakes of the unit of work and its repositories (decision/uow.py), cosmicpython-style.

A committed copy of every table; entering the unit of work copies it, ``commit()`` publishes the copy,
leaving without commit drops it. The moves are checked with the same ``transition()`` as the database
adapter, and every event lands in one list — the use-case tests assert the same rows and events on
this fake and on the SQLAlchemy unit of work (so the fake cannot drift).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from decision.basis import DecisionBasis
from decision.bundle import CaseBundle
from decision.money import parse_sum
from decision.ports import EarlierDecision
from decision.states import transition
from decision.uow import (
    AppView,
    AuditEntry,
    CaseView,
    Conflict,
    ImpactCase,
    Move,
    NewDecision,
    NewLetter,
    NewRevision,
    NewSignOff,
    PinnedDecision,
    SignOffView,
)
from tests.unit.services.fake_casework import FakeCasework

_ids = itertools.count(1)


def _earlier(decision: dict[str, Any]) -> EarlierDecision | None:
    """The earlier decision stored with a decision, as SQL reads it: none once retention blanked its total
    (then the row holds a dict with the id, month and signing time kept and ``total_ore`` None)."""
    e = decision.get("earlier")
    return e if isinstance(e, EarlierDecision) else None


@dataclass
class Tables:
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    revisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    uses: list[dict[str, Any]] = field(default_factory=list)
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)
    access: list[dict[str, Any]] = field(default_factory=list)
    signoffs: dict[str, dict[str, Any]] = field(default_factory=dict)
    overrides: list[dict[str, Any]] = field(default_factory=list)
    letters: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    communications: dict[str, dict[str, Any]] = field(default_factory=dict)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: set[tuple[str, str, str]] = field(default_factory=set)  # (application, person key, token key)


def _view(row: dict[str, Any]) -> AppView:
    return AppView(row["id"], row["state"], row["state_reason"], row["attempts"], row["municipality"], row["month"],
                   bool(row["protected"]), row["current_revision_id"], row["current_decision_id"],
                   row.get("household_key"))


class FakeAudit:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def append(self, entries: Sequence[AuditEntry], at: datetime) -> None:
        for actor, event, subject, payload in entries:
            self.t.audit.append({"seq": len(self.t.audit) + 1, "at": at, "actor": actor, "event": event,
                                 "subject": subject, "payload": dict(payload)})


class FakeApplications:
    def __init__(self, t: Tables, audit: FakeAudit) -> None:
        self.t = t
        self.audit = audit

    def get(self, application_id: str) -> AppView | None:
        row = self.t.applications.get(application_id)
        return _view(row) if row else None

    def lock(self, application_ids: Iterable[str]) -> dict[str, AppView]:
        return {i: _view(self.t.applications[i]) for i in application_ids if i in self.t.applications}

    def revisions_by_hash(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        wanted = set(keys)
        return {(r["application_id"], r["content_hash"]): r["id"] for r in self.t.revisions.values()
                if (r["application_id"], r["content_hash"]) in wanted}

    def last_numbers(self, application_ids: Iterable[str]) -> dict[str, int]:
        ids = set(application_ids)
        out: dict[str, int] = {}
        for r in self.t.revisions.values():
            if r["application_id"] in ids:
                out[r["application_id"]] = max(out.get(r["application_id"], 0), r["number"])
        return out

    def add_revisions(self, revisions: Sequence[NewRevision], at: datetime) -> None:
        for r in revisions:
            if r.application_id not in self.t.applications:
                raise AssertionError("a revision of an application that does not exist (foreign key)")
            if self.revisions_by_hash([(r.application_id, r.content_hash)]):
                raise Conflict("uq_revision_content")
            self.t.revisions[r.id] = {**r.__dict__, "received_at": at, "purged_at": None}

    def move(self, moves: Sequence[Move], at: datetime) -> list[str]:
        names = []
        entries: list[AuditEntry] = []
        for m in moves:
            if m.create:
                assert m.source is None and m.event is not None and m.application_id not in self.t.applications
                event = m.event
                self.t.applications[m.application_id] = {
                    "id": m.application_id, "attempts": 0, "protected": False, "created_at": at,
                    "last_note_at": at, "current_revision_id": None, "current_decision_id": None,
                    "household_key": None, "claimed_by": None, "lease_until": None, "purged_at": None,
                    "municipality": None, "month": None,
                }
            else:
                event = transition(m.source or "", m.target, m.event).event
            row = self.t.applications[m.application_id]
            row.update({"state": m.target.value, "state_reason": m.reason, "updated_at": at, **m.columns})
            names.append(event)
            entries.extend(m.before)
            entries.append((m.actor, event, m.subject or f"application:{m.application_id}", dict(m.payload)))
        self.audit.append(entries, at)
        return names

    def update(self, application_id: str, columns: Mapping[str, Any], at: datetime) -> None:
        assert "state" not in columns
        self.t.applications[application_id].update({"updated_at": at, **columns})


class FakeDecisions:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def existing(self, keys: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        wanted = set(keys)
        return {(d["revision_hash"], d["pack_hash"], d["guideline_hash"]): i for i, d in self.t.decisions.items()
                if (d["revision_hash"], d["pack_hash"], d["guideline_hash"]) in wanted}

    def add(self, decisions: Sequence[NewDecision], at: datetime) -> None:
        for d in decisions:
            if self.existing([(d.revision_hash, d.pack_hash, d.guideline_hash)]):
                raise Conflict("uq_decision_inputs")
            row = {k: v for k, v in d.__dict__.items() if k != "uses"}
            self.t.decisions[d.id] = {**row, "decided_at": at, "superseded_by": None, "purged_at": None}
            self.t.uses.extend({"decision_id": d.id, "kind": k, "ref": r, "decided_at": at} for k, r in d.uses)

    def supersede(self, pairs: Sequence[tuple[str, str]]) -> None:
        for old, new in pairs:
            self.t.decisions[old]["superseded_by"] = new

    def pinned(self, decision_ids: Sequence[str]) -> list[PinnedDecision]:
        out = []
        for i in decision_ids:
            d = self.t.decisions.get(i)
            if d is not None:
                rev = self.t.revisions.get(d["revision_id"])
                out.append(PinnedDecision(i, d["pack_hash"], d["guideline_hash"], d["code_version"], d["basis_json"],
                                          rev["bundle_json"] if rev is not None else None, _earlier(d)))
        return out

    def signed_for_month(self, household_key: str, month: str, other_than: str) -> EarlierDecision | None:
        rows = []
        for s in self.t.signoffs.values():
            d = self.t.decisions[s["decision_id"]]
            a = self.t.applications[d["application_id"]]
            if (a["household_key"] == household_key and a["id"] != other_than and d["month"] == month
                    and d["superseded_by"] is None and s["final"] and s["record_json"] is not None):
                rows.append((s["at"], s["id"], d["id"], json.loads(s["record_json"])["amounts"]["decided"]))
        if not rows:
            return None
        rows.sort()
        return EarlierDecision(rows[-1][2], month, sum(parse_sum(r[3]) for r in rows), rows[-1][0])

    def current(self, month_from: str | None, month_to: str | None) -> tuple[list[ImpactCase], int]:
        apps = [a for a in self.t.applications.values()
                if (not month_from or a["month"] >= month_from) and (not month_to or a["month"] <= month_to)]
        cases = []
        for a in sorted(apps, key=lambda a: a["id"]):
            d = self.t.decisions.get(a["current_decision_id"] or "")
            rev = self.t.revisions.get(d["revision_id"]) if d is not None else None
            if d is None or rev is None or rev["id"] != a["current_revision_id"] or d["basis_json"] is None \
                    or rev["bundle_json"] is None:
                continue
            cases.append(ImpactCase(a["id"], a["month"], bool(a["protected"]), rev["bundle_json"], d["basis_json"],
                                    d["pack_hash"], d["guideline_hash"], _earlier(d), d["code_version"],
                                    rev.get("content_hash")))
        return cases, len(apps) - len(cases)

    def current_count(self, month_from: str | None, month_to: str | None) -> tuple[int, int]:
        cases, undecided = self.current(month_from, month_to)
        return len(cases), undecided

    def current_pages(self, month_from: str | None, month_to: str | None, page: int) -> Iterator[list[ImpactCase]]:
        cases, _ = self.current(month_from, month_to)
        for i in range(0, len(cases), page):
            yield cases[i:i + page]

    def between(self, month_from: str, month_to: str) -> list[str]:
        rows = [(d["decided_at"], i) for i, d in self.t.decisions.items() if month_from <= d["month"] <= month_to]
        return [i for _, i in sorted(rows)]


class FakeEvidence:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def link(self, revision_id: str, request_ids: Sequence[str]) -> None:
        for r in request_ids:
            row = self.t.evidence.get(r)
            if row is not None and row["revision_id"] is None:
                row["revision_id"] = revision_id

    def add(self, revision_id: str, items: Sequence[tuple[str, bytes, str]], at: datetime) -> None:
        seen: set[str] = set()
        for request_id, raw, sha in items:
            if request_id in self.t.evidence:
                continue
            self.t.evidence[request_id] = {"request_id": request_id, "revision_id": revision_id, "sha256": sha,
                                           "raw": None if sha in seen else raw, "stored_at": at}
            seen.add(sha)

    def link_many(self, links: Sequence[tuple[str, Sequence[str]]]) -> None:
        for revision_id, request_ids in links:
            self.link(revision_id, request_ids)

    def add_many(self, items: Sequence[tuple[str, Sequence[tuple[str, bytes, str]]]], at: datetime) -> None:
        for revision_id, envelopes in items:
            self.add(revision_id, envelopes, at)


class FakeAccess:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def append(self, actor: str, purpose: str, channel: str, action: str, subject: str,
               personnummer: Iterable[str], at: datetime) -> None:
        self.t.access.append({"actor": actor, "purpose": purpose, "channel": channel, "action": action,
                              "subject": subject, "persons": len(set(personnummer)), "at": at})


class FakeSignOffs:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def case(self, application_id: str, decision_id: str | None = None) -> CaseView | None:
        app = self.t.applications.get(application_id)
        if app is None:
            return None
        decision = self.t.decisions.get(decision_id or app["current_decision_id"] or "")
        if decision is None or decision["application_id"] != application_id or decision["basis_json"] is None:
            return None
        revision = self.t.revisions[decision["revision_id"]]
        digest = "sha256:" + hashlib.sha256(decision["basis_json"].encode("utf-8")).hexdigest()
        return CaseView(_view(app), decision["id"], decision["basis_hash"], decision["revision_hash"],
                        digest == decision["basis_hash"],
                        CaseBundle.model_validate_json(revision["bundle_json"], strict=False),
                        DecisionBasis.model_validate_json(decision["basis_json"]))

    def pending_first(self, application_id: str, decision_id: str) -> SignOffView | None:
        rows = [r for r in self.t.signoffs.values()
                if r["application_id"] == application_id and r["decision_id"] == decision_id]
        answered = {r["first_id"] for r in rows if r["first_id"]}
        waiting = [r for r in rows if r["needs_second"] and r["id"] not in answered]
        if not waiting:
            return None
        w = waiting[-1]
        return SignOffView(w["id"], w["actor"], w["outcome"], w["record_json"])

    def add(self, row: NewSignOff, at: datetime) -> None:
        self.t.signoffs[row.id] = {**{k: v for k, v in row.__dict__.items() if k != "overrides"}, "at": at}
        self.t.overrides.extend({"sign_off_id": row.id, "rule": r, "reason_code": c} for r, c in row.overrides)

    def add_letter(self, letter: NewLetter, at: datetime) -> None:
        self.t.letters[letter.id] = {**letter.__dict__, "created_at": at}


class FakeRetention:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def candidates(self, cutoff: datetime) -> list[tuple[str, str]]:
        return sorted((a["id"], a["municipality"]) for a in self.t.applications.values()
                      if a["last_note_at"] < cutoff and a["purged_at"] is None)

    def people(self, application_id: str) -> list[str]:
        return sorted({m["personnummer"] for r in self.t.revisions.values()
                       if r["application_id"] == application_id and r["bundle_json"]
                       for m in json.loads(r["bundle_json"])["application"]["household"]})

    def blank(self, application_id: str, at: datetime) -> tuple[list[str], list[str], int]:
        revs = [r for r in self.t.revisions.values() if r["application_id"] == application_id]
        for r in revs:
            r.update(bundle_json=None, purged_at=at)
        evidence = [e for e in self.t.evidence.values() if e["revision_id"] in {r["id"] for r in revs}]
        for e in evidence:
            e.update(raw=None, purged_at=at)
        decisions = [d for d in self.t.decisions.values() if d["application_id"] == application_id]
        for d in decisions:
            d.update(basis_json=None, trace_json=None, proposed_ore=None, purged_at=at)
            if isinstance(d.get("earlier"), EarlierDecision):  # as SQL: its id and month stay, its total goes
                d["earlier"] = {**d["earlier"].__dict__, "total_ore": None}
        self.t.applications[application_id].update(household_key=None, purged_at=at)
        for so in self.t.signoffs.values():
            if so["application_id"] == application_id:
                so.update(record_json=None)
        for letter in self.t.letters.values():
            if letter["application_id"] == application_id:
                letter.update(html=None, pdf=None)
        self.t.names = {n for n in self.t.names if n[0] != application_id}
        return [r["id"] for r in revs], [d["id"] for d in decisions], len(evidence)


class FakeNames:
    def __init__(self, t: Tables) -> None:
        self.t = t

    def add(self, application_id: str, rows: Sequence[tuple[str, str]]) -> int:
        new = {(application_id, p, k) for p, k in rows} - self.t.names
        self.t.names |= new
        return len(new)


class FakeUnitOfWork:
    def __init__(self, person_key: bool = False) -> None:
        self.committed = Tables()
        self._work: Tables | None = None
        self.commits = 0
        self._person_key = person_key

    def __enter__(self) -> Self:
        assert self._work is None, "the unit of work is already open"
        self._work = copy.deepcopy(self.committed)
        self.audit = FakeAudit(self._work)
        self.applications = FakeApplications(self._work, self.audit)
        self.decisions = FakeDecisions(self._work)
        self.signoffs = FakeSignOffs(self._work)
        self.evidence = FakeEvidence(self._work)
        self.retention = FakeRetention(self._work)
        self.access = FakeAccess(self._work)
        self.casework = FakeCasework(self._work)
        self.names = FakeNames(self._work)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._work = None

    def commit(self) -> None:
        assert self._work is not None
        self.committed = self._work
        self._work = copy.deepcopy(self.committed)
        self._rebind()
        self.commits += 1

    def _rebind(self) -> None:
        assert self._work is not None
        for repo in (self.audit, self.applications, self.decisions, self.signoffs, self.evidence, self.retention,
                     self.access, self.casework, self.names):
            repo.t = self._work

    def rollback(self) -> None:
        self._work = copy.deepcopy(self.committed)
        self._rebind()

    def new_id(self) -> str:
        return f"01FAKE{next(_ids):020d}"

    def person_key(self, personnummer: str) -> str | None:
        return f"hmac:{personnummer[-4:]}" if self._person_key else None

    def name_key(self, token: str) -> str | None:
        return f"name:{hashlib.sha256(token.encode()).hexdigest()[:12]}" if self._person_key else None

    @property
    def is_open(self) -> bool:
        return self._work is not None
