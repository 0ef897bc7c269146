"""The inspector's gate (IVO, JO: tillsyn): a purpose and a supervision reference before any case is shown
(adapters/driving/web/views/inspect.py opens the case; search.py asks for the reference with the search)."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import Response

from adapters.driving.web.roles import STATED_PURPOSE
from adapters.driving.web.views.common import Ctx, render, visible_case

REFERENCE = re.compile(r"[A-Za-z0-9ÅÄÖåäö .:/\-]{3,64}")


def stating(ctx: Ctx) -> bool:
    """Whether this person states a purpose and a reference before every case (inspectors, tillsyn)."""
    return bool(ctx.identity.roles & STATED_PURPOSE)


def reference_error(text: str) -> str | None:
    if not REFERENCE.fullmatch(text):
        return ("Ange tillsynsärendets diarienummer (3–64 tecken: bokstäver, siffror, mellanslag och . : / -); "
                "skriv inga personuppgifter.")
    return None


def purpose_form(request: Request, ctx: Ctx, app_id: str, error: str | None = None, status: int = 200) -> Response:
    """The page an inspector sees before a case: purpose and reference, nothing of the case but its id."""
    with ctx.services.db.read() as s:
        visible_case(ctx, s, app_id)
    return render(request, "inspect.html", status, ctx=ctx, app_id=app_id, error=error)
