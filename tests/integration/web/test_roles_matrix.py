"""The role × action table (docs/roles.md), every cell, through the web app's real routes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adapters.driving.web.roles import PERMISSIONS, Action, Role, table_markdown
from adapters.driving.web.signoff import Override, SignRequest, sign
from tests.integration.web.conftest import Web, csrf

ACCOUNT = {Role.HANDLER: "handlaggare1", Role.SUPERVISOR: "supervisor1", Role.AUDITOR: "auditor1",
           Role.ADMINISTRATOR: "admin1", Role.INSPECTOR: "inspektor1"}
GRANTED = "APP-2023-000042"  # example 01, GRANT, unit nord
PROPOSED = "APP-2026-000102"  # example 02, GRANT, unit nord: signed below for the letter
WAITING = "APP-2026-001314"  # example 14, GRANT: amended above the four-eyes threshold below


def _setup(web: Web) -> str:
    """A signed case (letter) and a case awaiting a second signature, both by supervisor2."""
    who = web.identity("supervisor2")
    d1, d2 = web.decision_id(PROPOSED), web.decision_id(WAITING)
    rent, amount = web.line(WAITING, "cost.rent")
    sign(web.db, who, PROPOSED, SignRequest("approve", d1), web.app.state.services.policy,
         web.app.state.services.letters)
    r = sign(web.db, who, WAITING, SignRequest("amend", d2, overrides=(
        Override(rent, amount + 200_000, "kostnad.styrkt_med_underlag", "Hyresavi visar högre hyra."),)),
        web.app.state.services.policy, web.app.state.services.letters)
    assert r.needs_second
    return r.sign_off_id


def _post(c: TestClient, path: str, page: str, data: dict[str, str]) -> int:
    html = c.get(page).text
    token = csrf(html) if 'name="csrf_token"' in html else ""
    return c.post(path, data={"csrf_token": token, **data}, follow_redirects=False).status_code


def _decision(web: Web, app_id: str) -> str:
    return str(web.scalar("SELECT current_decision_id FROM application WHERE id = :i", i=app_id))


REQUESTS: dict[Action, Callable[[Web, TestClient, str], int]] = {
    Action.VIEW_QUEUE: lambda w, c, f: c.get("/queue").status_code,
    Action.VIEW_CASE: lambda w, c, f: c.get(f"/case/{GRANTED}").status_code,
    Action.FETCH_AGAIN: lambda w, c, f: _post(c, f"/case/{GRANTED}/fetch", "/account", {}),
    Action.SIGN: lambda w, c, f: _post(c, f"/case/{GRANTED}/sign", "/account",
                                       {"action": "approve", "decision_id": _decision(w, GRANTED)}),
    Action.RETURN: lambda w, c, f: _post(c, f"/case/{GRANTED}/return", "/account", {
        "decision_id": _decision(w, GRANTED), "return_reason": "komplettering.underlag_saknas",
        "return_motivation": "Kontoutdrag saknas."}),
    Action.SECOND_SIGN: lambda w, c, f: _post(c, f"/case/{WAITING}/countersign", "/account", {"first_id": f}),
    Action.VIEW_LETTER: lambda w, c, f: c.get(f"/case/{PROPOSED}/letter").status_code,
    Action.VIEW_STATISTICS: lambda w, c, f: c.get("/statistics").status_code,
    Action.VIEW_ACCESS_LOG: lambda w, c, f: c.get("/access-log").status_code,
    Action.MANAGE_USERS: lambda w, c, f: c.get("/admin/users").status_code,
    Action.SEARCH: lambda w, c, f: c.get("/search").status_code,
    Action.VIEW_MINE: lambda w, c, f: c.get("/mine").status_code,
    Action.ASSIGN: lambda w, c, f: _post(c, f"/case/{GRANTED}/take", "/account", {}),
}


def test_every_action_has_a_request() -> None:
    assert set(REQUESTS) == set(Action)


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_action_cell(web: Web, role: Role, action: Action) -> None:
    first = _setup(web)
    client = web.login(ACCOUNT[role])
    status = REQUESTS[action](web, client, first)
    if action in PERMISSIONS[role]:
        assert status in (200, 303), f"{role} should be allowed to {action} (got {status})"
    else:
        assert status == 403, f"{role} must not {action} (got {status})"


def test_docs_roles_table_is_the_enforced_table() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "roles.md").read_text(encoding="utf-8")
    assert table_markdown() in doc
