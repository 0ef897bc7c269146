"""One settings module: ``FINAID_*`` from the environment and an optional settings file (mode 0600).

Secrets are never logged or echoed: their fields are ``SecretStr`` and ``__repr__`` hides them.
"""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from decision.errors import ConfigurationError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FINAID_", extra="ignore")

    mode: Literal["production", "demo"] = Field(
        default="production", description="demo allows the sandbox registry, plain HTTP on loopback and demo data"
    )
    rules_dir: Path | None = Field(default=None, description="extra rule packs and guidelines (packs/, guidelines/)")
    templates_dir: Path | None = Field(default=None, description="a municipality's template overrides")
    actor: str | None = Field(default=None, description="who acts on the CLI (default: the OS user)")
    db_url: str = Field(default="sqlite:///var/finaid.db", description="SQLAlchemy URL of the database")
    db_schema: str | None = Field(default=None, description="PostgreSQL schema (search_path) to use")
    hmac_key: SecretStr | None = Field(
        default=None, description="key for the keyed HMAC that identifies persons in the access log"
    )
    retention_exempt_counties: str = Field(
        default="05,09,22", description="county codes whose records are kept for research (SoF 2025:468 13:1)"
    )
    retention_exempt_municipalities: str = Field(default="1480", description="municipalities kept for research")
    retention_exempt_birth_days: str = Field(default="5,15,25", description="birth days whose records are kept")

    @property
    def demo(self) -> bool:
        return self.mode == "demo"


def _check_file_mode(path: Path) -> None:
    st = path.stat()
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise ConfigurationError(f"settings file {path} must have mode 0600 (it may hold secrets)")


@lru_cache(maxsize=1)
def settings() -> Settings:
    file = os.environ.get("FINAID_SETTINGS_FILE")
    if file:
        path = Path(file)
        if not path.is_file():
            raise ConfigurationError(f"settings file {path} does not exist")
        _check_file_mode(path)
        return Settings(_env_file=path)  # type: ignore[call-arg]
    return Settings()
