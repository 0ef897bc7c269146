"""What the e-service's tests share: a decided database of the example households, the app on it with the
demo clock, a browser-like client that fills in forms as they are rendered, and small PDF/PNG makers."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient

from adapters.driven.clock import DemoClock
from adapters.driven.db.engine import Database
from adapters.driven.notify import LogNotifier
from adapters.driving.etjanst.app import create_etjanst_app
from adapters.driving.etjanst.config import EtjanstConfig

KEY = b"finaid-browser-test-hmac-key-0123456789"  # tests/e2e/browserkit.py's (its decided database)
TODAY = date(2026, 12, 3)
V2_DAY = date(2026, 12, 4)  # the packs that take finaid.case-bundle/2 (the _v3 packs) are published
APPLICANT = "198507092388"  # example 01: a couple with two children
PARTNER = "198703114424"
OTHER = "199104173183"  # example 02: another household


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    selects: dict[str, str] = field(default_factory=dict)

    def data(self, **changes: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in [*self.fields, *self.selects.items()]:
            out[k] = v
        out.update(changes)
        return out


class Forms(HTMLParser):
    """The forms of a page as a browser would send them (hidden and text inputs, ticked boxes, selections)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None
        self._first = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", "")))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("hidden", "text") or (kind == "checkbox" and "checked" in a) or (
                    kind == "radio" and "checked" in a):
                self.forms[-1].fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = a.get("name")
            self._first = True
            self.forms[-1].selects.setdefault(self._select or "", "")
        elif tag == "option" and self._select and ("selected" in a or self._first):
            self.forms[-1].selects[self._select] = a.get("value", "")  # the first option unless one is selected
            self._first = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def form(html: str, action: str) -> Form:
    parser = Forms()
    parser.feed(html)
    for f in parser.forms:
        if f.action == action:
            return f
    raise AssertionError(f"no form {action} on the page")


def app_on(db: Database, today: date = TODAY, **kw: Any) -> tuple[TestClient, LogNotifier]:
    notifier = LogNotifier()
    config = EtjanstConfig(demo=True, secure_cookies=False, hmac_key=KEY, pdf=False, **kw)
    app = create_etjanst_app(config, db, clock=DemoClock(today), notifier=notifier)
    return TestClient(app), notifier


def login(client: TestClient, pnr: str) -> None:
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = client.post("/login", data={"csrf_token": token.group(1), "personnummer": pnr, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/", r.text


def new_draft(client: TestClient, pnr: str) -> str:
    """Log in and start the month's application: the draft's address (its first part is /del/hushall)."""
    login(client, pnr)
    home = client.get("/")
    r = client.post("/ansokan/ny", data=form(home.text, "/ansokan/ny").data(), follow_redirects=False)
    assert r.status_code == 303
    return one_page(r.headers["location"])


def one_page(location: str) -> str:
    """A new draft starts at its first part (/ansokan/<id>/del/hushall); the one-page form of the whole
    application (/ansokan/<id>) stays for who prefers it — these tests fill that one in."""
    assert location.startswith("/ansokan/") and location.endswith("/del/hushall"), location
    return location.removesuffix("/del/hushall")


def png(width: int = 40, height: int = 30, exif: bool = True) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (width, height), (200, 30, 30))
    out = io.BytesIO()
    info: dict[str, Any] = {}
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "SecretCameraMaker"  # Make
        info["exif"] = ex.tobytes()
    img.save(out, format="PNG", **info)
    return out.getvalue()


def pdf(javascript: bool = False, embedded: bool = False) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    if javascript:
        w._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('hej');")})
    if embedded:
        w.add_attachment("program.exe", b"MZ")
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()
