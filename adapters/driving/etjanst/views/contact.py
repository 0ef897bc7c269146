"""Mina uppgifter → Avisering: where the applicant wants to be told that something happened in the e-service
(an e-mail address and/or a mobile number, the fields the configured channel uses; docs/etjanst.md "Avisering").
Stored keyed by the person's keyed HMAC (adapters/driven/db/etjanst_contact.py) with the time of consent; the
person can remove it. Showing the stored contact is a read of personal data (the access log); saving and
removing are audit events that say which kinds were given, never the address or number."""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from adapters.driving.etjanst.common import N_, Ctx, ctx_of, form_of, render

EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
MOBILE_SE = re.compile(r"(?:\+46|0046|0)(7\d{8})")  # a Swedish mobile number, 07x-xxx xx xx or +46 7x…
E164 = re.compile(r"\+[1-9]\d{7,14}")


def fields_for(ctx: Ctx) -> tuple[str, ...]:
    """The contact fields the configured channel uses (both for the log channel, the demo's)."""
    channel = getattr(getattr(ctx.services.notifier, "channel", None), "name", None)
    return {"smtp": ("email",), "sms": ("mobile",)}.get(channel or "", ("email", "mobile"))


def mobile_number(text: str) -> str | None:
    """The number in E.164 (+46701234567), or None when it is not a mobile number."""
    compact = re.sub(r"[\s\-()]", "", text)
    if found := MOBILE_SE.fullmatch(compact):
        return "+46" + found.group(1)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact if E164.fullmatch(compact) and not compact.startswith("+46") else None


def page(request: Request, ctx: Ctx, values: dict[str, str], errors: dict[str, str], saved: bool = False,
         status: int = 200) -> Response:
    stored = ctx.services.contacts.get(ctx.login.person_key)
    return render(request, "contact.html", status, ctx=ctx, values=values, errors=errors, fields=fields_for(ctx),
                  stored=stored, saved=saved)


def install(app: FastAPI) -> None:
    @app.get("/mina-uppgifter/avisering", include_in_schema=False)
    def show(request: Request, saved: str = "") -> Response:
        ctx = ctx_of(request)
        ctx.record("etjanst_contact", "etjanst:contact", [ctx.login.personnummer])
        stored = ctx.services.contacts.get(ctx.login.person_key)
        values = {"email": stored.email or "", "mobile": stored.mobile or ""} if stored else {}
        return page(request, ctx, values, {}, saved=saved == "1")

    @app.post("/mina-uppgifter/avisering", include_in_schema=False)
    async def save(request: Request) -> Response:
        ctx = ctx_of(request)
        form = await form_of(request, ctx)
        fields = fields_for(ctx)
        values = {k: str(form.get(k) or "").strip()[:254] for k in fields}
        errors: dict[str, str] = {}
        email = values.get("email") or None
        mobile: str | None = None
        if email is not None and not EMAIL.fullmatch(email):
            errors["email"] = N_("Write an e-mail address like name@example.com.")
        if values.get("mobile"):
            mobile = mobile_number(values["mobile"])
            if mobile is None:
                errors["mobile"] = N_("Write a mobile number like 070-123 45 67.")
        if not email and not values.get("mobile"):
            errors[fields[0]] = (N_("Write your e-mail address.") if fields == ("email",) else
                                 N_("Write your mobile number.") if fields == ("mobile",) else
                                 N_("Write an e-mail address or a mobile number, or both."))
        if not form.get("consent"):
            errors["consent"] = N_("Tick the box if you want us to send you messages.")
        if errors:
            ctx.record("etjanst_contact", "etjanst:contact", [ctx.login.personnummer])
            return page(request, ctx, values, errors, status=422)
        ctx.services.contacts.save(ctx.login.person_key, email, mobile)
        ctx.services.store.audit(ctx.actor, "notification_contact_saved", "etjanst:contact",
                                 {"email": email is not None, "mobile": mobile is not None})
        return RedirectResponse("/mina-uppgifter/avisering?saved=1", status_code=303)

    @app.post("/mina-uppgifter/avisering/ta-bort", include_in_schema=False)
    async def remove(request: Request) -> Response:
        ctx = ctx_of(request)
        await form_of(request, ctx)
        if ctx.services.contacts.remove(ctx.login.person_key):
            ctx.services.store.audit(ctx.actor, "notification_contact_removed", "etjanst:contact", {})
        return RedirectResponse("/mina-uppgifter/avisering?saved=1", status_code=303)
