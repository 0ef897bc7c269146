"""docs/registry.md's mapping table and the README's settings table say what the code does."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.driven.ssbtek import fk_lefi
from adapters.driven.ssbtek.model import REQUEST_SUFFIX
from adapters.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "registry.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _rows(text: str, heading: str) -> list[list[str]]:
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    return [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ]


def test_the_fk_benefit_families_in_the_table_are_the_ones_the_code_maps() -> None:
    documented: dict[str, str] = {}
    agency = ""
    for cols in _rows(DOC, "## Mapping: agency answer → registry entries and facts"):
        agency = cols[0] or agency
        if not agency.startswith("Försäkringskassan"):
            continue
        kind = re.search(r"`([a-z_]+)`", cols[2])
        for code in re.findall(r"`([A-Z]{2,3})`", cols[1]):
            if kind:
                documented[code] = kind.group(1)
    assert documented == {code: kind.value for code, kind in fk_lefi.FK_GROUPS.items()}


def test_the_pension_groups_and_request_suffixes_are_documented() -> None:
    for code in fk_lefi.PM_GROUPS:
        assert f"`PM:{code}`" in DOC
    for suffix in REQUEST_SUFFIX.values():
        assert f"`{suffix}`" in DOC


def test_every_registry_setting_is_in_the_docs_and_the_readme() -> None:
    names = [f"FINAID_{n.upper()}" for n in Settings.model_fields if n.startswith(("ssbtek_", "sandbox_"))]
    assert len(names) >= 20
    for name in names:
        assert f"`{name}`" in DOC, name
        assert f"`{name}`" in README, name
