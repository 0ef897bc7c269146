"""Search: a household's cases by personnummer, or by name (case bundle /2's member names).

The personnummer and the name travel only in a POST body — never in a URL, a query string or a log line —
and the page is the POST's answer (no redirect that could carry them). Every search is an access-log entry
with the purpose the person chose (and the searched person's keyed HMAC — by name, the keyed HMACs of the
persons found — so a data subject's ``audit access`` lists it), written before anything is shown. A name is
matched by its tokens' keyed HMACs (decision/names.py): every token typed must be a whole first or last name
of the same member; a part of a name finds nothing. Protected identities are found only by roles that may see them
(:func:`adapters.driving.web.scope.visible`); for anyone else the search answers as if they did not exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from adapters.driving.web import household
from adapters.driving.web.roles import Action, search_purposes
from adapters.driving.web.views.common import AccessNotRecorded, Ctx, _ctx, _form, render
from adapters.driving.web.views.gate import reference_error, stating
from audit.access import AccessLogError, name_key, person_key
from decision import names
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
        ctx = await run_in_threadpool(_ctx, request)  # the session is read from the database
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
        tokens = names.tokens(name)
        if name and not tokens:
            errors["namn"] = "Skriv ett helt för- eller efternamn (bokstäver, inte bara bindestreck)."
        if raw:
            try:
                number = pnr.normalise(raw)
            except ValueError:
                errors["personnummer"] = ("Personnumret är inte giltigt: skriv tolv siffror (ÅÅÅÅMMDDNNNN) eller "
                                          "ÅÅÅÅMMDD-NNNN, med rätt kontrollsiffra.")
        elif not name:
            errors["personnummer"] = "Skriv ett personnummer eller ett namn att söka på."
        shown = {"personnummer": raw, "namn": name, "purpose": purpose, "reference": reference}
        if errors:
            return _page(request, ctx, 422, results=None, errors=errors, form=shown)
        results = await run_in_threadpool(_search, ctx, number, tokens, purpose)  # the database off the event loop
        return _page(request, ctx, results=results, errors={}, form=shown, by_name_only=not number and bool(name))


def _search(ctx: Ctx, number: str | None, tokens: list[str], purpose: str) -> list[dict[str, Any]]:
    secret = ctx.services.config.hmac_key
    key = person_key(secret, number) if number else None
    with ctx.services.db.read() as s:  # only keyed HMACs reach the database, never the number or the name
        results = household.search(s, ctx.identity, key, [name_key(secret, t) for t in tokens],
                                   lambda p: person_key(secret, p))
    # the search is logged before anything is shown: the purpose, the searched person (by HMAC) and, by
    # name, the persons found in what this person may see (by HMAC; never the name)
    found = sorted({k for r in results for k in r["found"]} - {key}) if tokens else []
    kind = "+".join(k for k, v in (("personnummer", number), ("namn", tokens)) if v)
    try:
        ctx.services.access.record(ctx.identity.actor, purpose, "web", "search", f"search:{kind}",
                                   [number] if number else [], person_keys=found)
    except AccessLogError:
        raise AccessNotRecorded() from None
    return results
