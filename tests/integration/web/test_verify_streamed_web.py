"""Streamed ``audit verify`` (audit/spill.py with runs of two facts) over every covered table — sign-offs,
overrides, letters, registry evidence, states — says what verify in one run says, tampered and after retention."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from adapters.driven.db.audit_store import purge, verify
from audit import spill
from decision.services.retention import Exemptions
from tests.integration.web.conftest import Web
from tests.integration.web.test_verify_coverage import TAMPERING, Signed, signed, tampering  # noqa: F401


def _said(web: Web) -> tuple[Any, ...]:
    with web.db.read() as s:
        r = verify(s)
    return r.ok, r.all_problems(), r.lawful, r.unjudged, r.legacy, r.checked_decisions, r.checked_revisions


def _both(web: Web, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    whole = _said(web)
    with monkeypatch.context() as m:
        m.setattr(spill, "RUN", 2)
        streamed = _said(web)
    return whole, streamed


@pytest.mark.parametrize("kind", ["delete_decision", "superseded", "state", "evidence_deleted", "countersigner",
                                  "delete_countersign", "delete_override", "delete_letter", "access_person"])
def test_streamed_verify_names_the_same_tampering(web: Web, signed: Signed,  # noqa: F811
                                                  monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    with tampering(web) as conn:
        name = TAMPERING[kind](web, conn, signed)
    whole, streamed = _both(web, monkeypatch)
    assert streamed == whole
    assert any(name in p for p in whole[1]), (name, whole[1])


def test_streamed_verify_names_the_same_lawful_deletions(web: Web, signed: Signed,  # noqa: F811
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    purge(web.db, date(2100, 1, 1), Exemptions(frozenset(), frozenset(), frozenset()), "cli:gallring")
    whole, streamed = _both(web, monkeypatch)
    assert streamed == whole
    assert whole[0] and len(whole[2]) >= 5, whole
