"""benchmarks/audit.py's loader: templates from the example bundles, the disk check, and COPYing `--n`
decisions with their decision_use rows and hash-chained audit events into a throw-away schema."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from ulid import ULID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.bootstrap import bootstrap  # noqa: E402
from audit.chain import GENESIS, audit_hash, canonical  # noqa: E402
from decision.basis import canonical_json  # noqa: E402
from decision.money import parse_kronor  # noqa: E402
from decision.trace import StepKind  # noqa: E402
from decision.validation import parse_bundle  # noqa: E402
from rules.version import code_version  # noqa: E402

PROTECTED_SHARE = 0.005
MUNICIPALITIES = ("0180", "0380", "0580", "1280", "1287", "1480", "1880", "2480", "0114", "0162")
START = datetime(2023, 1, 1, tzinfo=UTC)
SPAN = datetime(2026, 12, 31, tzinfo=UTC) - START
ACTOR = "system:batch:bench"


@dataclass(frozen=True)
class Template:
    name: str
    bundle_json: str
    basis_json: str
    basis_hash: str
    trace_json: str
    outcome: str
    proposed_ore: int | None
    pack_id: str
    pack_hash: str
    guideline_id: str
    guideline_hash: str
    protected: bool
    uses: tuple[tuple[str, str], ...]


def templates() -> list[Template]:
    pipeline = bootstrap().pipeline
    out = []
    for path in sorted((ROOT / "examples" / "bundles").glob("*.json")):
        bundle = parse_bundle(path.read_bytes())
        decided = pipeline.decide(bundle)
        ev, basis = decided.evaluation, decided.basis
        basis_bytes = basis.canonical_json()
        uses: set[tuple[str, str]] = set()
        for step in ev.trace:
            uses.add(("rule", step.rule))
            if step.kind is StepKind.FINDING and step.code:
                uses.add(("finding", step.code))
            uses.update(("param", r.removeprefix("param:")) for r in step.inputs if r.startswith("param:"))
        protected = any(
            getattr(f, "kind", None) == "protected_identity" and getattr(f, "value", False)
            for e in decided.bundle.registry or [] for f in e.facts
        )
        out.append(Template(
            path.stem, json.dumps(decided.bundle.to_json_dict(), ensure_ascii=False), basis_bytes.decode("utf-8"),
            "sha256:" + hashlib.sha256(basis_bytes).hexdigest(),
            json.dumps([st.to_json() for st in ev.trace], ensure_ascii=False), basis.outcome,
            parse_kronor(basis.amounts.proposed), ev.pack.id, ev.pack.hash, ev.guideline.id, ev.guideline.hash,
            protected, tuple(sorted(uses)),
        ))
    return out


# ---------------------------------------------------------------------------------------------- disk
def estimate_bytes(n: int, tpl: list[Template]) -> int:
    text = statistics.mean(len(t.basis_json) + len(t.trace_json) + len(t.bundle_json) for t in tpl)
    uses = statistics.mean(len(t.uses) for t in tpl)
    # JSON compresses to about half in TOAST; a decision_use row is ~150 bytes with its two indexes;
    # an audit event ~700 bytes with its indexes; the rest of the row and its indexes ~1 kB
    # (measured: 15.8 GB for 1,000,000 decisions)
    return int(n * (text * 0.5 + uses * 150 + 2 * 700 + 1000))


def check_disk(conn: psycopg.Connection, need: int, margin: int, force: bool) -> None:
    try:
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]  # type: ignore[index]
    except psycopg.Error:
        conn.rollback()
        data_dir = None
    if not data_dir or not Path(data_dir).exists():
        msg = "cannot see the server's data directory from here (remote server, or not a superuser)"
        if not force:
            sys.exit(f"refusing: {msg}; check its free space yourself and pass --skip-disk-check")
        print(f"warning: {msg}; disk not checked", file=sys.stderr)
        return
    free = shutil.disk_usage(data_dir).free
    print(f"disk: {free / 1e9:.1f} GB free at {data_dir}; the load needs about {need / 1e9:.1f} GB "
          f"(+ {margin / 1e9:.0f} GB margin)")
    if free < need + margin and not force:
        sys.exit("refusing: not enough free disk (use --n for fewer rows)")


# ---------------------------------------------------------------------------------------------- load
def _esc(value: object) -> str:
    """A field in COPY's text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _line(*values: object) -> str:
    return "\t".join(_esc(v) for v in values) + "\n"


@dataclass
class Plan:
    """Everything that must agree across the per-table passes, derived once."""

    n: int
    tpl: list[Template]
    seed: int

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        self.choose(rng)
        step = SPAN / max(self.n, 1)
        self.at = [START + step * i + timedelta(microseconds=rng.randrange(1000)) for i in range(self.n)]
        self.decision_id = [str(ULID.from_datetime(a)) for a in self.at]
        self.revision_id = [str(ULID.from_datetime(a - timedelta(seconds=2))) for a in self.at]
        self.canonical = [(f'"{json.loads(t.bundle_json)["application"]["id"]}"',
                           canonical_json(json.loads(t.bundle_json)).decode("utf-8")) for t in self.tpl]
        self.hashes = []
        for i in range(self.n):
            bundle, basis, _ = self.texts(i)
            self.hashes.append((_sha(bundle), _sha(basis)))

    def choose(self, rng: random.Random) -> None:
        """Each row's template (``choice``) and municipality; the rows' times are drawn from ``rng`` after this."""
        self.choice = self.templates_drawn(rng, self.n)
        self.municipality = [rng.choice(MUNICIPALITIES) for _ in range(self.n)]

    def templates_drawn(self, rng: random.Random, count: int) -> list[int]:
        """``count`` template indexes, about ``PROTECTED_SHARE`` of them a protected identity's."""
        normal = [i for i, t in enumerate(self.tpl) if not t.protected]
        protected = [i for i, t in enumerate(self.tpl) if t.protected] or normal
        return [rng.choice(protected) if rng.random() < PROTECTED_SHARE else rng.choice(normal) for _ in range(count)]

    def app_id(self, i: int) -> str:
        return f"BENCH-{i:08d}"

    def texts(self, i: int) -> tuple[str, str, str]:
        """Row i's bundle (canonical), basis and trace: its template's with the row's own application id (each
        revision's content is its own, as ``uq_decision_inputs`` requires of real ones)."""
        t, (quoted, bundle) = self.tpl[self.choice[i]], self.canonical[self.choice[i]]
        own = f'"{self.app_id(i)}"'
        return bundle.replace(quoted, own), t.basis_json.replace(quoted, own), t.trace_json.replace(quoted, own)

    def revision_hash(self, i: int) -> str:
        """The content hash of the revision's bundle (what ``audit verify`` recomputes), as intake stores it."""
        return self.hashes[i][0]

    def basis_hash(self, i: int) -> str:
        return self.hashes[i][1]


def _sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chunks(lines: Iterator[str], size: int = 1 << 20) -> Iterator[bytes]:
    buf: list[str] = []
    length = 0
    for line in lines:
        buf.append(line)
        length += len(line)
        if length >= size:
            yield "".join(buf).encode("utf-8")
            buf, length = [], 0
    if buf:
        yield "".join(buf).encode("utf-8")


def _copy(conn: psycopg.Connection, table: str, columns: str, lines: Iterator[str]) -> float:
    t0 = time.perf_counter()
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for chunk in _chunks(lines):
            copy.write(chunk)
    conn.commit()
    return time.perf_counter() - t0


def load(conn: psycopg.Connection, plan: Plan) -> None:
    tpl, version = plan.tpl, code_version()

    def applications() -> Iterator[str]:
        for i in range(plan.n):
            t, at = tpl[plan.choice[i]], plan.at[i]
            yield _line(plan.app_id(i), plan.municipality[i], at.strftime("%Y-%m"), "proposed", None, 0, t.protected,
                        None, plan.revision_id[i], plan.decision_id[i], at, at, at, None)

    def revisions() -> Iterator[str]:
        for i in range(plan.n):
            at = plan.at[i]
            yield _line(plan.revision_id[i], plan.app_id(i), 1, plan.revision_hash(i), True, plan.texts(i)[0],
                        at - timedelta(seconds=2), ACTOR, None)

    def decisions() -> Iterator[str]:
        for i in range(plan.n):
            t, at = tpl[plan.choice[i]], plan.at[i]
            _, basis, trace = plan.texts(i)
            yield _line(plan.decision_id[i], plan.app_id(i), plan.revision_id[i], plan.revision_hash(i), t.pack_id,
                        t.pack_hash, t.guideline_id, t.guideline_hash, version, plan.municipality[i],
                        at.strftime("%Y-%m"), t.outcome, t.proposed_ore, plan.basis_hash(i), basis, trace,
                        t.protected, ACTOR, at, None, None)

    def uses() -> Iterator[str]:
        for i in range(plan.n):
            d, at = plan.decision_id[i], _esc(plan.at[i])
            for kind, ref in tpl[plan.choice[i]].uses:
                yield f"{d}\t{kind}\t{_esc(ref)}\t{at}\n"

    head = {"seq": 0, "hash": GENESIS}

    def events() -> Iterator[str]:
        prev, seq = GENESIS, 0
        for i in range(plan.n):
            t, at = tpl[plan.choice[i]], plan.at[i]
            received_at = at - timedelta(seconds=2)
            rows = [
                (received_at, "received", f"application:{plan.app_id(i)}",
                 {"revision": plan.revision_id[i], "number": 1, "content_hash": plan.revision_hash(i),
                  "sealed": True}),
                (at, "proposed", f"decision:{plan.decision_id[i]}",
                 {"application": plan.app_id(i), "revision": plan.revision_id[i],
                  "revision_hash": plan.revision_hash(i), "pack": t.pack_id, "pack_hash": t.pack_hash,
                  "guideline": t.guideline_id, "guideline_hash": t.guideline_hash, "code_version": version,
                  "basis_hash": plan.basis_hash(i), "outcome": t.outcome,
                  "findings": sorted(r for k, r in t.uses if k == "finding")}),
            ]
            for when, event, subject, payload in rows:
                seq += 1
                body = canonical(payload)
                digest = audit_hash(prev, seq, when, ACTOR, event, subject, body)
                yield _line(seq, when, ACTOR, event, subject, body, prev, digest)
                prev = digest
        head["seq"], head["hash"] = seq, prev

    steps = [
        ("application", "id, municipality, month, state, state_reason, attempts, protected, household_key, "
                        "current_revision_id, current_decision_id, created_at, updated_at, last_note_at, purged_at",
         applications()),
        ("application_revision", "id, application_id, number, content_hash, sealed, bundle_json, received_at, "
                                 "actor, purged_at", revisions()),
        ("decision", "id, application_id, revision_id, revision_hash, pack_id, pack_hash, guideline_id, "
                     "guideline_hash, code_version, municipality, month, outcome, proposed_ore, basis_hash, "
                     "basis_json, trace_json, protected, actor, decided_at, superseded_by, purged_at", decisions()),
        ("decision_use", "decision_id, kind, ref, decided_at", uses()),
        ("audit_event", "seq, at, actor, event, subject, payload, prev_hash, hash", events()),
    ]
    for table, columns, lines in steps:
        secs = _copy(conn, table, columns, lines)
        rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        print(f"  COPY {table:<22} {rows:>12,} rows  {secs:7.1f} s", flush=True)
    conn.execute("UPDATE chain_head SET seq = %s, hash = %s WHERE chain = 'audit'", (head["seq"], head["hash"]))
    conn.commit()


def strip_indexes(conn: psycopg.Connection, schema: str) -> list[str]:
    """Drop secondary indexes and non-primary constraints; return the DDL that recreates them."""
    constraints = conn.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype "
        "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
        "WHERE n.nspname = %s AND c.contype IN ('f', 'u') ORDER BY c.contype, c.conname", (schema,)
    ).fetchall()
    indexes = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = %s AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
        " WHERE n.nspname = i.schemaname AND c.conname = i.indexname)", (schema,)
    ).fetchall()
    redo = [d for _, d in indexes]
    for table, name, _, _ in constraints:  # foreign keys ('f') before unique constraints ('u')
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    redo += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, kind in constraints if kind == "u"]
    redo += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, kind in constraints if kind == "f"]
    conn.commit()
    return redo


def set_unlogged(conn: psycopg.Connection, schema: str) -> None:
    tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))]
    for table in tables:  # after strip_indexes: no foreign keys left to tie logged and unlogged tables
        conn.execute(f'ALTER TABLE "{table}" SET UNLOGGED')
    conn.commit()
