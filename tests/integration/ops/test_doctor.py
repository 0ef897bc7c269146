"""``finaid doctor`` on a healthy set-up (every line ✓) and on broken ones (each check made to fail once, its ✗
line saying what to do); production ``web serve`` and ``batch run`` refuse to start on a blocking ✗."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapters.bootstrap import bootstrap
from adapters.driven.db import migrate
from adapters.driven.db.engine import Database
from adapters.driving.cli import checks
from adapters.driving.cli.checks import Check, run_checks
from adapters.driving.web.accounts import add_user
from adapters.settings import Settings
from tests.integration.ops.conftest import FINAID, ROOT, Cluster

TODAY = date(2026, 11, 25)  # the published packs cover this month and the next
NAMES = ("database", "migrations", "roles and grants", "administrator", "access-log key", "session secret",
         "registry settings", "registry key", "client certificate", "CA certificate", "registry ping",
         "rule-pack locks", "rule pack for this month", "rule pack for next month", "time zone", "report space",
         "backups", "metrics token", "notifications")


def certificate(folder: Path, name: str, days: int) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=days)).sign(key, hashes.SHA256()))
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return cert_path, key_path


@pytest.fixture
def registry() -> Iterator[int]:
    """Something listening where the registry should be (the ping is a TCP connect)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield int(s.getsockname()[1])


@pytest.fixture
def healthy(tmp_path: Path, registry: int) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path}/finaid.db"
    db = Database(url)
    migrate.upgrade(db)
    add_user(db, "admin", "Anna Administratör", "ett långt lösenord för administratören", ["administrator"], [],
             "cli:test")
    db.dispose()
    cert, key = certificate(tmp_path, "klient", 365)
    ca, _ = certificate(tmp_path, "ca", 3650)
    (tmp_path / "backups").mkdir()
    (tmp_path / "backups" / f"finaid-{datetime.now(UTC) - timedelta(hours=20):%Y%m%dT%H%M%SZ}.dump").write_bytes(b"x")
    return dict(db_url=url, hmac_key="k" * 64, web_session_secret="s" * 64, report_dir=tmp_path / "reports",
                backup_dir=tmp_path / "backups", metrics_token="m" * 40,
                ssbtek_url=f"https://127.0.0.1:{registry}/ssbtek", ssbtek_cert=cert, ssbtek_key=key, ssbtek_ca=ca,
                ssbtek_organisationsnummer="212000000000", ssbtek_aktorsid="A123",
                notify="sms", notify_link="https://etjanst.kommun.example/", notify_sms_url="https://sms.kommun.example/",
                notify_sms_token="t" * 32)


def doctor(fields: dict[str, Any], today: date = TODAY) -> dict[str, Check]:
    found = run_checks(bootstrap(Settings(**fields)), today)
    return {c.name: c for c in found}


def test_a_healthy_set_up_is_all_ticks(healthy: dict[str, Any]) -> None:
    found = doctor(healthy)
    assert sorted(found) == sorted(NAMES[:2] + NAMES[2:]), sorted(found)
    bad = [c.line() for c in found.values() if not c.ok]
    assert not bad, bad
    assert all(c.line().startswith("✓ ") for c in found.values())


def _broken_rules(tmp_path: Path) -> Path:
    root = tmp_path / "rules-extra"
    (root / "packs").mkdir(parents=True)
    (root / "packs.lock").write_text((ROOT / "rules" / "packs.lock").read_text(encoding="utf-8"), encoding="utf-8")
    return root


BREAK: dict[str, Callable[[dict[str, Any], Path, pytest.MonkeyPatch], date]] = {
    "database": lambda f, p, m: f.update(db_url="postgres://finaid_app@127.0.0.1:1/finaid") or TODAY,
    "administrator": lambda f, p, m: f.update(db_url=f"sqlite:///{p}/empty.db") or TODAY,
    "access-log key": lambda f, p, m: f.update(hmac_key="kort") or TODAY,
    "session secret": lambda f, p, m: f.pop("web_session_secret") and TODAY,
    "registry settings": lambda f, p, m: f.pop("ssbtek_aktorsid") and TODAY,
    "registry key": lambda f, p, m: os.chmod(f["ssbtek_key"], 0o644) or TODAY,
    "client certificate": lambda f, p, m: f.update(ssbtek_cert=certificate(p, "snart", 10)[0]) or TODAY,
    "CA certificate": lambda f, p, m: (p / "ca.pem").write_text("inte ett certifikat") and TODAY,
    "registry ping": lambda f, p, m: f.update(ssbtek_url="https://127.0.0.1:1/ssbtek") or TODAY,
    "rule-pack locks": lambda f, p, m: m.setenv("FINAID_RULES_DIR", str(_broken_rules(p))) or TODAY,
    "rule pack for this month": lambda f, p, m: date(2027, 2, 10),
    "rule pack for next month": lambda f, p, m: date(2026, 12, 10),
    "time zone": lambda f, p, m: m.setattr("zoneinfo.ZoneInfo", _no_zone) or TODAY,
    "report space": lambda f, p, m: m.setattr(checks, "MIN_FREE_BYTES", 1 << 62) or TODAY,
    "backups": lambda f, p, m: f.update(backup_keep_days=120) or TODAY,
    "metrics token": lambda f, p, m: f.update(metrics_token="kort") or TODAY,
    "notifications": lambda f, p, m: f.update(notify="log") or TODAY,  # production: the log tells nobody
}


def _no_zone(key: str) -> Any:
    from zoneinfo import ZoneInfoNotFoundError

    raise ZoneInfoNotFoundError(key)


@pytest.mark.parametrize("name", sorted(BREAK))
def test_each_check_fails_alone_and_says_what_to_do(healthy: dict[str, Any], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    today = BREAK[name](healthy, tmp_path, monkeypatch)
    found = doctor(healthy, today)
    assert name in found, sorted(found)
    assert not found[name].ok, found[name].line()
    line = found[name].line()
    assert line.startswith(f"✗ {name}: ") and " — " in line, line
    others = [c.name for c in found.values() if not c.ok and c.name != name]
    allowed = {"rule pack for this month": {"rule pack for next month"}, "database": {"migrations"}}
    assert set(others) <= allowed.get(name, set()), others


def test_postgres_checks_fail_on_an_old_schema_and_when_run_as_the_owner(fresh: Cluster, tmp_path: Path) -> None:
    assert fresh.psql("CREATE ROLE finaid_owner LOGIN PASSWORD 'x'; CREATE DATABASE finaid OWNER finaid_owner;"
                      ).returncode == 0
    url = f"postgresql+psycopg://finaid_owner:x@127.0.0.1:{fresh.port}/finaid"
    db = Database(url)
    try:
        migrate.upgrade(db, "0004")
        old = doctor({"db_url": url, "hmac_key": "k" * 64})
        assert not old["migrations"].ok
        assert f"schema at 0004, finaid expects {migrate.head()}" in old["migrations"].detail
        migrate.upgrade(db)
    finally:
        db.dispose()
    found = doctor({"db_url": url, "hmac_key": "k" * 64})
    assert found["migrations"].ok
    assert not found["roles and grants"].ok
    assert "finaid connects as finaid_owner, the owner" in found["roles and grants"].detail


def _cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
    base.update(COLUMNS="200", FINAID_DB_URL=f"sqlite:///{tmp_path}/finaid.db", **env)
    return subprocess.run([str(FINAID), *args], capture_output=True, text=True, cwd=tmp_path, env=base, check=False,
                          timeout=120)


def test_production_web_serve_refuses_without_an_administrator_or_session_secret(tmp_path: Path) -> None:
    proc = _cli(tmp_path, "web", "serve", "--port", "1")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "`finaid web serve` refuses to start in production" in proc.stderr, proc.stderr
    assert "✗ administrator: 0 active administrator(s)" in proc.stderr
    assert "✗ session secret: FINAID_WEB_SESSION_SECRET is not set" in proc.stderr


def test_production_batch_run_refuses_on_a_changed_rule_pack(tmp_path: Path) -> None:
    proc = _cli(tmp_path, "batch", "run", FINAID_RULES_DIR=str(_broken_rules(tmp_path)))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "`finaid batch run` refuses to start in production" in proc.stderr, proc.stderr
    assert "✗ rule-pack locks:" in proc.stderr


def test_doctor_cli_prints_a_line_per_check_and_fails_on_any_cross(tmp_path: Path) -> None:
    proc = _cli(tmp_path, "doctor")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "✓ database: SQLite file" in proc.stdout and "✗ session secret:" in proc.stdout
    assert "checks pass: fix the ✗ lines above" in proc.stdout


def test_a_stale_backup_is_a_cross_and_none_yet_is_not(healthy: dict[str, Any], tmp_path: Path) -> None:
    old = tmp_path / "backups" / f"finaid-{datetime.now(UTC) - timedelta(days=5):%Y%m%dT%H%M%SZ}.db"
    for p in (tmp_path / "backups").iterdir():
        p.unlink()
    assert doctor(healthy)["backups"].line().startswith("✓ backups: none in ")
    old.write_bytes(b"x")
    line = doctor(healthy)["backups"].line()
    assert line.startswith("✗ backups: newest in ") and "is 5 day(s) old" in line and "finaid-backup.timer" in line


def test_notifications_name_what_is_missing_and_the_log_is_a_tick_only_in_demo_mode(healthy: dict[str, Any]) -> None:
    smtp = {**healthy, "notify": "smtp", "notify_smtp_host": "mail.kommun.example"}
    line = doctor(smtp)["notifications"].line()
    assert line.startswith("✗ notifications: FINAID_NOTIFY=smtp needs FINAID_NOTIFY_SMTP_FROM"), line
    smtp["notify_smtp_from"] = "no-reply@kommun.example"
    assert doctor(smtp)["notifications"].line() == (
        "✓ notifications: smtp through mail.kommun.example, link https://etjanst.kommun.example/")
    production = doctor({**healthy, "notify": "log"})["notifications"].line()
    assert production.startswith("✗ notifications: FINAID_NOTIFY=log: applicants are told nothing")
    assert " — set FINAID_NOTIFY=smtp or sms" in production
    demo = doctor({**healthy, "notify": "log", "mode": "demo"})["notifications"]
    assert demo.ok and demo.detail.endswith("(demo mode)")
