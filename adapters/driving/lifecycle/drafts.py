"""``finaid rules draft``: start a new pack (or guideline version) from a published one.

The copy goes to ``<root>/drafts/<new id>`` of the chosen rules root (``$FINAID_RULES_DIR`` when set,
so a municipality never edits the installed package): the manifest gets the new id and, for a pack,
the new months; the publication stamp is removed (``finaid rules publish`` sets it). Parameters,
rulesets, formulas and tests are copied as they are, to be edited: a draft is never selected, so
nothing changes for decisions until it is published.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from decision.errors import RulesError
from rules.catalog import Catalog, Guideline, RulePack

_ID = re.compile(r"^[a-z][a-z0-9_]{2,62}$")


def new_draft(
    catalog: Catalog, source: str, new_id: str, root: Path, months: tuple[str, str] | None = None
) -> Path:
    item: RulePack | Guideline
    if source in catalog.packs:
        item = catalog.packs[source]
    elif source in catalog.guidelines:
        item = catalog.guidelines[source]
    else:
        raise RulesError(f"no published pack or guideline {source!r} to start from")
    if not _ID.match(new_id):
        raise RulesError("a new id is 3–63 characters: lower-case letters, digits and _ (e.g. sol2025_400_2027_v1)")
    if new_id in catalog.packs or new_id in catalog.guidelines or new_id in catalog.draft_folders():
        raise RulesError(f"{new_id} is taken: ids are never reused")
    if months is not None and isinstance(item, Guideline):
        raise RulesError("--months is for rule packs")
    target = root / "drafts" / new_id
    shutil.copytree(item.folder, target, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = target / "manifest.yaml"
    lines: list[str] = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.startswith(("published_at:", "publication_decision:")):
            continue
        if line.startswith("id: "):
            lines.append(f"id: {new_id}")
        elif months is not None and line.startswith("months: "):
            lines.append(f'months: {{from: "{months[0]}", to: "{months[1]}"}}')
        else:
            lines.append(line)
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
