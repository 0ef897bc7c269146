"""Publishing through the real CLI, in a municipality's own rules root (``FINAID_RULES_DIR``): refused
without a CHANGELOG entry, then moved into place, locked, audited; selected from its publication date;
verified; immutable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from rules.catalog import PACKAGE_DIR
from tests.integration.conftest import TestDatabase

ENTRY = """# Changelog (kommunens regelpaket)

## Unreleased
- Rule pack `muni_2026_v2` (months 2025-07..2026-12), a corrected wording of the GRANT reason.
  What changed: the outcome text of a grant.
  Why: the social welfare board asked for plainer Swedish.
  Guideline: Socialnämndens beslut 2026-11-30 § 12.
"""


def municipal_draft(root: Path) -> Path:
    folder = root / "drafts" / "muni_2026_v2"
    shutil.copytree(PACKAGE_DIR / "packs" / "sol2025_400_v1", folder, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = folder / "manifest.yaml"
    text = "\n".join(
        "id: muni_2026_v2" if line.startswith("id: ") else line
        for line in manifest.read_text(encoding="utf-8").splitlines()
        if not line.startswith(("published_at:", "publication_decision:"))
    ) + "\n"
    text = text.replace("med det beräknade beloppet: förslag bifall.", "med det beräknade beloppet. Förslag: bifall.")
    manifest.write_text(text, encoding="utf-8")
    return folder


def test_a_municipality_publishes_a_pack_that_decisions_select_from_its_date(
    database: TestDatabase, tmp_path: Path
) -> None:
    root = tmp_path / "municipality"
    draft = municipal_draft(root)
    (root / "CHANGELOG.md").write_text("# Changelog\n", encoding="utf-8")
    env = {"FINAID_RULES_DIR": str(root)}
    publish = ("rules", "publish", "muni_2026_v2", "--published-at", "2026-12-01", "--decision", "SN 2026-11-30 § 12")

    refused = database.cli(*publish, env=env)
    assert refused.returncode == 1 and "has no entry naming muni_2026_v2" in refused.stderr, refused.stderr
    assert draft.is_dir() and not (root / "packs").exists() and not (root / "packs.lock").exists()

    (root / "CHANGELOG.md").write_text(ENTRY, encoding="utf-8")
    done = database.cli(*publish, env=env)
    assert done.returncode == 0, done.stderr
    assert not draft.exists() and (root / "packs" / "muni_2026_v2" / "manifest.yaml").is_file()
    lock = (root / "packs.lock").read_text(encoding="utf-8")
    digest = lock.split('hash: "')[1].split('"')[0]
    assert 'published_at: "2026-12-01"' in lock and "SN 2026-11-30 § 12" in lock
    event = database.rows("SELECT actor, subject, payload FROM audit_event WHERE event = 'rules_published'")
    assert len(event) == 1 and event[0][1] == "rule_pack:muni_2026_v2"
    assert json.loads(event[0][2])["hash"] == digest and event[0][0] == "user:test-handler"

    which = {
        day: database.cli_json("rules", "which", "--month", "2026-03", "--as-of", day, "--json", env=env)["pack"]["id"]
        for day in ("2026-11-30", "2026-12-01")
    }
    assert which == {"2026-11-30": "sol2025_400_v1", "2026-12-01": "muni_2026_v2"}
    assert database.cli(*publish, env=env).returncode == 1  # once published, a change is a new pack

    assert database.cli("rules", "verify", env=env).returncode == 0
    (root / "packs" / "muni_2026_v2" / "tests" / "outcome.yaml").write_text("[]\n", encoding="utf-8")
    assert database.cli("rules", "verify", env=env).returncode == 0  # its tests are not part of it
    riksnorm = root / "packs" / "muni_2026_v2" / "parameters" / "riksnorm.yaml"
    riksnorm.write_bytes(riksnorm.read_bytes().replace(b'"7100"', b'"7109"', 1))
    changed = database.cli("rules", "verify", env=env)
    assert changed.returncode == 1 and "published pack muni_2026_v2 changed" in changed.stderr, changed.stderr
