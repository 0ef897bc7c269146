"""Pure parts of the web app: reason codes, amounts typed by a handler, outcomes, the role table."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.driving.web import reason_codes
from adapters.driving.web.roles import PERMISSIONS, Action, Role, allowed, purpose_for
from adapters.driving.web.signoff import derive_outcome
from adapters.driving.web.templating import environment, kr_form
from adapters.driving.web.views.case import _parse_amount
from adapters.driving.web.views.common import _safe_next


def test_the_shipped_reason_codes_serve_any_municipality_and_cover_every_category() -> None:
    codes = reason_codes.for_municipality("1287")
    assert codes.id == "default_v1" and codes.hash.startswith("sha256:")
    for category in reason_codes.CATEGORIES:
        assert codes.offered(category, date(2026, 1, 1)), category


def test_a_retired_code_is_not_offered_but_still_resolves(tmp_path: Path) -> None:
    folder = tmp_path / "kommun_v1"
    folder.mkdir()
    (folder / "reason_codes.yaml").write_text(
        "id: kommun_v1\nmunicipalities: ['0180']\nversion: 2\ncodes:\n"
        "  - {code: a, category: override, label: Gammal, retired: 2025-01-01}\n"
        "  - {code: b, category: override, label: Ny}\n", encoding="utf-8")
    codes = reason_codes.for_municipality("0180", tmp_path)
    assert codes.id == "kommun_v1" and codes.version == 2
    assert [c.code for c in codes.offered("override", date(2026, 1, 1))] == ["b"]
    assert codes.check("a", "override", date(2026, 1, 1)) is None
    assert codes.check("a", "override", date(2024, 6, 1)) is not None
    assert codes.label("a") == "Gammal"
    assert reason_codes.for_municipality("1287", tmp_path).id == "default_v1"


@pytest.mark.parametrize(("text", "ore"), [("2400", 240_000), ("2 400", 240_000), ("2\u00a0400,50", 240_050),
                                           ("2400.5", 240_050), ("0", 0), ("2400 kr", 240_000)])
def test_amounts_as_handlers_type_them(text: str, ore: int) -> None:
    assert _parse_amount(text) == ore


@pytest.mark.parametrize("text", ["", "-5", "1e3", "abc", "12,345", "9999999999"])
def test_amounts_that_are_refused(text: str) -> None:
    assert _parse_amount(text) is None


@pytest.mark.parametrize(("amount", "shown"), [
    ("3940.00", "3\u00a0940,00"), ("0.00", "0,00"), ("999.50", "999,50"), ("1000.00", "1\u00a0000,00"),
    ("12345678.05", "12\u00a0345\u00a0678,05"), ("-250.00", "-250,00"),
])
def test_amount_fields_are_pre_filled_as_a_swedish_person_writes_them(amount: str, shown: str) -> None:
    assert kr_form(amount) == shown


@given(st.integers(min_value=0, max_value=99_999_999_999))
def test_an_untouched_pre_filled_field_equals_the_proposal_in_ore(ore: int) -> None:
    """What the amend fields print, the form reads back to the same öre (so it is not a change)."""
    shown = kr_form(f"{ore // 100}.{ore % 100:02d}")
    assert _parse_amount(shown) == ore
    assert _parse_amount(shown.replace("\u00a0", " ")) == ore  # a plain space, as typed
    assert _parse_amount(shown.replace("\u00a0", "\u2009")) == ore  # a thin space, as pasted
    assert _parse_amount(shown.replace("\u00a0", "\u202f")) == ore  # a narrow no-break space


def test_the_municipality_shows_its_name_from_the_settings_with_the_code_in_small_type() -> None:
    macro = environment().from_string(
        '{% from "municipality.html" import kommun with context %}{{ kommun(code) }}')
    named = macro.render(code="1287", KOMMUN_NAMN={"1287": "Trelleborgs <kommun>"})
    assert named == 'Trelleborgs &lt;kommun&gt; <span class="code">1287</span>'
    assert macro.render(code="0180", KOMMUN_NAMN={"1287": "Trelleborgs kommun"}) == "0180"
    assert macro.render(code="0180", KOMMUN_NAMN={}) == "0180"


def test_outcome_from_the_decided_and_applied_totals() -> None:
    assert derive_outcome(0, 500_000) == "avslag"
    assert derive_outcome(500_000, 500_000) == "beviljat"
    assert derive_outcome(400_000, 500_000) == "delvis_beviljat"


def test_roles() -> None:
    assert not any(allowed([Role.ADMINISTRATOR], a) for a in Action if a is not Action.MANAGE_USERS)
    assert all(a not in PERMISSIONS[Role.AUDITOR] for a in (Action.SIGN, Action.RETURN, Action.SECOND_SIGN,
                                                            Action.FETCH_AGAIN))
    assert purpose_for([Role.AUDITOR]) == "revision" and purpose_for([Role.HANDLER, Role.AUDITOR]) == "handlaggning"


@pytest.mark.parametrize(("given", "safe"), [("/queue", "/queue"), ("//evil.example", "/"),
                                             ("https://evil.example", "/"), ("/\\evil", "/"), ("", "/")])
def test_login_redirects_stay_on_the_site(given: str, safe: str) -> None:
    assert _safe_next(given) == safe


def test_insecure_cookies_are_refused_outside_demo_mode_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.driving.web.app import WebConfig
    from adapters.settings import settings
    from decision.errors import ConfigurationError

    monkeypatch.setenv("FINAID_HMAC_KEY", "a-test-key-that-is-long-enough")
    monkeypatch.setenv("FINAID_WEB_SECURE_COOKIES", "false")
    for mode, host, ok in (("production", "127.0.0.1", False), ("demo", "0.0.0.0", False),  # noqa: S104
                           ("demo", "127.0.0.1", True)):
        monkeypatch.setenv("FINAID_MODE", mode)
        settings.cache_clear()
        try:
            if ok:
                assert WebConfig.from_settings(host).secure_cookies is False
            else:
                with pytest.raises(ConfigurationError):
                    WebConfig.from_settings(host)
        finally:
            settings.cache_clear()
    monkeypatch.delenv("FINAID_WEB_SECURE_COOKIES")
    monkeypatch.setenv("FINAID_MODE", "production")
    settings.cache_clear()
    try:
        assert WebConfig.from_settings("127.0.0.1").secure_cookies is True
    finally:
        settings.cache_clear()
