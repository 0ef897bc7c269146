"""``finaid doctor`` with single sign-on: the administrator check counts the identity provider, the issuer must
answer discovery, the settings must be complete and the group map's units must exist — each ✗ saying what
to do; the settings' errors name the setting."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.bootstrap import bootstrap
from adapters.driving.cli.checks import Check, run_checks
from adapters.settings import Settings, settings
from decision.errors import ConfigurationError
from tests.integration.oidc.conftest import GROUP_MAP, Provider, fresh_copy

TODAY = date(2026, 11, 25)


def doctor(fields: dict[str, Any]) -> dict[str, Check]:
    return {c.name: c for c in run_checks(bootstrap(Settings(**fields)), TODAY)}


@pytest.fixture
def sso(provider: Provider, migrated: Path, tmp_path: Path) -> dict[str, Any]:
    """A database with no administrator at all, and single sign-on configured."""
    return dict(db_url=f"sqlite:///{fresh_copy(migrated, tmp_path)}", hmac_key="k" * 64,
                web_session_secret="s" * 64, oidc_issuer=provider.issuer, oidc_client_id=provider.client_id,
                oidc_client_secret=provider.client_secret, oidc_group_map=json.dumps(GROUP_MAP))


def test_the_identity_provider_counts_as_the_way_in_and_answers_discovery(sso: dict[str, Any],
                                                                         provider: Provider) -> None:
    found = doctor(sso)
    assert found["administrator"].ok, found["administrator"].line()
    assert "0 active administrator(s); handlers sign in through the identity provider" in found["administrator"].line()
    assert found["identity provider"].line().startswith(f"✓ identity provider: {provider.issuer} answers discovery "
                                                        "(with a logout endpoint); 4 group(s) mapped")
    assert found["group map units"].ok


def test_an_issuer_that_does_not_answer_is_a_cross(sso: dict[str, Any]) -> None:
    sso["oidc_issuer"] = "http://127.0.0.1:9"
    line = doctor(sso)["identity provider"].line()
    assert line.startswith("✗ identity provider: the identity provider's discovery document at "
                           "http://127.0.0.1:9/.well-known/openid-configuration does not answer"), line
    assert "— check FINAID_OIDC_ISSUER" in line


def test_incomplete_settings_and_unknown_units_are_crosses(sso: dict[str, Any]) -> None:
    sso.pop("oidc_client_secret")
    line = doctor(sso)["identity provider"].line()
    assert "✗ identity provider: FINAID_OIDC_CLIENT_SECRET: not set" in line, line
    sso["oidc_client_secret"] = "x" * 32
    sso["oidc_group_map"] = json.dumps({"g": {"roles": ["handler"], "units": ["vast"]}})
    found = doctor(sso)
    assert found["group map units"].line().startswith("✗ group map units: missing vast — create them")


@pytest.mark.parametrize(("env", "value", "message"), [
    ("FINAID_OIDC_ISSUER", "http://login.kommun.se", "FINAID_OIDC_ISSUER: must use https"),
    ("FINAID_OIDC_GROUP_MAP", "{not json", "FINAID_OIDC_GROUP_MAP: is not valid JSON"),
    ("FINAID_OIDC_GROUP_MAP", '{"g": {"roles": []}}', "FINAID_OIDC_GROUP_MAP: group 'g': names no role"),
    ("FINAID_OIDC_GROUP_MAP", "/nonexistent/map.json", "FINAID_OIDC_GROUP_MAP: is neither a JSON object nor"),
    ("FINAID_OIDC_SCOPES", "profile email", "FINAID_OIDC_SCOPES: must include openid"),
    ("FINAID_OIDC_TIMEOUT_S", "0", "FINAID_OIDC_TIMEOUT_S: "),
])
def test_each_setting_error_names_the_setting(monkeypatch: pytest.MonkeyPatch, env: str, value: str,
                                              message: str) -> None:
    monkeypatch.setenv(env, value)
    settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError) as e:
            settings()
        assert str(e.value).startswith(message), str(e.value)
    finally:
        settings.cache_clear()


def test_an_unknown_role_in_the_group_map_names_the_setting_and_the_allowed_roles(tmp_path: Path) -> None:
    from adapters.driving.web.config import sso_config

    file = tmp_path / "groups.json"
    file.write_text(json.dumps({"fs-chefer": {"roles": ["chef"], "units": []}}), encoding="utf-8")
    cfg = Settings(oidc_issuer="https://login.kommun.se/realms/finaid", oidc_client_id="finaid",
                   oidc_client_secret="x" * 32, oidc_group_map=str(file))
    with pytest.raises(ConfigurationError) as e:
        sso_config(cfg)
    assert str(e.value) == ("FINAID_OIDC_GROUP_MAP: group 'fs-chefer' names the unknown role 'chef' "
                            "(allowed: handler, supervisor, auditor, administrator, inspector)")
