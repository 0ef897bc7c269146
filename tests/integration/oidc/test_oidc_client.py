"""The reusable OpenID Connect client (adapters/driven/identity/oidc.py) against the real provider on loopback:
discovery, the code flow with PKCE, state and nonce, ID-token validation, and RP-initiated logout."""

from __future__ import annotations

import json

import pytest

from adapters.driven.identity.oidc import OidcClient, OidcConfig, OidcError
from adapters.driven.identity.urls import issuer_problem
from tests.integration.oidc.conftest import AFTER_LOGOUT, REDIRECT, Browser, Provider, query


@pytest.fixture(scope="module")
def client(provider: Provider) -> OidcClient:
    return OidcClient(OidcConfig(provider.issuer, provider.client_id, provider.client_secret,
                                 scopes=("openid", "profile", "groups")))


def test_discovery_names_the_configured_issuer(client: OidcClient, provider: Provider) -> None:
    md = client.metadata()
    assert md["issuer"] == provider.issuer
    assert md["end_session_endpoint"].startswith(provider.issuer)


def test_the_code_flow_with_pkce_yields_the_subject_and_groups(client: OidcClient, browser: Browser) -> None:
    url, blob = client.begin(REDIRECT)
    params = query(url)
    assert params["code_challenge_method"] == "S256" and params["nonce"] and params["state"]
    assert json.loads(blob)["verifier"] not in url  # only the challenge travels
    back = browser.sign_in(url, "anna")
    assert back.startswith(REDIRECT)
    claims = client.finish(query(back), blob)
    assert claims.subject == "anna"
    assert claims.groups == ("alla-anstallda", "fs-handlaggare-nord")
    assert claims.claims["name"] == "Anna Andersson"
    assert claims.id_token not in repr(claims)


def test_a_callback_for_another_login_is_refused(client: OidcClient, browser: Browser) -> None:
    url, blob = client.begin(REDIRECT)
    _, other_blob = client.begin(REDIRECT)
    back = browser.sign_in(url, "anna")
    with pytest.raises(OidcError) as e:
        client.finish(query(back), other_blob)
    assert e.value.reason == "state"
    assert client.finish(query(back), blob).subject == "anna"
    with pytest.raises(OidcError) as e:  # a code is used once
        client.finish(query(back), blob)
    assert e.value.reason == "token"


def test_a_wrong_nonce_fails_the_id_token(client: OidcClient, browser: Browser) -> None:
    url, blob = client.begin(REDIRECT)
    back = browser.sign_in(url, "anna")
    forged = {**json.loads(blob), "nonce": "not-the-nonce"}
    with pytest.raises(OidcError) as e:
        client.finish(query(back), json.dumps(forged))
    assert e.value.reason == "id_token" and "nonce" in str(e.value)


def test_an_error_from_the_provider_is_named(client: OidcClient) -> None:
    _, blob = client.begin(REDIRECT)
    state = json.loads(blob)["state"]
    with pytest.raises(OidcError, match="access_denied") as e:
        client.finish({"error": "access_denied", "state": state}, blob)
    assert e.value.reason == "provider_refused"


def test_logout_ends_the_providers_session(client: OidcClient, browser: Browser) -> None:
    url, blob = client.begin(REDIRECT)
    claims = client.finish(query(browser.sign_in(url, "bertil")), blob)
    url2, blob2 = client.begin(REDIRECT)
    assert browser.follow(url2, REDIRECT).startswith(REDIRECT)  # single sign-on: no login page the second time
    logout = client.logout_url(claims.id_token, AFTER_LOGOUT, state="s1")
    assert logout is not None
    after = browser.end_session(logout)
    assert after.startswith(AFTER_LOGOUT) and query(after)["state"] == "s1"
    url3, _ = client.begin(REDIRECT)
    assert browser.follow(url3, REDIRECT).startswith("page:")  # the provider asks again


def test_an_unreachable_issuer_is_named() -> None:
    c = OidcClient(OidcConfig("http://127.0.0.1:9", "x", "y", timeout_s=2))
    with pytest.raises(OidcError, match=r"127\.0\.0\.1:9/\.well-known/openid-configuration does not answer"):
        c.metadata()


def test_issuer_urls_must_be_https_except_on_loopback() -> None:
    assert issuer_problem("https://login.kommun.se/realms/finaid") is None
    assert issuer_problem("http://127.0.0.1:8080") is None
    assert "https" in (issuer_problem("http://login.kommun.se") or "")
    assert issuer_problem("login.kommun.se") is not None
