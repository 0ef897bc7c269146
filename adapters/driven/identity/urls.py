"""What an issuer URL must be (a light module: the settings check it without importing the OIDC client)."""

from __future__ import annotations

from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def issuer_problem(url: str) -> str | None:
    """Why ``url`` cannot be an issuer (https, or plain http on a loopback address only), or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be the issuer's URL, e.g. https://login.kommun.se/realms/finaid"
    if parts.query or parts.fragment:
        return "must be the issuer's URL without a query or fragment"
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        return "must use https (plain http only on a loopback address, for tests)"
    return None
