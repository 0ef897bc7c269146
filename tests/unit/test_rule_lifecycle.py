"""The rule-pack lifecycle without a database: locks and verify, selection with two dates, drafts never
selected, the CHANGELOG check, and moving a bundle to a later month for impact analysis."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.driven.clock import FixedClock
from adapters.driving.lifecycle.asmonth import shift
from adapters.driving.lifecycle.publish import check_changelog, move_into_place, verify
from adapters.driving.lifecycle.scenario_builder import build_bundle
from decision.bundle import CaseBundle
from decision.errors import InputError, RulesError
from decision.pipeline import Pipeline, decision_day
from decision.validation import parse_bundle
from rules.catalog import PACKAGE_DIR, Catalog, content_hash
from rules.evaluator import PackEvaluator
from rules.lock import LockEntry, read_lock, write_lock

PUBLISHED = ("sol2001_453_v1", "sol2025_400_v1")
PUBLISHED_V2 = ("sol2001_453_v2", "sol2025_400_v2")  # plausibility limits (issue 18), from 2026-12-03
PUBLISHED_V3 = ("sol2001_453_v3", "sol2025_400_v3")  # case bundle /2 (issue 15), from 2026-12-04
PUBLISHED_V4 = ("sol2001_453_v4", "sol2025_400_v4")  # subject facts (issue 17), from 2026-12-05


def rules_root(tmp_path: Path) -> Path:
    """A copy of the installed rules root: packs, guidelines and their locks."""
    root = tmp_path / "rules"
    for name in ("packs", "guidelines"):
        shutil.copytree(PACKAGE_DIR / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("packs.lock", "guidelines.lock"):
        shutil.copy(PACKAGE_DIR / name, root / name)
    return root


def single_adult(month: str) -> CaseBundle:
    return parse_bundle(json.dumps(build_bundle({"month": month, "household": [{"role": "applicant", "age": 40}]})))


def flip_one_byte(file: Path, old: bytes, new: bytes) -> None:
    data = file.read_bytes()
    assert data.count(old) >= 1 and len(old) == len(new)
    file.write_bytes(data.replace(old, new, 1))


def draft_from(root: Path, source: Path, new_id: str, months: tuple[str, str] | None = None) -> Path:
    folder = root / "drafts" / new_id
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("__pycache__"))
    lines = []
    for line in (folder / "manifest.yaml").read_text(encoding="utf-8").splitlines():
        if line.startswith(("published_at:", "publication_decision:")):
            continue
        if line.startswith("id: "):
            lines.append(f"id: {new_id}")
        elif months and line.startswith("months: "):
            lines.append(f'months: {{from: "{months[0]}", to: "{months[1]}"}}')
        else:
            lines.append(line)
    (folder / "manifest.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


# ------------------------------------------------------------------------------------ immutability
def test_the_installed_packs_and_guideline_are_published_and_unchanged() -> None:
    catalog = Catalog([PACKAGE_DIR])
    assert {p.id: p.state for p in catalog.packs.values()} == dict.fromkeys(
        (*PUBLISHED, *PUBLISHED_V2, *PUBLISHED_V3, *PUBLISHED_V4), "published"
    )
    for gid in ("default_v1", "default_v2", "default_v3"):
        assert catalog.guidelines[gid].state == "published"
    lock = read_lock(PACKAGE_DIR, "pack")
    for pid in PUBLISHED:
        assert lock[pid].hash == content_hash(PACKAGE_DIR / "packs" / pid)
        assert lock[pid].published_at == catalog.packs[pid].published_at == date(2026, 11, 23)
    for pid in PUBLISHED_V2:
        assert lock[pid].hash == content_hash(PACKAGE_DIR / "packs" / pid)
        assert lock[pid].published_at == catalog.packs[pid].published_at == date(2026, 12, 3)
    for pid in PUBLISHED_V3:
        assert lock[pid].hash == content_hash(PACKAGE_DIR / "packs" / pid)
        assert lock[pid].published_at == catalog.packs[pid].published_at == date(2026, 12, 4)
    for pid in PUBLISHED_V4:
        assert lock[pid].hash == content_hash(PACKAGE_DIR / "packs" / pid)
        assert lock[pid].published_at == catalog.packs[pid].published_at == date(2026, 12, 5)
    report = verify([PACKAGE_DIR])
    assert report.ok, report.problems
    assert report.checked == {"pack": 8, "guideline": 3}


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        ("packs/sol2025_400_v1/parameters/riksnorm.yaml", b'"7100"', b'"7101"'),
        ("packs/sol2025_400_v1/rulesets/findings.yaml", b"{$gt: {total:", b"{$ge: {total:"),
        ("packs/sol2001_453_v1/formulas.py", b"proposed = costs.proposed", b"proposed = costs.proposeD"),
        ("packs/sol2001_453_v1/manifest.yaml", b"4 kap. 1 b", b"4 kap. 1 c"),
        ("guidelines/default_v1/parameters/guideline.yaml", b'"6500"', b'"6600"'),
    ],
)
def test_one_changed_byte_in_a_published_pack_or_guideline_fails_verify(
    tmp_path: Path, path: str, old: bytes, new: bytes
) -> None:
    root = rules_root(tmp_path)
    assert verify([root]).ok
    flip_one_byte(root / path, old, new)
    report = verify([root])
    assert not report.ok
    ident = path.split("/")[1]
    assert any(f"published {'pack' if path.startswith('packs') else 'guideline'} {ident} changed" in p
               for p in report.problems), report.problems
    # and it is never selected: a decision for its months is refused, naming it
    with pytest.raises(RulesError, match=f"{ident} in .* changed since it was published"):
        catalog = Catalog([root])
        if path.startswith("packs"):
            catalog.pack_for("2026-03" if "2025" in ident else "2024-03")
        else:
            catalog.guideline_for("1287")


def test_changing_a_published_packs_tests_does_not_fail_verify(tmp_path: Path) -> None:
    root = rules_root(tmp_path)
    tests = root / "packs" / "sol2025_400_v1" / "tests"
    flip_one_byte(tests / "outcome.yaml", b"10 200", b"10 201")
    (tests / "new.yaml").write_text("- name: x\n  given: {}\n  expect: {}\n", encoding="utf-8")
    (root / "packs" / "sol2025_400_v1" / "__pycache__").mkdir()
    (root / "packs" / "sol2025_400_v1" / "__pycache__" / "formulas.cpython-311.pyc").write_bytes(b"cache")
    assert verify([root]).ok


def test_a_pack_in_packs_that_was_never_published_fails_verify_and_is_never_selected(tmp_path: Path) -> None:
    root = rules_root(tmp_path)
    folder = draft_from(root, root / "packs" / "sol2025_400_v1", "sol2025_400_v9", ("2026-01", "2026-12"))
    shutil.move(str(folder), str(root / "packs" / "sol2025_400_v9"))
    report = verify([root])
    assert any("sol2025_400_v9" in p and "not published" in p for p in report.problems)
    with pytest.raises(RulesError, match="sol2025_400_v9 .* is not published"):
        Catalog([root]).pack_for("2026-03")


# ------------------------------------------------------------------------------------ selection
def published_correction(root: Path, published_at: date) -> str:
    """A corrected 2026 pack in a municipality's root, published (locked) from ``published_at``."""
    folder = draft_from(root, PACKAGE_DIR / "packs" / "sol2025_400_v1", "muni_2026_v2", ("2026-01", "2026-12"))
    done = move_into_place("pack", folder, root, published_at, "SN 2026-11-30 § 12")
    assert read_lock(root, "pack")["muni_2026_v2"].hash == done.hash
    return done.hash


def test_the_pack_is_the_latest_published_covering_the_month_as_of_the_decisions_date(tmp_path: Path) -> None:
    extra = tmp_path / "municipality"
    digest = published_correction(extra, date(2026, 12, 1))
    catalog = Catalog([PACKAGE_DIR, extra])
    assert catalog.pack_for("2026-03", date(2026, 11, 30)).id == "sol2025_400_v1"
    assert catalog.pack_for("2026-03", date(2026, 12, 1)).id == "muni_2026_v2"
    assert catalog.pack_for("2025-09", date(2026, 12, 1)).id == "sol2025_400_v1"  # the correction starts 2026-01
    with pytest.raises(InputError, match="no rule pack covering 2026-03 was published as of 2026-11-22"):
        catalog.pack_for("2026-03", date(2026, 11, 22))
    # the clock is read by the pipeline, once, and the date goes into evaluation: same bundle, two dates
    bundle = single_adult("2026-03")
    before = Pipeline(PackEvaluator(catalog), clock=FixedClock(datetime(2026, 11, 30, 22, 59, tzinfo=UTC)))
    after = Pipeline(PackEvaluator(catalog), clock=FixedClock(datetime(2026, 11, 30, 23, 0, tzinfo=UTC)))
    first, second = before.decide(bundle), after.decide(bundle)
    assert (first.as_of, first.basis.rules.pack) == (date(2026, 11, 30), "sol2025_400_v1")
    assert (second.as_of, second.basis.rules.pack) == (date(2026, 12, 1), "muni_2026_v2")
    assert second.basis.rules.hash == digest
    # replay uses the recorded pack, whatever the date
    again = after.evaluate(first.bundle, first.basis.rules.hash, first.basis.guideline.hash)
    assert again.basis.canonical_json() == first.basis.canonical_json() and again.as_of is None


def test_a_repeated_selection_is_the_first_one_and_an_error_is_raised_every_time(tmp_path: Path) -> None:
    extra = tmp_path / "municipality"
    published_correction(extra, date(2026, 12, 1))
    catalog = Catalog([PACKAGE_DIR, extra])
    days = (None, date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 5))
    for month in ("2025-09", "2026-03"):
        for day in days:
            first = catalog.pack_for(month, day)
            # a selection is kept per (month, day): the same pack again, and what a fresh catalog selects
            assert catalog.pack_for(month, day) is first
            assert Catalog([PACKAGE_DIR, extra]).pack_for(month, day).id == first.id
            g = catalog.guideline_for("0180", day)
            assert catalog.guideline_for("0180", day) is g
            assert Catalog([PACKAGE_DIR, extra]).guideline_for("0180", day).id == g.id
    assert catalog.pack_for("2026-03", date(2026, 11, 30)).id == "sol2025_400_v1"
    assert catalog.pack_for("2026-03", date(2026, 12, 1)).id == "muni_2026_v2"
    for _ in range(2):  # an error is never kept as a selection
        with pytest.raises(InputError, match="no rule pack covering 2026-03 was published as of 2026-11-22"):
            catalog.pack_for("2026-03", date(2026, 11, 22))
        with pytest.raises(InputError, match="no rule pack covers 1999-01"):
            catalog.pack_for("1999-01", date(2026, 12, 1))


def test_the_decision_date_is_swedish() -> None:
    assert decision_day(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)
    assert decision_day(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == date(2026, 7, 1)
    assert decision_day(datetime(2026, 7, 1, 22, 0, tzinfo=UTC)) == date(2026, 7, 2)


def test_a_draft_is_never_selected_even_when_its_months_cover_the_application(tmp_path: Path) -> None:
    root = rules_root(tmp_path)
    draft_from(root, root / "packs" / "sol2025_400_v1", "sol2025_400_draft_v2", ("2026-01", "2026-12"))
    catalog = Catalog([root])
    assert "sol2025_400_draft_v2" not in catalog.packs
    assert catalog.draft_pack("sol2025_400_draft_v2").covers("2026-03")
    far = date(2099, 1, 1)  # the latest published pack covering 2026-03 is sol2025_400_v4 (from 2026-12-05)
    assert catalog.pack_for("2026-03", far).id == "sol2025_400_v4"
    bundle = single_adult("2026-03")
    decided = Pipeline(PackEvaluator(catalog)).decide(bundle, as_of=far)
    assert decided.basis.rules.pack == "sol2025_400_v4"
    # a draft's hash is no replay target either
    with pytest.raises(RulesError, match="no installed rule pack has hash"):
        catalog.pack_by_hash(catalog.draft_pack("sol2025_400_draft_v2").hash)


def test_the_shipped_benefit_cap_draft_covers_2027_and_2027_is_still_refused() -> None:
    catalog = Catalog()
    draft = catalog.draft_pack("illustrative_bidragstak_2027_v1")
    assert draft.state == "draft" and draft.covers("2027-01") and draft.published_at is None
    assert draft.manifest["illustrative"] is True
    assert "not law" in (draft.folder / "manifest.yaml").read_text("utf-8").lower()
    with pytest.raises(InputError, match="no rule pack covers 2027-01"):
        catalog.pack_for("2027-01", date(2099, 1, 1))


# ------------------------------------------------------------------------------------ publishing
def test_move_into_place_stamps_locks_and_keeps_tests_out_of_the_hash(tmp_path: Path) -> None:
    root = tmp_path / "municipality"
    digest = published_correction(root, date(2026, 12, 1))
    folder = root / "packs" / "muni_2026_v2"
    assert not (root / "drafts" / "muni_2026_v2").exists()
    text = (folder / "manifest.yaml").read_text(encoding="utf-8")
    assert 'published_at: "2026-12-01"' in text and 'publication_decision: "SN 2026-11-30 § 12"' in text
    assert content_hash(folder) == digest and verify([root]).ok
    (folder / "tests" / "outcome.yaml").write_text("[]\n", encoding="utf-8")
    assert verify([root]).ok
    flip_one_byte(folder / "formulas.py", b"costs.capped", b"costs.cappeD")
    assert not verify([root]).ok


def test_the_lock_round_trips(tmp_path: Path) -> None:
    entry = LockEntry("x_v1", "sha256:" + "ab" * 32, date(2026, 12, 1), 'KS "2026" § 1')
    write_lock(tmp_path, "guideline", {"x_v1": entry})
    assert read_lock(tmp_path, "guideline") == {"x_v1": entry}
    (tmp_path / "packs.lock").write_text("x_v1: {hash: nope, published_at: 2026-01-01, decision: d}\n")
    with pytest.raises(RulesError, match="malformed hash"):
        read_lock(tmp_path, "pack")


def test_the_changelog_must_name_the_pack_with_what_why_and_source(tmp_path: Path) -> None:
    log = tmp_path / "CHANGELOG.md"
    assert check_changelog(log, "muni_2027_v1") == [f"no CHANGELOG at {log} (give --changelog)"]
    log.write_text("# Changelog\n\n- `other_v1`: What changed: x. Why: y. Source: z.\n", encoding="utf-8")
    assert "has no entry naming muni_2027_v1" in check_changelog(log, "muni_2027_v1")[0]
    log.write_text("# Changelog\n\n- `muni_2027_v1`: the 2027 norm.\n  Why: uprating.\n", encoding="utf-8")
    problem = check_changelog(log, "muni_2027_v1")[0]
    assert "What changed:" in problem and "Source:" in problem and "Why:" not in problem
    log.write_text(
        "# Changelog\n\n## Unreleased\n- Rule pack `muni_2027_v1` (months 2027-01..2027-12).\n"
        "  What changed: the riksnorm amounts for 2027.\n  Why: the government's uprating for 2027.\n"
        "  Source: socialtjänstförordning (2025:468) 12 kap. 2 § i lydelse enligt SFS 2026:1.\n",
        encoding="utf-8",
    )
    assert check_changelog(log, "muni_2027_v1") == []
    assert check_changelog(log, "muni_2027") != []  # a prefix of another id does not count


def test_the_project_changelog_describes_the_first_published_packs() -> None:
    log = PACKAGE_DIR.parent / "CHANGELOG.md"
    for ident in (*PUBLISHED, "default_v1", *PUBLISHED_V2, "default_v2", *PUBLISHED_V4):
        assert check_changelog(log, ident) == [], ident


# ------------------------------------------------------------------------------------ --as-month
def test_a_bundle_moved_to_a_later_month_recomputes_ages_ytd_and_aid_months() -> None:
    given = {
        "month": "2026-10",
        "household": [{"role": "applicant", "age": 40}, {"role": "child", "age": 17, "birth": "2009-01-10"}],
        "incomes": [{"person": 1, "kind": "salary", "amount": "3000", "year_to_date": "30000"},
                    {"person": 0, "kind": "unemployment_benefit", "amount": "5000"}],
        "previous_aid": {"consecutive_months": 4, "jobbstimulans_months_used": 0},
    }
    bundle = parse_bundle(json.dumps(build_bundle(given)))
    moved = shift(bundle, "2027-01")
    app = moved.application
    assert app.month == "2027-01" and app.submitted_at.month == 12 and app.submitted_at.year == 2026
    assert (app.previous_aid.consecutive_months, app.previous_aid.jobbstimulans_months_used) == (7, 1)
    assert app.incomes[0].year_to_date == 300000  # 3 000 kr in January: the year starts again
    assert all(f.month == "2027-01" for e in moved.registry or [] for f in e.facts if hasattr(f, "month"))
    later = [e.fetched_at for e in moved.registry or []]
    assert all(a.month == 12 for a in later)
    same_year = shift(bundle, "2026-12")
    assert same_year.application.incomes[0].year_to_date == 3600000  # 30 000 + 2 × 3 000
    assert shift(bundle, "2026-11").application.previous_aid.jobbstimulans_months_used == 0  # 5 months: not yet
    begun = parse_bundle(json.dumps(build_bundle({**given, "previous_aid": {"consecutive_months": 9,
                                                                             "jobbstimulans_months_used": 3}})))
    assert shift(begun, "2027-01").application.previous_aid.jobbstimulans_months_used == 6
    with pytest.raises(ValueError, match="before"):
        shift(bundle, "2026-09")


def test_a_bundle_no_longer_valid_in_the_as_month_is_an_input_error() -> None:
    given = {"month": "2026-10", "household": [{"role": "applicant", "age": 50},
                                               {"role": "child", "birth": "2006-03-01", "attends_school": True}]}
    bundle = parse_bundle(json.dumps(build_bundle(given)))  # 20 years old in October 2026
    with pytest.raises(InputError, match=r"household\[1\]"):
        shift(bundle, "2027-04")  # 21 in April 2027
