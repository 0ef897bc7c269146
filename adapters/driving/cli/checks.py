"""The checks behind ``finaid doctor`` (docs/operations.md "finaid doctor").

Each check returns a :class:`Check`: ✓ or ✗, what it found, and on ✗ what to do. A check marked
``blocks`` names the commands that must not start while it fails — the production web app without an
administrator or a stable session secret locks people out; without the access-log key or a current schema,
the web app and the nightly batch would write what can later not be answered for or read.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from decision.errors import FinaidError

if TYPE_CHECKING:
    from adapters.bootstrap import Services

WEB, BATCH = "web serve", "batch run"
MIN_FREE_BYTES = 200 * 1024 * 1024
CERT_WARN_DAYS = 30


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    blocks: tuple[str, ...] = field(default_factory=tuple)

    def line(self) -> str:
        mark = "✓" if self.ok else "✗"
        return f"{mark} {self.name}: {self.detail}" + ("" if self.ok or not self.fix else f" — {self.fix}")


def _database(s: Services) -> list[Check]:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from adapters.driven.db import roles
    from adapters.driven.db.engine import Database, where
    from adapters.driven.db.migrate import head
    from adapters.driven.db.problems import DatabaseProblem, explain, schema_revision

    cfg = s.settings
    try:
        db = Database(cfg.db_url, cfg.db_schema)
    except OSError as e:
        return [Check("database", False, f"{where(cfg.db_url)}: {e.strerror or e}",
                      "fix FINAID_DB_URL (the SQLite file's folder must be writable)", (WEB, BATCH))]
    place = where(db.url, db.schema)
    try:
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as e:
            return [Check("database", False, str(explain(e, db.url, db.schema)),
                          "fix FINAID_DB_URL or start the server", (WEB, BATCH))]
        out = [Check("database", True, f"{place} answers")]
        try:
            current = schema_revision(db.engine, db.url, db.schema)
        except DatabaseProblem as e:
            return [*out, Check("migrations", False, str(e), "", (WEB, BATCH))]
        want = head()
        if db.engine.dialect.name == "sqlite" and current != want:
            out.append(Check("migrations", True, f"embedded SQLite at {current or 'nothing'}: migrated to {want} "
                             "on first use"))
            return [*out, _administrators(0, cfg.demo, cfg.oidc_issuer is not None)]
        out.append(Check("migrations", current == want, f"schema at {current or 'nothing'}, finaid expects {want}",
                         "run `finaid db upgrade` as the owner role", (WEB, BATCH)))
        if current != want:
            return out
        with db.engine.connect() as conn:
            if conn.dialect.name != "postgresql":
                out.append(Check("roles and grants", True, "embedded SQLite (no database roles)"))
            else:
                problems = roles.check(conn)
                me, superuser = conn.execute(text(
                    "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")).one()
                owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
                                          "AND tablename = 'alembic_version'")).scalar()
                if superuser or me == owner:
                    problems.append(f"finaid connects as {me}, {'a superuser' if superuser else 'the owner'}")
                out.append(Check("roles and grants", not problems, "; ".join(problems) or
                                 f"{me} runs with the least privileges of its role",
                                 "run `finaid db upgrade` as the owner; run the services as a member of "
                                 "finaid_runtime (docs/operations.md)"))
            admins = conn.execute(text(
                "SELECT count(*) FROM users u JOIN user_roles r ON r.user_id = u.id "
                "WHERE r.role = 'administrator' AND u.active AND NOT u.is_demo")).scalar_one()
        return [*out, _administrators(admins, cfg.demo, cfg.oidc_issuer is not None)]
    finally:
        db.dispose()


def _administrators(count: int, demo: bool, idp: bool = False) -> Check:
    detail = f"{count} active administrator(s)" + (
        "; handlers sign in through the identity provider (FINAID_OIDC_ISSUER)" if idp else "")
    return Check("administrator", count > 0 or demo or idp, detail,
                 "add one: `finaid users add NAME --name '…' --role administrator`, or configure single sign-on "
                 "(FINAID_OIDC_*)", (WEB,))


def _identity_provider(s: Services) -> list[Check]:
    """Only when single sign-on is configured: the settings complete, the issuer answering discovery, and
    the units its group map names existing."""
    from adapters.driven.identity.oidc import OidcClient, OidcError
    from adapters.driving.web.config import sso_config
    from decision.errors import ConfigurationError

    cfg = s.settings
    if not (cfg.oidc_issuer or cfg.oidc_client_id or cfg.oidc_client_secret or cfg.oidc_group_map):
        return []
    name, fix = "identity provider", "set the FINAID_OIDC_* settings (docs/operations.md \"Single sign-on\")"
    try:
        sso = sso_config(cfg)
    except ConfigurationError as e:
        return [Check(name, False, str(e), fix, (WEB,))]
    assert sso is not None
    try:
        md = OidcClient(sso.oidc).metadata()
    except OidcError as e:
        return [Check(name, False, str(e), "check FINAID_OIDC_ISSUER and the network path to the identity provider")]
    out = [Check(name, True, f"{sso.oidc.issuer} answers discovery ("
                 + ("with" if md.get("end_session_endpoint") else "WITHOUT") + " a logout endpoint); "
                 + f"{len(sso.group_map)} group(s) mapped")]
    wanted = sorted({u for grant in sso.group_map.values() for u in grant.units})
    if wanted:
        out.append(_mapped_units(cfg.db_url, cfg.db_schema, wanted))
    return out


def _mapped_units(url: str, schema: str | None, wanted: list[str]) -> Check:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from adapters.driven.db.engine import Database

    db = Database(url, schema)
    try:
        with db.engine.connect() as conn:
            known = set(conn.execute(text("SELECT id FROM units")).scalars())
    except SQLAlchemyError:
        known = set()
    finally:
        db.dispose()
    missing = [u for u in wanted if u not in known]
    return Check("group map units", not missing, f"missing {', '.join(missing)}" if missing else
                 f"{', '.join(wanted)} exist", "create them (`finaid units set`) or fix FINAID_OIDC_GROUP_MAP")


def _keys(s: Services) -> list[Check]:
    from adapters.driven.keys import _key_file_beside

    cfg = s.settings
    out: list[Check] = []
    if cfg.hmac_key is not None:
        n = len(cfg.hmac_key.get_secret_value())
        out.append(Check("access-log key", n >= 32, f"FINAID_HMAC_KEY is set ({n} characters); keep a copy in the "
                         "municipality's key backup: without it data-subject requests cannot be answered",
                         "use at least 32 random characters", (WEB, BATCH)))
    elif cfg.demo:
        out.append(Check("access-log key", True, "demo mode: the published demo key"))
    else:
        path = _key_file_beside(cfg.db_url)
        if path is None:
            out.append(Check("access-log key", False, "FINAID_HMAC_KEY is not set",
                             "set FINAID_HMAC_KEY (32+ random characters) and back it up", (WEB, BATCH)))
        elif not path.exists():
            out.append(Check("access-log key", True, f"{path} is created on first use: back it up afterwards"))
        else:
            safe = not stat.S_IMODE(path.stat().st_mode) & 0o077
            out.append(Check("access-log key", safe, f"{path} (mode {oct(stat.S_IMODE(path.stat().st_mode))}); "
                             "keep a copy in the key backup", f"chmod 600 {path}", (WEB, BATCH)))
    secret = cfg.web_session_secret.get_secret_value() if cfg.web_session_secret else ""
    out.append(Check("session secret", len(secret) >= 32 or cfg.demo,
                     "FINAID_WEB_SESSION_SECRET is set" if secret else "FINAID_WEB_SESSION_SECRET is not set",
                     "set FINAID_WEB_SESSION_SECRET to 32+ random characters (else every restart ends all sessions)",
                     (WEB,)))
    return out


def _registry(s: Services, today: date) -> list[Check]:
    cfg = s.settings
    if not cfg.ssbtek_url:
        ok = cfg.demo
        return [Check("registry", ok, "demo mode: the sandbox" if ok else "FINAID_SSBTEK_URL is not set",
                      "set FINAID_SSBTEK_URL, _CERT, _KEY, _CA, _ORGANISATIONSNUMMER, _AKTORSID (docs/registry.md)")]
    out: list[Check] = []
    missing = [n for n, v in (("FINAID_SSBTEK_CERT", cfg.ssbtek_cert), ("FINAID_SSBTEK_KEY", cfg.ssbtek_key),
                              ("FINAID_SSBTEK_CA", cfg.ssbtek_ca),
                              ("FINAID_SSBTEK_ORGANISATIONSNUMMER", cfg.ssbtek_organisationsnummer),
                              ("FINAID_SSBTEK_AKTORSID", cfg.ssbtek_aktorsid)) if not v]
    out.append(Check("registry settings", not missing, "complete" if not missing else f"missing {', '.join(missing)}",
                     "set them (docs/registry.md)"))
    if cfg.ssbtek_key is not None:
        key = Path(cfg.ssbtek_key)
        mode = stat.S_IMODE(key.stat().st_mode) if key.exists() else None
        out.append(Check("registry key", mode is not None and not mode & 0o077,
                         f"{key} mode {oct(mode)}" if mode is not None else f"{key} does not exist",
                         f"chmod 600 {key}"))
    for label, pem in (("client certificate", cfg.ssbtek_cert), ("CA certificate", cfg.ssbtek_ca)):
        if pem is not None:
            out.append(_certificate(label, Path(pem), today))
    out.append(_ping(cfg.ssbtek_url, cfg.ssbtek_connect_timeout_s))
    return out


def _certificate(label: str, path: Path, today: date) -> Check:
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as e:
        return Check(label, False, f"{path}: cannot be read as a PEM certificate ({type(e).__name__})",
                     "install the certificate in PEM form")
    expires = cert.not_valid_after_utc.date()
    left = (expires - today).days
    return Check(label, left > CERT_WARN_DAYS, f"{path} valid until {expires.isoformat()} ({left} days)",
                 "order a new certificate now" if left > 0 else "the certificate has expired: replace it")


def _ping(url: str, timeout: float) -> Check:
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=min(timeout, 5.0)):
            pass
    except OSError as e:
        return Check("registry ping", False, f"{host}:{port} does not answer ({e.strerror or type(e).__name__})",
                     "check the network path and firewall to SSBTEK")
    return Check("registry ping", True, f"{host}:{port} answers")


def _rules(s: Services, today: date) -> list[Check]:
    from adapters.driving.lifecycle.publish import verify
    from rules.catalog import search_roots

    report = verify(search_roots())
    out = [Check("rule-pack locks", report.ok, "; ".join(report.problems) or
                 f"{report.checked['pack']} pack(s) and {report.checked['guideline']} guideline(s) match their locks",
                 "restore the published files (`finaid rules verify`); never edit a published pack", (WEB, BATCH))]
    nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    for label, month in (("this month", today), ("next month", nxt)):
        m = f"{month.year:04d}-{month.month:02d}"
        try:
            pack = s.catalog.pack_for(m, today)
            out.append(Check(f"rule pack for {label}", True, f"{m}: {pack.id}"))
        except FinaidError as e:
            ahead = " (the new year's norms: publish before January)" if month.month == 1 else ""
            out.append(Check(f"rule pack for {label}", False, f"{m}: {e}{ahead}",
                             "publish the pack that covers it (docs/rule-lifecycle.md)"))
    return out


def _system(s: Services) -> list[Check]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    out: list[Check] = []
    try:
        offset = s.clock.now().astimezone(ZoneInfo("Europe/Stockholm")).utcoffset()
        out.append(Check("time zone", True, f"Europe/Stockholm known (now UTC{offset})"))
    except ZoneInfoNotFoundError:
        out.append(Check("time zone", False, "Europe/Stockholm is unknown", "install tzdata", (WEB, BATCH)))
    folder = Path(s.settings.report_dir)
    probe = folder if folder.exists() else next((p for p in folder.parents if p.exists()), Path("."))
    free = shutil.disk_usage(probe).free
    writable = os.access(probe, os.W_OK)
    ok = writable and free >= MIN_FREE_BYTES
    out.append(Check("report space", ok, f"{folder}: {free // (1024 * 1024)} MB free"
                     + ("" if writable else ", not writable"),
                     f"free at least {MIN_FREE_BYTES // (1024 * 1024)} MB and make {folder} writable", (BATCH,)))
    return out


def _operations(s: Services) -> list[Check]:
    """Backups (rotation within the gallring period; the newest not older than two days) and the metrics token."""
    from adapters.driven.db.backup import Rotation, taken_at

    cfg = s.settings
    rotation = Rotation(cfg.backup_keep_days, cfg.backup_gallring_days, cfg.backup_keep)
    try:
        rotation.check()
    except FinaidError as e:
        return [Check("backups", False, str(e), "set FINAID_BACKUP_KEEP_DAYS to at most FINAID_BACKUP_GALLRING_DAYS")]
    folder = Path(cfg.backup_dir)
    dated = sorted(at for p in folder.iterdir() if (at := taken_at(p)) is not None) if folder.is_dir() else []
    keeps = f"kept {rotation.keep_days} days (gallring {rotation.gallring_days})"
    if not dated:
        out = [Check("backups", True, f"none in {folder} yet; {keeps}: take one every night (docs/operations.md)")]
    else:
        age = s.clock.now() - dated[-1]
        out = [Check("backups", age <= timedelta(days=2), f"newest in {folder} is {age.days} day(s) old; {keeps}",
                     "check the nightly backup (finaid-backup.timer, or the pg_dump cron line)")]
    if cfg.metrics_token is not None:
        n = len(cfg.metrics_token.get_secret_value())
        out.append(Check("metrics token", n >= 32, f"FINAID_METRICS_TOKEN is set ({n} characters)",
                         "use at least 32 random characters"))
    return out


def _notifications(s: Services) -> list[Check]:
    """How applicants are told that something happened (docs/etjanst.md "Avisering"): outside demo mode the
    log is no notification at all, so it is ✗; an incomplete smtp or sms channel names the setting."""
    from adapters.driven.notify import notify_problem

    cfg = s.settings
    fix = "set FINAID_NOTIFY=smtp or sms with its FINAID_NOTIFY_* settings (docs/etjanst.md \"Avisering\")"
    if cfg.notify == "log":
        return [Check("notifications", cfg.demo, "FINAID_NOTIFY=log: applicants are told nothing, a log line only"
                      + (" (demo mode)" if cfg.demo else ""), fix)]
    problem = notify_problem(cfg)
    where = cfg.notify_smtp_host if cfg.notify == "smtp" else cfg.notify_sms_url
    return [Check("notifications", problem is None, problem or f"{cfg.notify} through {where}, link "
                  f"{cfg.notify_link}", fix, (WEB,))]


def run_checks(s: Services, today: date | None = None) -> list[Check]:
    """Every check, in the order the operator reads them; one failing check never hides the others."""
    day = today or s.clock.now().date()
    groups: list[Callable[[], list[Check]]] = [
        lambda: _database(s), lambda: _identity_provider(s), lambda: _keys(s), lambda: _registry(s, day),
        lambda: _rules(s, day), lambda: _system(s), lambda: _operations(s), lambda: _notifications(s),
    ]
    out: list[Check] = []
    for group in groups:
        try:
            out += group()
        except (FinaidError, OSError, ValueError) as e:
            out.append(Check("check", False, f"{type(e).__name__}: {e}", "see the message"))
    return out


def blocking(s: Services, command: str) -> list[Check]:
    """The failed checks that keep ``command`` from starting in production (none in demo mode)."""
    if s.settings.demo:
        return []
    return [c for c in run_checks(s) if not c.ok and command in c.blocks]

