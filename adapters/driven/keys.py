"""The access log's HMAC key (persons are identified by a keyed HMAC of the personnummer, never the number):
configured (``FINAID_HMAC_KEY``), the published demo key in demo mode, or — embedded SQLite only — a random
key kept in a file (mode 0600) beside the database."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from adapters.settings import Settings
from decision.errors import ConfigurationError

DEMO_HMAC_KEY = b"finaid-demo-access-log-key-not-a-secret"


def _key_file_beside(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).with_name("access-log.key")


def access_log_key(cfg: Settings) -> bytes:
    """The access log's HMAC key: configured, the demo key, or (embedded SQLite) a key file beside it."""
    if cfg.hmac_key is not None:
        return cfg.hmac_key.get_secret_value().encode("utf-8")
    if cfg.demo:
        return DEMO_HMAC_KEY
    path = _key_file_beside(cfg.db_url)
    if path is None:
        raise ConfigurationError("set FINAID_HMAC_KEY (the access log identifies persons by a keyed HMAC)")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode("utf-8")
