"""Impact analysis of a draft pack over a stored, seeded caseload whose household shapes are labelled.

One SQLite database for the module: 60 synthetic households of 2026 (seed 8), sealed and decided as
of 2026-12-01 and stored like any decision. Each test re-decides them with a draft and checks what
the report says — and that nothing was written to decisions.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.driven.clock import FixedClock
from adapters.driven.db import migrate
from adapters.driven.db.access import AccessLog
from adapters.driven.db.engine import Database
from adapters.driven.db.store import CaseStore
from adapters.driving.lifecycle.impact import ImpactRequest, run_impact
from decision.pipeline import Pipeline
from decision.validation import parse_bundle
from rules.catalog import PACKAGE_DIR, Catalog
from rules.evaluator import PackEvaluator
from tests.caseload import Case, caseload
from tests.decide import decide_and_store
from tests.integration.conftest import HMAC_KEY, TestDatabase

DECIDED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PUBLISHED = PACKAGE_DIR / "packs" / "sol2025_400_v1"
BIDRAGSTAK = PACKAGE_DIR / "drafts" / "illustrative_bidragstak_2027_v1"


def make_draft(parent: Path, new_id: str, source: Path = PUBLISHED) -> Path:
    """A draft copied from a pack: a new id, no publication stamp (what a municipality starts from)."""
    folder = parent / "drafts" / new_id
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = folder / "manifest.yaml"
    lines = [
        f"id: {new_id}" if line.startswith("id: ") else line
        for line in manifest.read_text(encoding="utf-8").splitlines()
        if not line.startswith(("published_at:", "publication_decision:"))
    ]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def couple_draft(parent: Path, new_id: str, kronor: str) -> Path:
    """A draft whose 2026 riksnorm for a couple (7 100 kr) is ``kronor``: one line of one parameter file."""
    draft = make_draft(parent, new_id)
    riksnorm = draft / "parameters" / "riksnorm.yaml"
    text = riksnorm.read_text(encoding="utf-8")
    changed = re.sub(r'(riksnorm\.personal\.couple:.*?"2026-01-01":\n      value: )"7100"', rf'\g<1>"{kronor}"', text,
                     count=1, flags=re.S)
    assert changed != text and changed.count("\n") == text.count("\n")
    riksnorm.write_text(changed, encoding="utf-8")
    return draft


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestDatabase, list[Case]]]:
    root = tmp_path_factory.mktemp("impact")
    url = f"sqlite:///{root / 'finaid.db'}"
    db = Database(url)
    migrate.upgrade(db)
    catalog = Catalog()
    pipeline = Pipeline(PackEvaluator(catalog))
    cases = caseload(240, 8, "2026-01", "2026-12")
    store, access = CaseStore(db), AccessLog(db, HMAC_KEY.encode("utf-8"))
    for c in cases:
        decide_and_store(
            parse_bundle(json.dumps(c.bundle)), pipeline=pipeline, catalog=catalog, store=store, access=access,
            actor="system:test", clock=FixedClock(DECIDED_AT),
        )
    workdir = root / "work"
    workdir.mkdir()
    yield TestDatabase("sqlite", url, None, workdir, db, pipeline), cases
    db.dispose()


def snapshot(t: TestDatabase) -> tuple[list[tuple[str, str]], int, list[tuple[str, str]]]:
    decisions = [tuple(r) for r in t.rows("SELECT id, basis_hash FROM decision ORDER BY id")]
    apps = [tuple(r) for r in t.rows("SELECT id, state FROM application ORDER BY id")]
    return decisions, t.count("audit_event"), apps  # type: ignore[return-value]


def impact(t: TestDatabase, draft: Path, tmp_path: Path, **kw: object) -> dict[str, object]:
    request = ImpactRequest(draft=str(draft), out=tmp_path / "reports", actor="user:analyst", **kw)  # type: ignore[arg-type]
    result = run_impact(request, t.db, t.access, Catalog())
    assert stat.S_IMODE(result.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(result.json_path.stat().st_mode) == 0o600
    assert json.loads(result.json_path.read_text(encoding="utf-8")) == result.report
    return result.report


def test_each_stored_decision_records_the_date_its_pack_was_selected_as_of(
    world: tuple[TestDatabase, list[Case]],
) -> None:
    t, cases = world
    stamps = {str(r[0])[:19] for r in t.rows("SELECT decided_at FROM decision")}
    assert stamps == {"2026-12-01 09:00:00"}
    payloads = [json.loads(r[0]) for r in t.rows("SELECT payload FROM audit_event WHERE event = 'proposed'")]
    assert len(payloads) == len(cases)
    assert {(p["as_of"], p["pack"]) for p in payloads} == {("2026-12-01", "sol2025_400_v1")}


def test_a_pack_identical_to_the_published_one_changes_nothing(
    world: tuple[TestDatabase, list[Case]], tmp_path: Path
) -> None:
    t, cases = world
    before = snapshot(t)
    logged = t.scalar("SELECT count(*) FROM access_log WHERE purpose = 'impact_analysis'")
    draft = make_draft(tmp_path, "sol2025_400_same")
    report = impact(t, draft, tmp_path)
    assert report["cases"]["compared"] == len(cases) == 60  # type: ignore[index]
    assert report["changed"] == {  # amounts, outcomes and finding codes all the same
        "cases": 0, "proposed": 0, "any_amount": 0, "outcome": 0, "finding_codes": 0, "increased": 0,
        "decreased": 0, "protected_not_listed": 0,
    }
    assert report["proposed_total"]["delta"] == "0.00"  # type: ignore[index]
    assert report["cases"]["baseline_differs_from_stored"] == 0  # type: ignore[index]
    assert report["largest_changes"] == [] and report["changed_cases"] == []
    assert report["histogram"][6] == {"bin": "0", "cases": 60}  # type: ignore[index]
    # read-only: no decision, state or audit event changed; exactly one access-log row, for this purpose
    assert snapshot(t) == before
    assert t.scalar("SELECT count(*) FROM access_log WHERE purpose = 'impact_analysis'") == logged + 1
    row = t.rows("SELECT actor, action, subject, person_keys FROM access_log ORDER BY seq DESC LIMIT 1")[0]
    assert row[0] == "user:analyst" and row[1] == "impact" and row[2] == f"impact:{report['run_id']}"
    persons = sum(len(c.bundle["application"]["household"]) for c in cases)
    assert len(row[3].split()) == persons


def test_one_changed_riksnorm_line_changes_exactly_the_households_of_that_shape(
    world: tuple[TestDatabase, list[Case]], tmp_path: Path
) -> None:
    t, cases = world
    # the 2026 couple amount, 7 100 kr, becomes 7 200 kr: one line of one parameter file
    draft = couple_draft(tmp_path, "sol2025_400_couple_plus_100", "7200")
    report = impact(t, draft, tmp_path, workers=2)  # spawned worker processes, each with its own engine
    assert report["workers"] == 2
    couples = {c.application_id for c in cases if c.couple}
    assert 10 <= len(couples) < len(cases)
    rows = {r["application_id"]: r for r in report["changed_cases"]}  # type: ignore[attr-defined]
    protected = {c.application_id for c in cases if c.archetype == "protected_identity"}
    assert set(rows) == couples - protected
    assert report["changed"]["cases"] == len(couples)  # type: ignore[index]
    assert all("norm" in r["amounts_changed"] for r in rows.values())
    # a couple's proposal rises by 100 kr unless the income still covers everything
    assert {r["delta"] for r in rows.values()} <= {"100.00", "0.00"}
    assert report["changed"]["decreased"] == 0  # type: ignore[index]
    html = (tmp_path / "reports").glob("impact-sol2025_400_couple_plus_100-*/impact.html")
    page = next(html).read_text(encoding="utf-8")
    assert "Ändring av föreslaget belopp" in page and "Största ändringarna" in page
    assert not re.search(r"\b(19|20)\d{10}\b", page), "no personnummer in the report"


def test_the_stored_decisions_as_baseline_give_the_report_deciding_them_again_gives(
    world: tuple[TestDatabase, list[Case]], tmp_path: Path
) -> None:
    t, cases = world
    draft = couple_draft(tmp_path, "sol2025_400_couple_plus_1", "7101")
    stored = impact(t, draft, tmp_path / "stored", workers=2)
    decided = impact(t, draft, tmp_path / "decided", redecide_baseline=True)
    assert stored["cases"]["baseline_stored"] == len(cases) == decided["cases"]["baseline_redecided"]  # type: ignore[index]
    assert stored["cases"]["baseline_redecided"] == 0 == decided["cases"]["baseline_stored"]  # type: ignore[index]
    assert decided["cases"]["baseline_differs_from_stored"] == 0  # type: ignore[index]
    assert stored["changed"]["cases"] > 0  # type: ignore[index]
    ignored = ("run_id", "baseline", "workers", "cases")
    same = {k: v for k, v in stored.items() if k not in ignored}
    assert same == {k: v for k, v in decided.items() if k not in ignored}
    counts = ("baseline_stored", "baseline_redecided")
    assert ({k: v for k, v in stored["cases"].items() if k not in counts}  # type: ignore[attr-defined]
            == {k: v for k, v in decided["cases"].items() if k not in counts})  # type: ignore[attr-defined]


def test_the_illustrative_benefit_cap_as_of_january_2027_through_the_cli(
    world: tuple[TestDatabase, list[Case]], tmp_path: Path
) -> None:
    t, cases = world
    before = snapshot(t)
    reports = tmp_path / "reports"
    proc = t.cli(
        "rules", "impact", "--pack", "illustrative_bidragstak_2027_v1", "--from", "2026-01", "--to", "2026-12",
        "--as-month", "2027-01", "--workers", "1", "--out", str(reports), "--json",
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["as_month"] == "2027-01" and "as if each application were for 2027-01" in report["as_month_note"]
    assert report["pack"]["id"] == "illustrative_bidragstak_2027_v1" and report["pack"]["state"] == "draft"
    assert report["cases"]["compared"] + sum(report["cases"]["skipped"].values()) == len(cases)
    capped = report["finding_codes"]["added"].get("bidragstak.applied", 0)
    assert capped > 0, report["finding_codes"]
    # every figure of the draft is unverified: the notice is on every compared case
    assert report["changed"]["finding_codes"] == report["cases"]["compared"]
    page = next(reports.glob("impact-illustrative_bidragstak_2027_v1-*/impact.html")).read_text(encoding="utf-8")
    assert "Som om ansökan gällde 2027-01" in page
    assert snapshot(t) == before
