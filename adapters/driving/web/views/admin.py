"""Administration: users, their roles and accounts."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from adapters.driving.web.accounts import add_user, list_units, list_users, set_active, set_roles
from adapters.driving.web.accounts import unlock as unlock_user
from adapters.driving.web.auth import AuthError
from adapters.driving.web.roles import Action, Role
from adapters.driving.web.views.common import (
    PageForbidden,
    _ctx,
    _form,
    render,
)


def install(app: FastAPI) -> None:
    @app.get("/admin/users", include_in_schema=False)
    def admin_users(request: Request, error: str = "") -> Response:
        ctx = _ctx(request)
        ctx.require(Action.MANAGE_USERS)
        return render(request, "admin_users.html", ctx=ctx, users=list_users(ctx.services.db, ctx.services.clock),
                      units=list_units(ctx.services.db), roles=list(Role), errors=[error[:200]] if error else [])

    @app.post("/admin/users", include_in_schema=False)
    async def admin_add_user(request: Request) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.MANAGE_USERS)
        form = await _form(request, ctx)
        try:
            add_user(ctx.services.db, str(form.get("username") or ""), str(form.get("display_name") or "")[:128],
                     str(form.get("password") or ""), [str(r) for r in form.getlist("roles")],
                     [str(u) for u in form.getlist("units")], ctx.identity.actor,
                     title=str(form.get("title") or "")[:128] or None, clock=ctx.services.clock)
        except AuthError as e:
            return RedirectResponse(f"/admin/users?error={quote(str(e))}", status_code=303)
        return RedirectResponse("/admin/users", status_code=303)

    @app.post("/admin/users/{username}", include_in_schema=False)
    async def admin_change_user(request: Request, username: str) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.MANAGE_USERS)
        form = await _form(request, ctx)
        op = str(form.get("op") or "")
        try:
            if op == "roles":
                set_roles(ctx.services.db, username, [str(r) for r in form.getlist("roles")], ctx.identity.actor,
                          ctx.services.clock)
            elif op == "unlock":
                unlock_user(ctx.services.db, username, ctx.identity.actor, ctx.services.clock)
            elif op in ("disable", "enable"):
                set_active(ctx.services.db, username, op == "enable", ctx.identity.actor, ctx.services.clock)
            else:
                raise PageForbidden()
        except AuthError as e:
            return RedirectResponse(f"/admin/users?error={quote(str(e))}", status_code=303)
        return RedirectResponse("/admin/users", status_code=303)
