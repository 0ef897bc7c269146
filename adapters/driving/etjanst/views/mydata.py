"""Mina uppgifter (GDPR art. 15): what finaid holds about the logged-in person's household, which registry
answers were used, and who has read the person's own data and why (the access log, answered for that person;
a partner sees their own by logging in themselves). A protected identity's details are never shown to
someone else in the household: only that such a person exists."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from adapters.driving.etjanst import forms
from adapters.driving.etjanst.common import N_, ctx_of, render

PURPOSE = {
    "handlaggning": N_("handling your application"), "uppfoljning": N_("follow-up"),
    "revision": N_("internal control"), "tillsyn": N_("supervision by an authority"),
    "impact_analysis": N_("checking the effect of new rules"), "registerutdrag": N_("you read your own information"),
    "drift": N_("operations (technical)"),
}
WHO = {"user": N_("A case worker or other staff member"), "citizen": N_("You (the e-service)"),
       "system": N_("finaid's automatic processing"), "api": N_("The municipality's case system")}
ANSWER = {"ok": N_("Answered"), "no_data": N_("Nothing registered"), "unavailable": N_("Did not answer")}
AUTHORITY = {"skatteverket": "Skatteverket", "forsakringskassan": "Försäkringskassan",
             "pensionsmyndigheten": "Pensionsmyndigheten", "arbetsformedlingen": "Arbetsförmedlingen",
             "akassa": N_("Unemployment fund (a-kassa)"), "csn": "CSN", "migrationsverket": "Migrationsverket"}


def who(actor: str, own: str) -> str:
    if actor == own:
        return WHO["citizen"]
    kind = actor.split(":", 1)[0]
    if kind == "citizen":
        return N_("Another person in your household (the e-service)")
    return WHO.get(kind, WHO["system"])


def install(app: FastAPI) -> None:
    @app.get("/mina-uppgifter", include_in_schema=False)
    def my_data(request: Request) -> Response:
        ctx = ctx_of(request)
        pnr = ctx.login.personnummer
        last = ctx.services.store.last_bundle(pnr)
        members: list[dict[str, Any]] = []
        hidden = 0
        registry: list[dict[str, Any]] = []
        application: dict[str, Any] = {}
        if last is not None:
            protected = forms.protected_of(last)
            application = last["application"]
            for m in application["household"]:
                if m["personnummer"] in protected and m["personnummer"] != pnr:
                    hidden += 1
                else:
                    members.append(m)
            shown = {m["personnummer"] for m in members}
            registry = [e for e in last.get("registry") or [] if e["person"] in shown]
            ctx.record("etjanst_my_data", f"application:{application['id']}", sorted(shown))
        accesses = ctx.services.access.accesses_of(pnr)
        return render(request, "mydata.html", ctx=ctx, application=application, members=members, hidden=hidden,
                      registry=registry, accesses=list(reversed(accesses)), who=who, PURPOSE=PURPOSE, ANSWER=ANSWER,
                      AUTHORITY=AUTHORITY, f=forms)
