"""Which columns of each stored table the record hashes cover (audit/records.py), and staging them for
the audit event of the same transaction (adapters/driven/db/trail.py attaches them).

Every table is declared in :data:`COVERAGE` (a test fails on one that is not): *covered* rows are
checked by ``finaid audit verify`` (docs/audit.md, "What verify proves"); *operational* ones hold
administration or working state that no decision rests on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from adapters.driven.db import etjanst_models as _etjanst_models  # noqa: F401 - its tables are declared below
from audit.records import entry, fields

COVERAGE: dict[str, str] = {
    "application": "covered: state by its transition events (received, fetched, proposed, signed, …)",
    "application_revision": "covered: content hash, number and sealed in its received/fetched event",
    "registry_evidence": "covered: row hash in the fetching event; raw by its sha256",
    "decision": "covered: row hash and personal hash in its proposed event; basis by basis_hash",
    "decision_use": "covered: part of its decision's row hash",
    "decision_earlier": "covered: the earlier decision's id and month are part of its decision's row hash (and "
                        "named in its proposed event); the total is the named decisions' signed records'",
    "sign_off": "covered: row hash in its event; record_json by record_hash",
    "sign_off_override": "covered: part of its sign-off's row hash",
    "letter": "covered: row hash and html/pdf hashes in its letter_created event",
    "case_note": "covered: row hash in its note_added event; text by text_sha256",
    "communication": "covered: row hash in its communication event; items and text by content_sha256",
    "decision_change": "covered: row hash in its decision_changed (or countersigning) event",
    "name_index": "operational: a search index of keyed HMACs of the members' name tokens, derived from the "
                  "covered revisions (no decision rests on it; gallring deletes it with the case)",
    "audit_event": "covered: the audit hash chain (and --expected-head)",
    "access_log": "covered: the access hash chain (and --expected-access-head)",
    "access_person": "covered: must equal the person keys of its chained access-log entry",
    "chain_head": "covered: checked against both chains",
    "batch_run": "operational: a batch's progress and counts (its decisions are covered)",
    "users": "operational: accounts (changes are audit events)",
    "roles": "operational: role names",
    "user_roles": "operational: role grants (changes are audit events)",
    "units": "operational: units (changes are audit events)",
    "unit_areas": "operational: units' municipalities (changes are audit events)",
    "user_units": "operational: unit membership (changes are audit events)",
    "web_sessions": "operational: login sessions",
    "api_tokens": "operational: API tokens (stored hashed; changes are audit events)",
    "alembic_version": "operational: the schema's migration",
    "etjanst_session": "operational: the e-service's login sessions",
    "etjanst_draft": "operational: applications being written; a sent one is covered as its revision",
    "etjanst_attachment": "operational: uploaded documents; their sha256 is part of the revision's content",
    "etjanst_request": "operational: requests for more information; each is an audit event (returned)",
    "etjanst_contact": "operational: where a person wants notifications; saving and removing are audit events",
}

_PENDING = "finaid_records"


def stage(session: Session, key: str, table: str, values: Mapping[str, Any], columns: tuple[str, ...],
          extra: Mapping[str, Any] | None = None) -> None:
    """Remember a written row's record hashes for the next audit event of this transaction."""
    stable, personal = fields(table, values, columns, extra)
    session.info.setdefault(_PENDING, {})[key] = entry(stable, personal)


def take(session: Session) -> dict[str, dict[str, str]]:
    pending: dict[str, dict[str, str]] = session.info.pop(_PENDING, {})
    return pending


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
