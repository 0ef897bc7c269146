"""Printable and readable (issue 12 items 6 and 8): the letter PDF is tagged (PDF/UA-1), and every rendered
page and letter is Swedish a person can read — spelled right (hunspell's Swedish dictionary plus the
project glossary ``glossary-sv.dic``), with no raw code or Python value outside the small-type code label
and with times in Stockholm time with the zone.

One database and one app for the module (the web app in-process, as HTTP); a handler signs a GRANT, a
PARTIAL and a REJECT proposal and an amended one so that there are letters of each kind.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.driven.db.engine import Database
from adapters.driving.web.app import WebConfig, create_app
from tests.e2e.browserkit import KEY, ROOT, decided_database
from tests.e2e.pages import app_id, morning_report
from tests.e2e.readable import HAS_HUNSPELL, NO_HUNSPELL, raw_codes, unknown_words, visible_text, words

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SIGNED = {"01": "approve", "03": "approve", "13": "approve", "02": "amend"}
PDFTOTEXT = shutil.which("pdftotext")


@dataclass
class Site:
    db: Database
    app: Any
    folder: Path
    letters: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # number -> (html, pdf)
    pages: dict[str, str] = field(default_factory=dict)  # name -> html


def _client(app: Any, username: str) -> TestClient:
    c = TestClient(app, base_url="http://testserver")
    token = CSRF.search(c.get("/login").text)
    assert token
    r = c.post("/login", data={"csrf_token": token.group(1), "username": username,
                               "password": f"demo-{username}", "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, username
    return c


def _sign(c: TestClient, number: str, action: str) -> None:
    case = f"/case/{app_id(number)}"
    page = c.get(case).text
    token = CSRF.search(page)
    decision = re.search(r'name="decision_id" value="([^"]+)"', page)
    assert token and decision
    data = {"csrf_token": token.group(1), "decision_id": decision.group(1), "action": action}
    if action == "amend":  # the rent (line of cost.rent) 300 kr lower, as a Swedish person writes it
        line = re.search(r'id="line-(\d+)">\s*<td>[^<]*(?:<span class="flag"[^>]*>[^<]*</span>)?\s*'
                         r'<span class="code">cost\.rent</span>', c.get(f"{case}?andra=1").text)
        assert line
        i = line.group(1)
        edit = c.get(f"{case}?andra=1").text
        value = re.search(rf'name="amount_{i}"[^>]*value="([^"]+)"', edit)
        assert value
        kr = int(value.group(1).split(",")[0].replace("\u00a0", "")) - 300  # pre-filled as "8 100,00"
        data |= {f"amount_{i}": f"{kr // 1000} {kr % 1000:03d},00" if kr >= 1000 else f"{kr},00",
                 f"reason_{i}": "kostnad.ej_styrkt", f"motivation_{i}": "Hyresavin gäller en annan månad."}
    r = c.post(f"{case}/sign", data=data, follow_redirects=False)
    assert r.status_code == 303, (number, r.text[:2000])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("printable")
    db = decided_database(folder / "finaid.db")
    app = create_app(WebConfig(demo=True, secure_cookies=False, hmac_key=KEY), db)
    s = Site(db, app, folder)
    handler = _client(app, "handlaggare1")
    for number, action in SIGNED.items():
        _sign(handler, number, action)
        s.letters[number] = (handler.get(f"/case/{app_id(number)}/letter").text,
                             handler.get(f"/case/{app_id(number)}/letter.pdf").content)
    supervisor = _client(app, "supervisor1")  # sees protected identities too
    s.pages["login"] = TestClient(app).get("/login").text
    s.pages["queue"] = handler.get("/queue").text
    s.pages["account"] = handler.get("/account").text
    s.pages["not-found"] = handler.get("/case/APP-0000-000000").text
    s.pages["amend"] = handler.get(f"/case/{app_id('06')}?andra=1").text
    for file in sorted((ROOT / "examples" / "bundles").glob("*.json")):
        s.pages[f"case-{file.name[:2]}"] = supervisor.get(f"/case/{app_id(file.name[:2])}").text
    s.pages["statistics"] = supervisor.get("/statistics").text
    s.pages["access-log"] = _client(app, "auditor1").get("/access-log").text
    s.pages["admin-users"] = _client(app, "admin1").get("/admin/users").text
    s.pages["morning-report"] = morning_report(db, folder).read_text(encoding="utf-8")
    for number, (html, _) in s.letters.items():
        s.pages[f"letter-{number}"] = html
    try:
        yield s
    finally:
        db.dispose()


def _pdf_text(pdf: bytes, folder: Path, name: str) -> str:
    assert PDFTOTEXT, "pdftotext is missing: apt-get install -y poppler-utils (make test)"
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run([PDFTOTEXT, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _struct_types(node: Any, out: list[str], depth: int = 0) -> None:
    """The structure elements' types in document order (a depth-first walk of the structure tree)."""
    import pikepdf

    if depth > 60:
        return
    if isinstance(node, pikepdf.Dictionary) and "/S" in node:
        out.append(str(node.S))
    kids = node.get("/K") if isinstance(node, pikepdf.Dictionary) else None
    if isinstance(kids, pikepdf.Array):
        for k in kids:
            _struct_types(k, out, depth + 1)
    elif isinstance(kids, pikepdf.Dictionary):
        _struct_types(kids, out, depth + 1)


def test_the_letter_pdf_is_tagged_with_language_title_structure_and_reading_order(site: Site) -> None:
    import pikepdf

    for number, (_, pdf) in site.letters.items():
        assert pdf[:5] == b"%PDF-", number
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            root = doc.Root
            assert str(root.Lang) == "sv", number
            assert bool(root.MarkInfo.Marked), number
            assert bool(root.ViewerPreferences.DisplayDocTitle), number
            assert str(doc.docinfo.Title).startswith("Beslut om ekonomiskt bistånd – "), number
            assert 'pdfuaid:part="1"' in root.Metadata.read_bytes().decode(), number
            types: list[str] = []
            _struct_types(root.StructTreeRoot, types)
            for tag in ("/H1", "/H2", "/P", "/Table", "/TH", "/TD", "/L", "/LI"):
                assert tag in types, (number, tag)
            assert types.index("/H1") < types.index("/Table"), number  # the heading before the calculation
        text = re.sub(r"\s+", " ", _pdf_text(pdf, site.folder, f"letter-{number}"))
        order = ["Beslut om ekonomiskt bistånd", "försörjningsstöd", "Så har vi räknat", "Beviljat belopp",
                 "Skäl för beslutet", "Det här behöver du göra", "Hur du överklagar", "inom tre veckor",
                 "Beslutsdatum", "Beslutsfattare"]
        at = [text.find(s) for s in order]
        assert -1 not in at and at == sorted(at), (number, dict(zip(order, at, strict=True)))


def test_no_page_or_letter_shows_a_code_a_python_value_or_a_time_without_its_zone(site: Site) -> None:
    found = {name: raw_codes(visible_text(html)) for name, html in site.pages.items()}
    for number, (_, pdf) in site.letters.items():
        found[f"letter-{number}.pdf"] = raw_codes(_pdf_text(pdf, site.folder, f"codes-{number}"))
    assert not {k: v for k, v in found.items() if v}, {k: v for k, v in found.items() if v}
    for name, html in site.pages.items():  # a time of day is always followed by its zone
        text = visible_text(html)
        bare = [m.group(0) for m in re.finditer(r"\b\d{1,2}:\d{2}(?::\d{2})?\b(?! ?(?:CET|CEST))", text)]
        assert not bare, (name, bare)


@pytest.mark.skipif(not HAS_HUNSPELL, reason=NO_HUNSPELL)
def test_every_page_and_letter_is_spelled_right_in_swedish(site: Site) -> None:
    per_page = {name: words(visible_text(html)) for name, html in site.pages.items()}
    for number, (_, pdf) in site.letters.items():
        per_page[f"letter-{number}.pdf"] = words(_pdf_text(pdf, site.folder, f"spell-{number}"))
    unknown = set(unknown_words(set().union(*per_page.values())))
    where = {w: sorted(n for n, ws in per_page.items() if w in ws)[:3] for w in sorted(unknown)}
    assert not unknown, where


@pytest.mark.parametrize(("at", "shown"), [
    ("2026-12-03T13:05:00+00:00", "2026-12-03 14:05 CET"),
    ("2026-07-01T13:05:00+00:00", "2026-07-01 15:05 CEST"),
    ("2026-12-03T13:05:00", "2026-12-03 14:05 CET"),  # stored without a zone: UTC, shown in Stockholm time
])
def test_a_time_is_shown_in_stockholm_time_with_its_zone_on_the_web_and_in_the_cli(at: str, shown: str) -> None:
    from datetime import datetime

    from adapters.driving.cli.common import stockholm
    from adapters.driving.web.presentation import when

    assert when(at) == shown
    assert stockholm(datetime.fromisoformat(at)) == stockholm(at) == shown.replace(" C", ":00 C")


def test_the_checks_themselves_find_a_misspelling_a_code_and_a_bare_time() -> None:
    html = ('<p title="Motivering">Beslutt om bistånd <span class="code">labour.not_registered</span> '
            '<code>proposed</code> kl. 13:05</p><p>protected_identity: False, 2026-12-03T13:05:00+01:00</p>')
    text = visible_text(html)
    assert "labour" not in text and "Motivering" in text
    assert raw_codes(text) == ["+01:00", "2026-12-03T13:05", "False", "protected_identity"]
    if HAS_HUNSPELL:
        assert unknown_words(words(visible_text(html.split("</p>", maxsplit=1)[0]))) == ["Beslutt"]
