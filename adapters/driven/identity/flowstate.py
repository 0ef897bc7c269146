"""The sign-in flow's state between the redirect to the identity provider and its callback, kept in a cookie:
JSON, base64url, and a keyed tag under a purpose prefix so a value sealed for one flow is refused by another.
Used by the handlers' single sign-on and the e-service's e-identification alike."""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Callable

MAX_LENGTH = 4096


def seal(sign: Callable[[str], str], purpose: str, data: dict[str, str]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()
    return f"{body}.{sign(f'{purpose}:{body}')}"


def unseal(sign: Callable[[str], str], purpose: str, value: str | None) -> dict[str, str] | None:
    """The sealed data, or None when the value is absent, too long, malformed or not sealed for ``purpose``."""
    if not value or value.count(".") != 1 or len(value) > MAX_LENGTH:
        return None
    body, tag = value.split(".")
    if not hmac.compare_digest(tag, sign(f"{purpose}:{body}")):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
