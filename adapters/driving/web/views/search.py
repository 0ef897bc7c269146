"""Search: a household's cases by personnummer (or, once the case bundle carries names, by name).

The personnummer travels only in a POST body — never in a URL, a query string or a log line — and the page
is the POST's answer (no redirect that could carry it). Every search is an access-log entry with the purpose
the person chose (and the searched person's keyed HMAC, so a data subject's ``audit access`` lists it),
written before anything is shown. Protected identities are found only by roles that may see them
(:func:`adapters.driving.web.scope.visible`); for anyone else the search answers as if they did not exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from adapters.driving.web import household
from adapters.driving.web.roles import Action, search_purposes
from adapters.driving.web.views.common import AccessNotRecorded, Ctx, _ctx, _form, render
from adapters.driving.web.views.gate import reference_error, stating
from audit.access import AccessLogError, person_key
from decision import personnummer as pnr


def _page(request: Request, ctx: Ctx, status: int = 200, **data: Any) -> Response:
    return render(request, "search.html", status, ctx=ctx, purposes=search_purposes(ctx.identity.roles),
                  names_in_model=household.NAMES_IN_MODEL, stating=stating(ctx), **data)


def install(app: FastAPI) -> None:
    @app.get("/search", include_in_schema=False)
    def search_page(request: Request) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.SEARCH)
        return _page(request, ctx, results=None, errors={}, form={})

    @app.post("/search", include_in_schema=False)
    async def search_post(request: Request) -> Response:
        ctx = _ctx(request)
        ctx.require(Action.SEARCH)
        form = await _form(request, ctx)
        raw = str(form.get("personnummer") or "").strip()
        name = str(form.get("namn") or "").strip()[:100]
        purpose = str(form.get("purpose") or "")
        reference = str(form.get("reference") or "").strip()
        errors: dict[str, str] = {}
        if purpose not in search_purposes(ctx.identity.roles):
            errors["purpose"] = "Välj ändamålet med sökningen."
        if stating(ctx) and (e := reference_error(reference)):
            errors["reference"] = e
        number = None
        if raw:
            try:
                number = pnr.normalise(raw)
            except ValueError:
                errors["personnummer"] = ("Personnumret är inte giltigt: skriv tolv siffror (ÅÅÅÅMMDDNNNN) eller "
                                          "ÅÅÅÅMMDD-NNNN, med rätt kontrollsiffra.")
        elif not name:
            errors["personnummer"] = "Skriv ett personnummer att söka på."
        shown = {"personnummer": raw, "namn": name, "purpose": purpose, "reference": reference}
        if errors:
            return _page(request, ctx, 422, results=None, errors=errors, form=shown)
        key = person_key(ctx.services.config.hmac_key, number) if number else None
        try:  # the search is logged before anything is shown, with the searched person (by HMAC) and the purpose
            ctx.services.access.record(ctx.identity.actor, purpose, "web", "search",
                                       f"search:{'personnummer' if number else 'namn'}", [number] if number else [])
        except AccessLogError:
            raise AccessNotRecorded() from None
        with ctx.services.db.read() as s:
            results = household.search(s, ctx.identity, key, name or None)
        return _page(request, ctx, results=results, errors={}, form=shown, by_name_only=not number and bool(name))
