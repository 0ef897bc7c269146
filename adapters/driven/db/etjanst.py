"""The e-service's storage (adapters/driving/etjanst): applicants' sessions, drafts kept until sent, attachments,
and the reads an applicant's pages need — always narrowed to the logged-in person's household (by keyed
HMAC), never a listing of other people's cases."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from ulid import ULID

from adapters.driven.db.engine import Database
from adapters.driven.db.etjanst_files import AttachmentStore
from adapters.driven.db.etjanst_models import Attachment, CitizenSession, Draft, InformationRequest
from adapters.driven.db.models import Application, AuditEvent, Decision, Letter, Revision, SignOff
from adapters.driven.db.trail import append_event


def _aware(at: datetime | None) -> datetime | None:
    from datetime import UTC

    if at is None:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CitizenLogin:
    personnummer: str
    person_key: str
    csrf_token: str


@dataclass(frozen=True)
class DraftRow:
    id: str
    applicant_key: str
    partner_key: str | None
    municipality: str
    month: str
    kind: str
    status: str
    data: dict[str, Any]
    applicant_signed_at: datetime | None
    partner_signed_at: datetime | None
    application_id: str | None
    sent_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class CaseRow:
    """An application as its applicant sees it (no other household's)."""

    id: str
    month: str
    state: str
    updated_at: datetime
    kind: str | None
    signed_at: datetime | None
    outcome: str | None
    letter_id: str | None


@dataclass(frozen=True)
class RequestRow:
    id: str
    application_id: str
    message: str
    due_date: str
    requested_at: datetime
    answer: str | None
    answered_at: datetime | None


RETURN_PREFIX = "return:"  # a workbench return offered as a request (EtjanstStore.workbench_return)


class EtjanstStore(AttachmentStore):
    """One per app; ``person_key`` is the keyed HMAC of a personnummer (the access-log key)."""

    def __init__(self, db: Database, secret: bytes, person_key: Callable[[str], str],
                 clock: Callable[[], datetime]) -> None:
        self.db = db
        self.secret = secret
        self.person_key = person_key
        self.now = clock

    # ------------------------------------------------------------------ sessions
    def _hash(self, token: str) -> str:
        return hmac.new(self.secret, token.encode("utf-8"), hashlib.sha256).hexdigest()

    def sign(self, value: str) -> str:
        return hmac.new(self.secret, b"login:" + value.encode("utf-8"), hashlib.sha256).hexdigest()

    def open_session(self, personnummer: str, idle_minutes: int, replacing: str | None = None) -> str:
        at = self.now()
        token = secrets.token_urlsafe(32)
        with self.db.transaction() as s:
            if replacing:
                self._end(s, replacing, at)
            s.add(CitizenSession(
                id_hash=self._hash(token), personnummer=personnummer, person_key=self.person_key(personnummer),
                csrf_token=secrets.token_urlsafe(32), created_at=at, last_seen_at=at,
                expires_at=at + timedelta(hours=8), ended_at=None,
            ))
        return token

    def session(self, token: str | None, idle_minutes: int) -> CitizenLogin | None:
        if not token or len(token) > 128:
            return None
        at = self.now()
        with self.db.transaction() as s:
            row = s.get(CitizenSession, self._hash(token))
            if row is None or row.ended_at is not None or row.personnummer is None:
                return None
            seen, expires = _aware(row.last_seen_at), _aware(row.expires_at)
            assert seen is not None and expires is not None
            if at > seen + timedelta(minutes=idle_minutes) or at > expires:
                row.ended_at, row.personnummer = at, None
                return None
            row.last_seen_at = at
            return CitizenLogin(row.personnummer, row.person_key, row.csrf_token)

    def end_session(self, token: str | None) -> None:
        if token:
            with self.db.transaction() as s:
                self._end(s, token, self.now())

    def _end(self, s: Any, token: str, at: datetime) -> None:
        s.execute(update(CitizenSession).where(CitizenSession.id_hash == self._hash(token))
                  .values(ended_at=at, personnummer=None))

    # ------------------------------------------------------------------ households
    def latest_bundles(self, limit: int) -> list[dict[str, Any]]:
        """The newest bundle of each of the latest applications without protected identity (demo login list)."""
        with self.db.read() as s:
            apps = s.execute(
                select(Application.current_revision_id).where(Application.protected.is_(False),
                                                              Application.purged_at.is_(None))
                .order_by(Application.id).limit(limit)
            ).scalars().all()
            rows = s.execute(select(Revision.bundle_json).where(Revision.id.in_([a for a in apps if a]))).scalars()
            return [json.loads(r) for r in rows if r]

    def last_bundle(self, personnummer: str, month: str | None = None) -> dict[str, Any] | None:
        """The household's last application (by the applicant's key; of ``month`` when given), its newest
        revision's bundle."""
        key = self.person_key(personnummer)
        ids = self.application_ids(key)
        with self.db.read() as s:
            q = select(Application).where(Application.id.in_(ids), Application.purged_at.is_(None),
                                          Application.state != "withdrawn")
            if month is not None:
                q = q.where(Application.month == month)
            app = s.execute(q.order_by(Application.month.desc(), Application.updated_at.desc()).limit(1)
                            ).scalars().first()
            if app is None or app.current_revision_id is None:
                return None
            raw = s.execute(select(Revision.bundle_json).where(Revision.id == app.current_revision_id)).scalar()
            return json.loads(raw) if raw else None

    def application_ids(self, key: str) -> set[str]:
        """The applications the person may see: their household's (as applicant) and those they signed."""
        with self.db.read() as s:
            own = set(s.execute(select(Application.id).where(Application.household_key == key)).scalars())
            drafted = s.execute(select(Draft.application_id).where(
                or_(Draft.applicant_key == key, Draft.partner_key == key), Draft.application_id.is_not(None)
            )).scalars()
            return own | {d for d in drafted if d}

    def cases(self, key: str) -> list[CaseRow]:
        ids = self.application_ids(key)
        with self.db.read() as s:
            apps = s.execute(select(Application).where(Application.id.in_(ids))
                             .order_by(Application.month.desc(), Application.id.desc())).scalars().all()
            return [self._case(s, a) for a in apps]

    def case(self, key: str, application_id: str) -> CaseRow | None:
        if application_id not in self.application_ids(key):
            return None
        with self.db.read() as s:
            app = s.get(Application, application_id)
            return self._case(s, app) if app is not None else None

    def _case(self, s: Any, app: Application) -> CaseRow:
        final = s.execute(
            select(SignOff).where(SignOff.application_id == app.id, SignOff.final.is_(True))
            .order_by(SignOff.at.desc()).limit(1)
        ).scalar_one_or_none()
        letter = None
        if final is not None:
            letter = s.execute(select(Letter.id).where(Letter.sign_off_id == final.id, Letter.purged_at.is_(None))
                               .limit(1)).scalar_one_or_none()
        kind = None
        if app.current_revision_id:
            raw = s.execute(select(Revision.bundle_json).where(Revision.id == app.current_revision_id)).scalar()
            kind = json.loads(raw)["application"].get("kind") if raw else None
        return CaseRow(app.id, app.month, app.state, app.updated_at, kind,
                       final.at if final is not None else None, final.outcome if final is not None else None, letter)

    def letter(self, key: str, application_id: str, letter_id: str) -> tuple[str | None, bytes | None] | None:
        if application_id not in self.application_ids(key):
            return None
        with self.db.read() as s:
            row = s.get(Letter, letter_id)
            if row is None or row.application_id != application_id or row.purged_at is not None:
                return None
            return row.html, row.pdf

    def letter_times(self, letter_id: str) -> tuple[datetime | None, datetime | None]:
        """When the letter was made available (created) and first opened by the applicant (None: not yet)."""
        with self.db.read() as s:
            made = s.execute(select(Letter.created_at).where(Letter.id == letter_id)).scalar_one_or_none()
            opened = s.execute(select(AuditEvent.at).where(
                AuditEvent.event == "letter_opened", AuditEvent.subject == f"letter:{letter_id}")
                .order_by(AuditEvent.seq).limit(1)).scalar_one_or_none()
            return _aware(made), _aware(opened)

    def opened(self, letter_id: str, application_id: str, actor: str) -> None:
        """Record the first time the applicant opened the letter (an audit event; later openings are not)."""
        with self.db.transaction() as s:
            seen = s.execute(select(AuditEvent.seq).where(
                AuditEvent.event == "letter_opened", AuditEvent.subject == f"letter:{letter_id}").limit(1)).first()
            if seen is None:
                append_event(s, actor, "letter_opened", f"letter:{letter_id}",
                             {"application": application_id, "channel": "etjanst"}, self.now())

    def audit(self, actor: str, event: str, subject: str, payload: dict[str, Any]) -> None:
        with self.db.transaction() as s:
            append_event(s, actor, event, subject, payload, self.now())

    def decided_months(self, key: str) -> list[str]:
        """Months with a signed decision for the household (a tilläggsansökan may be made for them)."""
        ids = self.application_ids(key)
        with self.db.read() as s:
            return sorted(set(s.execute(select(SignOff.month).where(
                SignOff.application_id.in_(ids), SignOff.final.is_(True))).scalars()), reverse=True)

    def current_decision(self, application_id: str) -> Decision | None:
        with self.db.read() as s:
            app = s.get(Application, application_id)
            if app is None or app.current_decision_id is None:
                return None
            return s.get(Decision, app.current_decision_id)

    # ------------------------------------------------------------------ drafts
    def new_draft(self, applicant_key: str, partner_key: str | None, municipality: str, month: str, kind: str,
                  data: dict[str, Any]) -> str:
        at = self.now()
        draft_id = str(ULID())
        with self.db.transaction() as s:
            s.add(Draft(id=draft_id, applicant_key=applicant_key, partner_key=partner_key, municipality=municipality,
                        month=month, kind=kind, status="draft", data_json=json.dumps(data, ensure_ascii=False),
                        created_at=at, updated_at=at))
        return draft_id

    def drafts(self, key: str) -> list[DraftRow]:
        with self.db.read() as s:
            rows = s.execute(select(Draft).where(or_(Draft.applicant_key == key, Draft.partner_key == key),
                                                 Draft.purged_at.is_(None))
                             .order_by(Draft.created_at.desc())).scalars().all()
            return [_draft(r) for r in rows]

    def draft(self, key: str, draft_id: str) -> DraftRow | None:
        with self.db.read() as s:
            row = s.get(Draft, draft_id)
            if row is None or row.purged_at is not None or key not in (row.applicant_key, row.partner_key):
                return None
            return _draft(row)

    def save_draft(self, draft_id: str, data: dict[str, Any] | None = None, partner_key: str | None = None,
                   **columns: Any) -> None:
        values: dict[str, Any] = {"updated_at": self.now(), **columns}
        if data is not None:
            values["data_json"] = json.dumps(data, ensure_ascii=False)
            values["partner_key"] = partner_key
        with self.db.transaction() as s:
            s.execute(update(Draft).where(Draft.id == draft_id).values(**values))

    # ------------------------------------------------------------------ requests for more information
    def add_request(self, application_id: str, message: str, due_date: str, actor: str) -> str:
        request_id = str(ULID())
        with self.db.transaction() as s:
            s.add(InformationRequest(id=request_id, application_id=application_id, message=message,
                                     due_date=due_date, requested_by=actor, requested_at=self.now()))
        return request_id

    def drop_request(self, request_id: str) -> None:
        """A request whose state move was refused (the case moved on meanwhile) is not kept."""
        with self.db.transaction() as s:
            row = s.get(InformationRequest, request_id)
            if row is not None:
                s.delete(row)

    def requests(self, application_id: str) -> list[RequestRow]:
        with self.db.read() as s:
            rows = s.execute(select(InformationRequest).where(InformationRequest.application_id == application_id,
                                                              InformationRequest.purged_at.is_(None))
                             .order_by(InformationRequest.id)).scalars().all()
            return [RequestRow(r.id, r.application_id, r.message or "", r.due_date, _aware(r.requested_at)
                               or r.requested_at, r.answer, _aware(r.answered_at)) for r in rows]

    def workbench_return(self, application_id: str) -> RequestRow | None:
        """A proposal returned through the workbench's "return" (a sign-off ``return``, no e-service request) while
        the application is ``returned``: offered to the applicant as a request to answer — its reason's label, no
        due date — under the id ``return:<sign-off id>`` until the answer stores it as a request."""
        with self.db.read() as s:
            app = s.get(Application, application_id)
            if app is None or app.state != "returned":
                return None
            row = s.execute(select(SignOff).where(SignOff.application_id == application_id, SignOff.action == "return")
                            .order_by(SignOff.at.desc(), SignOff.id.desc()).limit(1)).scalars().first()
            if row is None:
                return None
            label = json.loads(row.record_json).get("label") if row.record_json else None
            return RequestRow(f"{RETURN_PREFIX}{row.id}", application_id, label or "", "", _aware(row.at) or row.at,
                              None, None)

    def answer_request(self, request_id: str, answer: str) -> None:
        with self.db.transaction() as s:
            s.execute(update(InformationRequest).where(InformationRequest.id == request_id)
                      .values(answer=answer, answered_at=self.now()))

    def current_bundle(self, application_id: str) -> dict[str, Any] | None:
        with self.db.read() as s:
            app = s.get(Application, application_id)
            if app is None or app.current_revision_id is None:
                return None
            raw = s.execute(select(Revision.bundle_json).where(Revision.id == app.current_revision_id)).scalar()
            return json.loads(raw) if raw else None


def _draft(r: Draft) -> DraftRow:
    return DraftRow(r.id, r.applicant_key, r.partner_key, r.municipality, r.month, r.kind, r.status,
                    json.loads(r.data_json or "{}"), _aware(r.applicant_signed_at), _aware(r.partner_signed_at),
                    r.application_id, _aware(r.sent_at), r.updated_at)


def blank_for_application(s: Any, application_id: str, at: datetime) -> None:
    """Retention (gallring): the e-service's personal content of an application is blanked with the rest."""
    s.execute(update(Draft).where(Draft.application_id == application_id).values(data_json=None, purged_at=at))
    s.execute(update(Attachment).where(Attachment.application_id == application_id)
              .values(content=None, label=None, purged_at=at))
    s.execute(update(InformationRequest).where(InformationRequest.application_id == application_id)
              .values(message=None, answer=None, purged_at=at))
