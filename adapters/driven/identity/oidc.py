"""An OpenID Connect relying party (authlib over httpx): discovery, the authorization-code flow with PKCE (S256),
state and nonce, ID-token validation, the userinfo claims, and logout through the provider's
``end_session_endpoint`` (docs/operations.md "Single sign-on").

It knows nothing of the app that uses it — the handlers' app and the e-service alike::

    client = OidcClient(OidcConfig(issuer, client_id, client_secret))
    url, blob = client.begin("https://finaid.kommun.se/login/oidc/callback")
    # keep ``blob`` where only this browser brings it back, unforgeable (a signed HttpOnly cookie); redirect to url
    claims = client.finish(dict(request.query_params), blob)     # OidcError on anything wrong
    client.logout_url(claims.id_token, "https://finaid.kommun.se/login")

``blob`` holds the state, the nonce and the PKCE verifier of one login; ``finish`` refuses a callback whose
state differs, a login older than ``max_flow_s``, an error from the provider, an ID token not signed by the
issuer's keys, for another audience, expired, or with another nonce. Times are read from the real clock
handed in (``now``): a demo's fixed date must not move token lifetimes.
"""

from __future__ import annotations

import hmac
import json
import secrets
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from adapters.driven.clock import SystemClock
from adapters.driven.identity.urls import issuer_problem
from decision.errors import FinaidError

with warnings.catch_warnings():  # authlib would rather have httpx2; finaid pins httpx, which it still supports
    import authlib.deprecate  # type: ignore[import-untyped]  # noqa: F401 - sets its warnings to "always"

    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import OAuth2Client, OAuthError  # type: ignore[import-untyped]
    from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]

DISCOVERY = "/.well-known/openid-configuration"
METADATA_TTL_S = 3600


class OidcError(FinaidError):
    """A sign-in through the identity provider failed; ``reason`` is a short code for logs and audit events
    (discovery, provider_refused, state, expired, token, id_token, userinfo), the message says what happened
    (never a token)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...] = ("openid", "profile")
    groups_claim: str = "groups"
    claims: tuple[str, ...] = ("name", "preferred_username", "email")  # kept in Claims.claims when strings
    timeout_s: float = 10.0
    leeway_s: int = 60
    max_flow_s: int = 600  # a login begun longer ago is refused at the callback


@dataclass(frozen=True)
class Claims:
    """Who signed in: the issuer's subject, its groups and the chosen claims; the raw ID token for logout."""

    issuer: str
    subject: str
    groups: tuple[str, ...]
    claims: Mapping[str, str]
    id_token: str = field(repr=False)


class OidcClient:
    def __init__(self, config: OidcConfig, now: Callable[[], datetime] | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        problem = issuer_problem(config.issuer)
        if problem:
            raise OidcError("discovery", f"the issuer {problem}")
        self.config = config
        self.now = now or SystemClock().now
        self.transport = transport
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._jwks: dict[str, Any] | None = None

    # ------------------------------------------------------------------------------------- the provider
    def _client(self, redirect_uri: str | None = None, token: dict[str, Any] | None = None) -> Any:
        c = self.config
        return OAuth2Client(
            client_id=c.client_id, client_secret=c.client_secret, scope=" ".join(c.scopes),
            redirect_uri=redirect_uri, code_challenge_method="S256", token=token,
            timeout=c.timeout_s, transport=self.transport, follow_redirects=False,
        )

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            with self._client() as client:
                r = client.request("GET", url, withhold_token=True)
        except httpx.HTTPError as e:
            raise OidcError("discovery", f"the identity provider's {what} at {url} does not answer "
                            f"({type(e).__name__})") from None
        if r.status_code != 200:
            raise OidcError("discovery", f"the identity provider's {what} at {url} answered HTTP {r.status_code}")
        try:
            data = r.json()
        except ValueError:
            raise OidcError("discovery", f"the identity provider's {what} at {url} is not JSON") from None
        if not isinstance(data, dict):
            raise OidcError("discovery", f"the identity provider's {what} at {url} is not a JSON object")
        return data

    def metadata(self, refresh: bool = False) -> dict[str, Any]:
        """The issuer's discovery document (cached an hour); its ``issuer`` must be the configured one."""
        t = self.now().timestamp()
        if self._metadata is not None and not refresh and t - self._metadata_at < METADATA_TTL_S:
            return self._metadata
        url = self.config.issuer.rstrip("/") + DISCOVERY
        data = self._get_json(url, "discovery document")
        if data.get("issuer") != self.config.issuer:
            raise OidcError("discovery", f"the discovery document at {url} names the issuer "
                            f"{data.get('issuer')!r}, not {self.config.issuer!r} (FINAID_OIDC_ISSUER)")
        missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not data.get(k)]
        if missing:
            raise OidcError("discovery", f"the discovery document at {url} lacks {', '.join(missing)}")
        self._metadata, self._metadata_at, self._jwks = data, t, None
        return data

    def _keys(self, force: bool = False) -> KeySet:
        if self._jwks is None or force:
            self._jwks = self._get_json(self.metadata()["jwks_uri"], "signing keys (jwks_uri)")
        try:
            return KeySet.import_key_set(self._jwks)  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError):
            raise OidcError("id_token", "the identity provider's signing keys cannot be read") from None

    # ------------------------------------------------------------------------------------------ the flow
    def begin(self, redirect_uri: str) -> tuple[str, str]:
        """The provider's authorization URL to send the browser to, and the blob ``finish`` needs back."""
        md = self.metadata()
        state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
        with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(md["authorization_endpoint"], state=state,
                                                     code_verifier=verifier, nonce=nonce)
        blob = json.dumps({"v": 1, "state": state, "nonce": nonce, "verifier": verifier,
                           "redirect_uri": redirect_uri, "at": int(self.now().timestamp())}, separators=(",", ":"))
        return str(url), blob

    def finish(self, params: Mapping[str, str], state_blob: str) -> Claims:
        """The callback's query parameters and the blob from ``begin``: the validated claims of who signed in."""
        flow = _flow(state_blob)
        if "error" in params:
            desc = str(params.get("error_description") or "")[:200]
            raise OidcError("provider_refused", f"the identity provider refused: {str(params['error'])[:64]}"
                            + (f" ({desc})" if desc else ""))
        if not hmac.compare_digest(str(params.get("state") or ""), flow["state"]):
            raise OidcError("state", "the answer does not belong to the login begun in this browser (state)")
        if int(self.now().timestamp()) - int(flow["at"]) > self.config.max_flow_s:
            raise OidcError("expired", "the login took too long: begin again")
        md = self.metadata()
        if "iss" in params and params["iss"] != md["issuer"]:  # RFC 9207: another provider's answer
            raise OidcError("state", "the answer names another issuer")
        code = str(params.get("code") or "")
        if not code:
            raise OidcError("provider_refused", "the identity provider's answer has no code")
        try:
            with self._client(flow["redirect_uri"]) as client:
                token = client.fetch_token(md["token_endpoint"], grant_type="authorization_code", code=code,
                                           code_verifier=flow["verifier"], redirect_uri=flow["redirect_uri"])
        except OAuthError as e:
            raise OidcError("token", f"the identity provider refused the code: {e.error}") from None
        except httpx.HTTPError as e:
            raise OidcError("token", f"the token endpoint does not answer ({type(e).__name__})") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("id_token", "the identity provider sent no ID token (is 'openid' among the scopes?)")
        claims = self._validate(id_token, flow["nonce"], token.get("access_token"))
        if md.get("userinfo_endpoint") and token.get("access_token"):
            claims = {**self._userinfo(md["userinfo_endpoint"], token, str(claims["sub"])), **claims}
        return self._claims(claims, id_token)

    def _validate(self, id_token: str, nonce: str, access_token: Any) -> dict[str, Any]:
        md = self.metadata()
        algorithms = md.get("id_token_signing_alg_values_supported") or ["RS256"]
        registry = JWSRegistry(algorithms=[a for a in algorithms if a != "none"], strict_check_header=False)
        try:
            try:
                decoded = jwt.decode(id_token, self._keys(), registry=registry)
            except InvalidKeyIdError:  # the provider rotated its keys
                decoded = jwt.decode(id_token, self._keys(force=True), registry=registry)
            params: dict[str, Any] = {"nonce": nonce, "client_id": self.config.client_id}
            if isinstance(access_token, str):
                params["access_token"] = access_token
            options = {"iss": {"essential": True, "value": md["issuer"]},
                       "aud": {"essential": True, "value": self.config.client_id}}
            checked = CodeIDToken(decoded.claims, decoded.header, options, params)
            checked.validate(now=int(self.now().timestamp()), leeway=self.config.leeway_s)
        except (JoseError, ValueError) as e:
            raise OidcError("id_token", f"the ID token is not valid ({_jose_reason(e)})") from None
        return dict(checked)

    def _userinfo(self, url: str, token: dict[str, Any], subject: str) -> dict[str, Any]:
        try:
            with self._client(token=token) as client:
                r = client.request("GET", url)
        except httpx.HTTPError as e:
            raise OidcError("userinfo", f"the userinfo endpoint does not answer ({type(e).__name__})") from None
        if r.status_code != 200:
            raise OidcError("userinfo", f"the userinfo endpoint answered HTTP {r.status_code}")
        try:
            data = r.json()
        except ValueError:
            raise OidcError("userinfo", "the userinfo answer is not JSON (signed userinfo is not supported)") from None
        if not isinstance(data, dict) or data.get("sub") != subject:
            raise OidcError("userinfo", "the userinfo answer is about another subject")
        return data

    def _claims(self, claims: Mapping[str, Any], id_token: str) -> Claims:
        raw = claims.get(self.config.groups_claim, [])
        if isinstance(raw, str):
            raw = [raw]
        groups = tuple(sorted({g for g in raw if isinstance(g, str)})) if isinstance(raw, list) else ()
        chosen = {k: claims[k] for k in self.config.claims if isinstance(claims.get(k), str)}
        return Claims(issuer=self.config.issuer, subject=str(claims["sub"]), groups=groups, claims=chosen,
                      id_token=id_token)

    # ------------------------------------------------------------------------------------------ logout
    def logout_url(self, id_token_hint: str | None, post_logout_redirect_uri: str | None = None,
                   state: str | None = None) -> str | None:
        """Where to send the browser to end the provider's session too (RP-initiated logout), or None when
        the provider has no ``end_session_endpoint``."""
        endpoint = self.metadata().get("end_session_endpoint")
        if not endpoint:
            return None
        params = {"client_id": self.config.client_id}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        if post_logout_redirect_uri:
            params["post_logout_redirect_uri"] = post_logout_redirect_uri
            if state:
                params["state"] = state
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def _flow(blob: str) -> dict[str, str]:
    try:
        flow = json.loads(blob)
    except (ValueError, TypeError):
        flow = None
    keys = ("state", "nonce", "verifier", "redirect_uri")
    if not isinstance(flow, dict) or flow.get("v") != 1 or not all(isinstance(flow.get(k), str) for k in keys) \
            or not isinstance(flow.get("at"), int):
        raise OidcError("state", "no login was begun in this browser (or it was begun elsewhere)")
    return flow


def _jose_reason(e: Exception) -> str:
    error = getattr(e, "error", None) or type(e).__name__
    desc = getattr(e, "description", None)
    return f"{error}: {desc}" if desc else str(error)
