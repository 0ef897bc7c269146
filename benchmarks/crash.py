"""Crash safety at scale: seeded SIGKILLs of `finaid batch run` with a 2 s lease, then a clean run.

Every application must be decided exactly once, none lost, no decision without its audit event,
`audit verify` clean. The default suite kills twice over 500 applications
(tests/integration/batch/test_batch.py); this benchmark kills 20 times over 2 000.

    .venv/bin/python benchmarks/crash.py [--n 2000] [--kills 20] [--seed 2024] [--url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FINAID = Path(sys.executable).with_name("finaid")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--url", default=None, help="PostgreSQL URL (default: a SQLite file)")
    args = ap.parse_args()
    from adapters.devtools.synthetic import generate

    work = Path(tempfile.mkdtemp(prefix="finaid-crash-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
    env.update(FINAID_HMAC_KEY="crash-benchmark-hmac-key-0123456789", FINAID_REPORT_DIR=str(work / "reports"))
    schema = None
    if args.url:
        schema = f"finaid_crash_{secrets.token_hex(3)}"
        with sa.create_engine(args.url, isolation_level="AUTOCOMMIT").connect() as c:
            c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        env.update(FINAID_DB_URL=args.url, FINAID_DB_SCHEMA=schema)
        subprocess.run([str(FINAID), "db", "upgrade"], env=env, check=True, cwd=work)
    else:
        env["FINAID_DB_URL"] = f"sqlite:///{work / 'finaid.db'}"
    bundles = work / "bundles"
    bundles.mkdir()
    for i, raw in enumerate(generate(args.n, args.seed)):
        bundle = {**raw, "registry": []}
        (bundles / f"{i:05d}.json").write_text(json.dumps(bundle))
    subprocess.run([str(FINAID), "case", "submit", str(bundles)], env=env, check=True, cwd=work,
                   capture_output=True)
    rng = random.Random(args.seed)
    start = time.perf_counter()
    for k in range(args.kills):
        proc = subprocess.Popen([str(FINAID), "batch", "run", "--lease", "2"], env=env, cwd=work,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.8, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(2.2)
        print(f"kill {k + 1}/{args.kills}", file=sys.stderr)
    final = subprocess.run([str(FINAID), "batch", "run", "--lease", "2"], env=env, cwd=work, capture_output=True,
                           text=True, check=False)
    seconds = time.perf_counter() - start
    from adapters.driven.db.audit_store import verify
    from adapters.driven.db.engine import Database

    db = Database(env["FINAID_DB_URL"], schema)
    with db.engine.connect() as c:
        apps = c.exec_driver_sql("SELECT count(*) FROM application").scalar()
        undecided = c.exec_driver_sql("SELECT count(*) FROM application WHERE state <> 'proposed'").scalar()
        decisions = c.exec_driver_sql("SELECT count(*) FROM decision").scalar()
        distinct = c.exec_driver_sql("SELECT count(DISTINCT application_id) FROM decision").scalar()
        events = c.exec_driver_sql("SELECT count(*) FROM audit_event WHERE event = 'proposed'").scalar()
    with db.read() as s:
        report = verify(s)
    db.dispose()
    if schema:
        with sa.create_engine(args.url, isolation_level="AUTOCOMMIT").connect() as c:
            c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    ok = (final.returncode == 0 and apps == args.n and undecided == 0 and decisions == args.n
          and distinct == args.n and events == args.n and report.ok)
    print(f"{args.kills} SIGKILLs over {args.n} applications in {seconds:.0f} s "
          f"({'PostgreSQL' if args.url else 'SQLite'})")
    print(f"applications {apps}, undecided {undecided}, decisions {decisions} ({distinct} distinct), "
          f"'proposed' events {events}, audit verify {'clean' if report.ok else report.all_problems()[:3]}")
    print("RESULT:", "every application decided exactly once, nothing lost" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
