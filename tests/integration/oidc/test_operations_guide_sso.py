"""docs/operations.md "Single sign-on" and "Second factor for local passwords", run as written: the example
group map is the one the sign-in tests use (conftest.GROUP_MAP), the settings block runs with ``finaid doctor``
against the real provider on loopback (only the issuer's URL and the group map file's place are this machine's),
and the TOTP reset block clears an enrolled person's TOTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from adapters.driven.db.engine import Database
from adapters.driven.identity import totp
from adapters.driving.web.accounts import add_user
from tests.integration.oidc.conftest import GROUP_MAP, Provider, fresh_copy
from tests.integration.ops.guide import steps

FINAID = Path(sys.executable).with_name("finaid")
DOC_ISSUER = "https://login.kommun.se/realms/finaid"
DOC_MAP = "/etc/finaid/grupper.json"


def run(block: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    lines = [line[2:] for line in block.splitlines() if line.startswith("$ ")]
    assert lines
    base = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
    base.update(PATH=f"{FINAID.parent}:{base.get('PATH', '')}", COLUMNS="200", NO_COLOR="1", **env)
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", "\n".join(lines)], capture_output=True, text=True,
                          cwd=cwd, env=base, check=False, timeout=300)


def test_the_guides_group_map_and_settings_pass_doctor(provider: Provider, migrated: Path, tmp_path: Path) -> None:
    kind, body = steps()["sso-settings"]
    assert kind == "console" and DOC_ISSUER in body and DOC_MAP in body
    group_file = tmp_path / "grupper.json"
    group_file.write_text(steps()["sso-group-map"][1], encoding="utf-8")
    assert sorted(GROUP_MAP) == ["fs-arbetsledare", "fs-handlaggare-nord", "internkontroll", "it-forvaltning"]
    db = fresh_copy(migrated, tmp_path)
    proc = run(body.replace(DOC_ISSUER, provider.issuer).replace(DOC_MAP, str(group_file)), tmp_path,
               FINAID_DB_URL=f"sqlite:///{db}", FINAID_HMAC_KEY="k" * 64, FINAID_WEB_SESSION_SECRET="s" * 64)
    assert "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    assert f"✓ identity provider: {provider.issuer} answers discovery (with a logout endpoint); 4 group(s) mapped" \
        in lines, proc.stdout
    assert "✓ group map units: nord, syd exist" in lines, proc.stdout
    admin = "✓ administrator: 0 active administrator(s); handlers sign in through the identity provider"
    assert any(line.startswith(admin) for line in lines), proc.stdout
    assert "byt-ut-klienthemlighet" not in proc.stdout + proc.stderr  # the secret is never echoed


def test_the_guides_totp_reset(migrated: Path, tmp_path: Path) -> None:
    path = fresh_copy(migrated, tmp_path)
    db = Database(f"sqlite:///{path}")
    try:
        add_user(db, "anna", "Anna Andersson", "ett tillräckligt långt lösenord", ["handler"], ["nord"], "test")
        with db.transaction() as s:
            s.execute(sa.text("UPDATE users SET totp_secret = :s, totp_enrolled_at = CURRENT_TIMESTAMP "
                              "WHERE username = 'anna'"), {"s": totp.SecretBox(b"k" * 64).seal(totp.new_secret(), "x")})
        proc = run(steps()["totp-reset"][1], tmp_path, FINAID_DB_URL=f"sqlite:///{path}", FINAID_HMAC_KEY="k" * 64)
        assert proc.returncode == 0, proc.stderr
        assert "anna: TOTP cleared; a new one is enrolled at the next login" in proc.stderr
        with db.read() as s:
            assert s.execute(sa.text("SELECT totp_enrolled_at FROM users WHERE username = 'anna'")).scalar() is None
    finally:
        db.dispose()
