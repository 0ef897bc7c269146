"""benchmarks/workbench.py's loader: ``n`` proposals COPYed into a throw-away schema, fast (100 000 in about a
minute) and consistent enough for the pages to read them as they read a night's.

It reuses benchmarks/audit_load.py (the example bundles decided by the real pipeline as templates; applications,
revisions, decisions, decision_use rows and the hash-chained audit events COPYed) and adds what the workbench
reads beyond that:

- households: each template household is replayed as ``n / PER_HOUSEHOLD`` synthetic households (every member's
  personnummer replaced by a synthetic one with the same birth date and sex digit, so ages and norms stay as
  decided), each applying about every other month over the period; the applicant's keyed HMAC is the
  application's ``household_key`` (search, the previous month, the household's decisions);
- the access log: a ``registry_read`` and a ``decide`` entry per decision (purpose handlaggning, channel batch,
  the household's keyed HMACs), hash-chained from the genesis, as the night writes them.

FOR LOAD ONLY: the bundles' and bases' texts are the templates' with ids and personnummer substituted; their
stored hashes are the hashes of the stored texts (``audit verify``'s content and chain checks hold), but a
replay of a seeded decision is not claimed to reproduce its basis byte for byte. Synthetic data only.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import timedelta

import psycopg

from audit.access import person_key
from audit.chain import GENESIS, access_hash
from benchmarks.audit_load import (
    ACTOR,
    MUNICIPALITIES,
    Plan,
    _copy,
    _line,
    load,
)
from decision import personnummer as pnr

PER_HOUSEHOLD = 24  # applications per household over the four years (about every other month)


class WorkbenchPlan(Plan):
    """audit_load's plan with households: row ``i`` belongs to household ``i % households``."""

    def choose(self, rng: random.Random) -> None:
        """Each household's template and municipality, each row's its household's; the households' members."""
        self.households = max(1, self.n // PER_HOUSEHOLD)
        of_household = self.templates_drawn(rng, self.households)
        where = [rng.choice(MUNICIPALITIES) for _ in range(self.households)]
        self.choice = [of_household[i % self.households] for i in range(self.n)]
        self.municipality = [where[i % self.households] for i in range(self.n)]
        members = [[(m["personnummer"], m["role"]) for m in json.loads(t.bundle_json)["application"]["household"]]
                   for t in self.tpl]
        seen: dict[int, int] = {}
        self.persons: list[list[tuple[str, str]]] = []  # per household: (template's number, its own)
        self.applicant: list[str] = []
        for t in of_household:
            k = seen[t] = seen.get(t, -1) + 1
            swap = [(old, _synthetic(old, k)) for old, _ in members[t]]
            self.persons.append(swap)
            self.applicant.append(next(new for (old, new), (_, role) in zip(swap, members[t], strict=True)
                                       if role == "applicant"))

    def texts(self, i: int) -> tuple[str, str, str]:
        texts = super().texts(i)
        for old, new in self.persons[i % self.households]:
            texts = tuple(x.replace(old, new) for x in texts)  # type: ignore[assignment]
        return texts

    def household(self, i: int) -> list[str]:
        return [new for _, new in self.persons[i % self.households]]


def _synthetic(number: str, k: int) -> str:
    """The ``k``-th synthetic stand-in for a template member: same birth date (or samordningsnummer day), same
    sex digit, another serial (500 per birth date and sex; beyond that households share a person)."""
    serial = int(number[8:11])
    new = (serial + 2 * (k + 1)) % 1000
    return pnr.make(pnr.birth_date(number), new, coordination=int(number[6:8]) > 60)


def seed(conn: psycopg.Connection, plan: WorkbenchPlan, key: bytes) -> None:
    """COPY the plan (audit_load.load), then the households' keys and the access log; the schema's
    chain heads are set to the loaded chains' ends (a night or a page appends after them)."""
    load(conn, plan)
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE wb_keys (id text PRIMARY KEY, k text) ON COMMIT DROP")
        with cur.copy("COPY wb_keys (id, k) FROM STDIN") as copy:
            for h in range(min(plan.households, plan.n)):
                k = person_key(key, plan.applicant[h])
                for i in range(h, plan.n, plan.households):
                    copy.write(_line(plan.app_id(i), k))
        cur.execute("UPDATE application a SET household_key = w.k FROM wb_keys w WHERE a.id = w.id")
    conn.commit()
    head = {"seq": 0, "hash": GENESIS}
    persons: list[tuple[int, list[str]]] = []

    class Row:  # what access_hash reads
        __slots__ = ("seq", "at", "actor", "purpose", "channel", "action", "subject", "person_keys")

    def entries() -> Iterator[str]:
        prev, seq, row = GENESIS, 0, Row()
        row.actor, row.purpose, row.channel = ACTOR, "handlaggning", "batch"
        keys_of: dict[int, list[str]] = {}
        for i in range(plan.n):
            h = i % plan.households
            keys = keys_of.get(h)
            if keys is None:
                keys = keys_of[h] = sorted({person_key(key, p) for p in plan.household(i)})
            for at, action, subject in ((plan.at[i] - timedelta(seconds=1), "registry_read",
                                         f"application:{plan.app_id(i)}"),
                                        (plan.at[i], "decide", f"decision:{plan.decision_id[i]}")):
                seq += 1
                row.seq, row.at, row.action, row.subject, row.person_keys = seq, at, action, subject, " ".join(keys)
                digest = access_hash(prev, row)  # type: ignore[arg-type]
                yield _line(seq, at, ACTOR, "handlaggning", "batch", action, subject, row.person_keys, prev, digest)
                persons.append((seq, keys))
                prev = digest
        head["seq"], head["hash"] = seq, prev

    secs = _copy(conn, "access_log", "seq, at, actor, purpose, channel, action, subject, person_keys, prev_hash, hash",
                 entries())
    secs += _copy(conn, "access_person", "seq, person_key",
                  (f"{seq}\t{k}\n" for seq, keys in persons for k in keys))
    print(f"  COPY access_log + access_person  {head['seq']:>8,} entries  {secs:7.1f} s", flush=True)
    conn.execute("UPDATE chain_head SET seq = %s, hash = %s WHERE chain = 'access'", (head["seq"], head["hash"]))
    conn.commit()
    conn.autocommit = True  # VACUUM: the visibility map a day's autovacuum would have set (index-only scans), and
    for table in ("application", "application_revision", "decision", "decision_use", "audit_event", "access_log",
                  "access_person"):  # the statistics
        conn.execute(f"VACUUM (ANALYZE) {table}")
    conn.autocommit = False
