"""PostgreSQL roles and their grants: least privilege for the running services (docs/operations.md).

Three roles (docs/operations.md; docs/audit.md "PostgreSQL: roles"):

- the **owner** (any login role, e.g. ``finaid_owner``) owns the schema and runs ``finaid db upgrade``;
- ``finaid_runtime`` (NOLOGIN; the services log in as a member of it): ``SELECT, INSERT`` only on the audit
  and access tables and on the append-only sign-off tables, ``SELECT`` on ``alembic_version``, ``UPDATE``
  on the case tables' columns *except* their personal content, full DML on accounts and batch runs;
- ``finaid_purge`` (NOLOGIN; ``retention purge`` logs in as a member of it): everything the runtime role
  may, plus ``UPDATE`` of the personal-content columns — the only role that may blank personal content —
  and ``DELETE`` on the keyed search index (``name_index``: the runtime role may only SELECT and INSERT).

``apply`` creates the roles when the migrating user may (``CREATEROLE``) and (re)grants on every table
that exists; it is idempotent and runs at each ``finaid db upgrade`` (and in migration 0006), so a role
created after the migration gets its grants at the next upgrade. ``check`` compares the grants with
what they should be (``finaid doctor``).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

RUNTIME = "finaid_runtime"
PURGE = "finaid_purge"
ROLES = (RUNTIME, PURGE)

APPEND_ONLY = ("audit_event", "access_log", "access_person", "sign_off", "sign_off_override", "letter",
               "decision_earlier", "case_note", "communication", "decision_change")
READ_ONLY = ("alembic_version",)
# Keyed search indexes (decision/names.py): the services add rows; only the purge role deletes them (gallring).
INDEXES = ("name_index",)
FULL_DML = ("batch_run", "chain_head", "users", "roles", "user_roles", "units", "unit_areas", "user_units",
            "web_sessions", "api_tokens")
# Personal content per table: only the purge role may update (blank) these columns (audit/retention.py).
PERSONAL: dict[str, tuple[str, ...]] = {
    "application": ("purged_at",),
    "application_revision": ("bundle_json", "purged_at"),
    "registry_evidence": ("raw", "purged_at"),
    "decision": ("basis_json", "trace_json", "proposed_ore", "purged_at"),
    "sign_off": ("record_json", "purged_at"),
    "letter": ("html", "pdf", "purged_at"),
    "decision_earlier": ("total_ore",),
    "case_note": ("text", "purged_at"),
    "communication": ("items_json", "text", "purged_at"),
}
CASE_TABLES = ("application", "application_revision", "registry_evidence", "decision")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(conn: Connection) -> list[str]:
    return list(conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )).scalars())


def _columns(conn: Connection, table: str) -> list[str]:
    return list(conn.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = :t ORDER BY ordinal_position"
    ), {"t": table}).scalars())


def existing_roles(conn: Connection) -> set[str]:
    return set(conn.execute(text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:r)"), {"r": list(ROLES)}).scalars())


def _create(conn: Connection, role: str) -> str:
    try:
        with conn.begin_nested():
            conn.execute(text(f"CREATE ROLE {role} NOLOGIN"))
    except Exception:  # noqa: BLE001 - insufficient privilege: the operator creates it (reported)
        return (f"warning: role {role} is missing and this user may not create it (needs CREATEROLE): "
                f"ask an administrator to run `CREATE ROLE {role} NOLOGIN;`, then run `finaid db upgrade` again")
    return f"created role {role}"


def runtime_grants(conn: Connection, tables: list[str]) -> list[tuple[str, str]]:
    """(privileges, table) the runtime role should hold; column lists inside the privileges."""
    out: list[tuple[str, str]] = []
    for t in tables:
        if t in APPEND_ONLY:
            out.append(("SELECT, INSERT", t))
        elif t in READ_ONLY:
            out.append(("SELECT", t))
        elif t in INDEXES:
            out.append(("SELECT, INSERT", t))
        elif t in CASE_TABLES:
            kept = [c for c in _columns(conn, t) if c not in PERSONAL.get(t, ())]
            out.append((f"SELECT, INSERT, UPDATE ({', '.join(_q(c) for c in kept)})", t))
        else:  # FULL_DML and any table a later migration adds
            out.append(("SELECT, INSERT, UPDATE, DELETE", t))
    return out


def apply(conn: Connection) -> list[str]:
    """Create the roles where allowed and grant least privileges on every table; what was done, line by line."""
    if conn.dialect.name != "postgresql":
        return []
    report: list[str] = []
    present = existing_roles(conn)
    for role in ROLES:
        if role not in present:
            line = _create(conn, role)
            report.append(line)
            if line.startswith("created"):
                present.add(role)
    tables = _tables(conn)
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    for role in sorted(present):
        conn.execute(text(f"GRANT USAGE ON SCHEMA {_q(schema)} TO {role}"))
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_q(schema)} TO {role}"))
        for t in tables:
            conn.execute(text(f"REVOKE ALL ON {_q(t)} FROM {role}"))
    if RUNTIME in present:
        for privileges, t in runtime_grants(conn, tables):
            conn.execute(text(f"GRANT {privileges} ON {_q(t)} TO {RUNTIME}"))
        report.append(f"granted {RUNTIME} on schema {schema}: SELECT, INSERT only on "
                      f"{', '.join(t for t in tables if t in APPEND_ONLY)}; SELECT on alembic_version; "
                      f"UPDATE on the case tables without their personal content; full DML on the others")
    if PURGE in present:
        for privileges, t in runtime_grants(conn, tables):
            conn.execute(text(f"GRANT {privileges} ON {_q(t)} TO {PURGE}"))
        for t, cols in PERSONAL.items():
            if t in tables:
                conn.execute(text(f"GRANT UPDATE ({', '.join(_q(c) for c in cols)}) ON {_q(t)} TO {PURGE}"))
        for t in INDEXES:
            if t in tables:
                conn.execute(text(f"GRANT DELETE ON {_q(t)} TO {PURGE}"))
        report.append(f"granted {PURGE} on schema {schema}: what {RUNTIME} may, and UPDATE of the personal "
                      f"content ({', '.join(t for t in PERSONAL if t in tables)})")
    return report


def check(conn: Connection) -> list[str]:
    """Problems with the roles and grants (empty when they are as ``apply`` leaves them)."""
    if conn.dialect.name != "postgresql":
        return []
    problems: list[str] = []
    present = existing_roles(conn)
    problems += [f"role {r} is missing" for r in ROLES if r not in present]
    tables = _tables(conn)

    def may(role: str, table: str, privilege: str, column: str | None = None) -> bool:
        if column is None:
            sql = "SELECT has_table_privilege(:r, quote_ident(current_schema()) || '.' || quote_ident(:t), :p)"
            return bool(conn.execute(text(sql), {"r": role, "t": table, "p": privilege}).scalar())
        sql = ("SELECT has_column_privilege(:r, quote_ident(current_schema()) || '.' || quote_ident(:t), :c, :p)")
        return bool(conn.execute(text(sql), {"r": role, "t": table, "c": column, "p": privilege}).scalar())

    for role in sorted(present):
        for t in tables:
            if not may(role, t, "SELECT"):
                problems.append(f"{role} may not read {t}")
            if t in APPEND_ONLY + READ_ONLY and (may(role, t, "UPDATE") or may(role, t, "DELETE")):
                problems.append(f"{role} may UPDATE or DELETE {t}, which is append-only")
            if t in CASE_TABLES and may(role, t, "DELETE"):
                problems.append(f"{role} holds the delete privilege on {t}")
            if t in INDEXES and may(role, t, "DELETE") != (role == PURGE):
                problems.append(f"{role} {'may not' if role == PURGE else 'may'} DELETE {t} (only {PURGE} may)")
            for c in PERSONAL.get(t, ()):
                allowed = may(role, t, "UPDATE", c)
                if role == RUNTIME and allowed:
                    problems.append(f"{RUNTIME} may UPDATE {t}.{c} (personal content: only {PURGE} may)")
                if role == PURGE and not allowed:
                    problems.append(f"{PURGE} may not UPDATE {t}.{c}")
    return problems
