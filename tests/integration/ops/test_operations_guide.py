"""docs/operations.md executed as written on a private PostgreSQL cluster: the set-up (owner, runtime and
purge roles), a submit, a night and a sign-off as the runtime role, a purge as the purge role, and the upgrade
from the previous release (schema 0004 with its broad grants)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from adapters.driven.db import migrate
from adapters.driven.db.engine import Database
from tests.integration.ops.conftest import ROOT, Cluster
from tests.integration.ops.guide import ok, run_step

EXAMPLES = ROOT / "examples" / "bundles"


def url(cluster: Cluster, who: str, password: str) -> str:
    return f"postgresql+psycopg://{who}:{password}@127.0.0.1:{cluster.port}/finaid"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "ansokningar")
    return tmp_path


def privileges(cluster: Cluster, role: str, table: str) -> set[str]:
    db = Database(url(cluster, "finaid_owner", "byt-ut-agare"))
    try:
        with db.engine.connect() as conn:
            return {p for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
                    if conn.execute(sa.text("SELECT has_table_privilege(:r, :t, :p)"),
                                    {"r": role, "t": table, "p": p}).scalar()}
    finally:
        db.dispose()


def test_the_guide_sets_up_runs_the_night_and_signs_as_the_runtime_role(fresh: Cluster, workdir: Path) -> None:
    ok(run_step(fresh, "admin", workdir), "admin")
    owner = ok(run_step(fresh, "owner", workdir), "owner")
    assert "finaid: database PostgreSQL finaid_owner@127.0.0.1:" in owner.stderr
    assert "granted finaid_runtime" in owner.stderr and "granted finaid_purge" in owner.stderr
    assert f"database at revision {migrate.head()} (from an empty database to {migrate.head()})" in owner.stderr
    assert "byt-ut" not in owner.stderr + owner.stdout
    ok(run_step(fresh, "runtime", workdir), "runtime")
    # the runtime step exports its keys; the later steps run in a shell of their own, with the same settings
    env = {"FINAID_DB_URL": "postgresql://finaid_app:byt-ut-app@/finaid", "FINAID_HMAC_KEY": "k" * 64,
           "FINAID_WEB_SESSION_SECRET": "s" * 64}
    doctor = run_step(fresh, "doctor", workdir, **env)
    lines = doctor.stdout.splitlines()
    for name in ("database", "migrations", "roles and grants", "administrator", "access-log key", "session secret",
                 "rule-pack locks", "time zone", "report space"):
        assert any(line.startswith(f"✓ {name}:") for line in lines), (name, doctor.stdout)
    night = ok(run_step(fresh, "night", workdir, **env), "night")
    assert "finaid: database PostgreSQL finaid_app@" in night.stderr
    assert privileges(fresh, "finaid_runtime", "audit_event") == {"SELECT", "INSERT"}
    assert privileges(fresh, "finaid_runtime", "alembic_version") == {"SELECT"}
    assert "DELETE" not in privileges(fresh, "finaid_runtime", "application_revision")
    app_id = _sign_one_as_runtime(fresh)
    runtime = Database(url(fresh, "finaid_app", "byt-ut-app"))
    try:
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), runtime.transaction() as s:
            s.execute(sa.text("UPDATE application_revision SET bundle_json = NULL"))
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), runtime.transaction() as s:
            s.execute(sa.text("DELETE FROM decision"))
        with runtime.read() as s:
            assert s.execute(sa.text("SELECT state FROM application WHERE id = :i"), {"i": app_id}).scalar() == "signed"
    finally:
        runtime.dispose()
    purge = ok(run_step(fresh, "purge", workdir, FINAID_HMAC_KEY="k" * 64), "purge")
    assert "finaid: database PostgreSQL finaid_gallring@" in purge.stderr


def _sign_one_as_runtime(cluster: Cluster) -> str:
    """Sign the worked example's proposal through the web app connected as the runtime role."""
    from fastapi.testclient import TestClient

    from adapters.driving.web.app import WebConfig, create_app
    from adapters.driving.web.demo_accounts import demo_password, ensure_demo
    from adapters.driving.web.roles import Role
    from tests.integration.web.conftest import csrf

    db = Database(url(cluster, "finaid_app", "byt-ut-app"))
    try:
        ensure_demo(db)  # the demo handlers and their units (the web app in demo mode: a test, not production)
        config = WebConfig(demo=True, secure_cookies=True, hmac_key=b"k" * 64, pdf=False,
                           protected_roles=frozenset({Role.SUPERVISOR}))
        with db.read() as s:
            app_id, decision_id = s.execute(sa.text(
                "SELECT id, current_decision_id FROM application WHERE state = 'proposed' ORDER BY id")).first()
        client = TestClient(create_app(config, db), base_url="https://testserver")
        page = client.get("/login")
        r = client.post("/login", data={"csrf_token": csrf(page.text), "username": "handlaggare1",
                                        "password": demo_password("handlaggare1"), "next": "/"},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
        page = client.get(f"/case/{app_id}")
        r = client.post(f"/case/{app_id}/sign", data={"csrf_token": csrf(page.text), "decision_id": decision_id,
                                                      "action": "approve"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].endswith("msg=signed"), (r.status_code, r.text[:500])
        return str(app_id)
    finally:
        db.dispose()


def test_the_guide_upgrades_the_previous_release(fresh: Cluster, workdir: Path) -> None:
    admin = ok(run_step(fresh, "admin", workdir), "admin")
    assert admin.returncode == 0
    # the previous release: no purge roles yet, the schema at 0004 with its grants
    assert fresh.psql("DROP ROLE finaid_gallring; DROP ROLE finaid_purge;").returncode == 0
    old = Database(url(fresh, "finaid_owner", "byt-ut-agare"))
    try:
        migrate.upgrade(old, "0004")
        assert migrate.current(old) == "0004"
    finally:
        old.dispose()
    assert "DELETE" in privileges(fresh, "finaid_runtime", "application_revision")
    assert "SELECT" not in privileges(fresh, "finaid_runtime", "alembic_version")
    ok(run_step(fresh, "upgrade-admin", workdir), "upgrade-admin")
    done = ok(run_step(fresh, "upgrade-owner", workdir), "upgrade-owner")
    assert f"database at revision {migrate.head()} (from 0004 to {migrate.head()})" in done.stderr, done.stderr
    assert "DELETE" not in privileges(fresh, "finaid_runtime", "application_revision")
    assert privileges(fresh, "finaid_runtime", "alembic_version") == {"SELECT"}
    assert privileges(fresh, "finaid_runtime", "sign_off") == {"SELECT", "INSERT"}
