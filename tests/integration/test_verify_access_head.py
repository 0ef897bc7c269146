"""The access log has the audit chain's tail protection: ``finaid audit verify --expected-access-head``
(issue 18, finding 6); ``finaid audit head --both`` prints the heads to publish."""

from __future__ import annotations

import sqlalchemy as sa

from tests.integration.conftest import TestDatabase, example_paths


def test_expected_access_head_catches_a_cut_tail_with_a_rewound_head(database: TestDatabase) -> None:
    for path in example_paths()[:3]:
        database.decide(path)
    lines = database.cli("audit", "head", "--both").stdout.split()
    assert lines[0] == "audit" and lines[2] == "access"
    published = database.cli("audit", "head", "--access").stdout.strip()
    assert published == lines[3]
    assert database.cli("audit", "verify", "--expected-access-head", published).returncode == 0
    seq = int(published.split(":")[0])
    with database.bypass_triggers() as conn:  # cut the last entry and rewind the head to the one before
        conn.execute(sa.text("DELETE FROM access_person WHERE seq = :s"), {"s": seq})
        conn.execute(sa.text("DELETE FROM access_log WHERE seq = :s"), {"s": seq})
        h = conn.execute(sa.text("SELECT hash FROM access_log WHERE seq = :s"), {"s": seq - 1}).scalar_one()
        conn.execute(sa.text("UPDATE chain_head SET seq = :s, hash = :h WHERE chain = 'access'"),
                     {"s": seq - 1, "h": h})
    assert database.cli("audit", "verify").returncode == 0  # self-consistent without the published head
    proc = database.cli("audit", "verify", "--expected-access-head", published)
    assert proc.returncode == 1
    assert f"TAMPERED: access log: truncated: the published head is event {seq}, the log ends at {seq - 1}" \
        in proc.stdout
    bad = database.cli("audit", "verify", "--expected-access-head", "12:nothex")
    assert bad.returncode == 2 and "--expected-access-head" in bad.stderr
