"""Published packs are immutable: ``finaid rules verify`` and ``finaid rules publish``.

``verify`` checks every rules root (the installed ``rules/``, ``$FINAID_RULES_DIR``): each lock entry's
folder exists and still hashes to the entry, its manifest's ``published_at`` agrees, and no folder in
``packs/`` or ``guidelines/`` is unlocked (a new version is published from ``drafts/``). Changing a
pack's ``tests/`` changes nothing: tests are not covered by the hash.

``publish`` moves ``<root>/drafts/<id>`` to ``<root>/packs/<id>`` (or ``guidelines/``), writes
``published_at`` and the publishing decision into its manifest, records its hash in the lock, and
writes an audit event — after checking that the draft's scenario tests pass and cover every rule,
and that the CHANGELOG has an entry naming it with what changed, why, and from which law or
guideline.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from decision.errors import RulesError
from rules.catalog import (
    PACKAGE_DIR,
    Catalog,
    content_hash,
    draft_kind,
    load_guideline,
    load_pack,
)
from rules.lock import FOLDERS, Kind, LockEntry, lock_path, parse_day, read_lock, write_lock
from rules.yamlload import load_yaml


@dataclass
class VerifyReport:
    checked: dict[str, int] = field(default_factory=lambda: {"pack": 0, "guideline": 0})
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(roots: list[Path]) -> VerifyReport:
    report = VerifyReport()
    for root in roots:
        kinds: tuple[Kind, ...] = ("pack", "guideline")
        for kind in kinds:
            try:
                lock = read_lock(root, kind)
            except RulesError as e:
                report.problems.append(str(e))
                continue
            folder = root / FOLDERS[kind]
            present = {m.parent.name for m in folder.glob("*/manifest.yaml")}
            for pid, entry in sorted(lock.items()):
                where = folder / pid
                if pid not in present:
                    report.problems.append(f"{kind} {pid} is in {lock_path(root, kind)} but {where} is missing")
                    continue
                report.checked[kind] += 1
                digest = content_hash(where)
                if digest != entry.hash:
                    report.problems.append(
                        f"published {kind} {pid} changed: {where} hashes to {digest}, the lock says {entry.hash} "
                        "(a published pack is immutable: put the change in a new pack under drafts/)"
                    )
                try:
                    manifest = load_yaml((where / "manifest.yaml").read_text(encoding="utf-8"), str(where))
                    at = manifest.get("published_at") if isinstance(manifest, dict) else None
                    if at is None or parse_day(at, f"{where}: published_at") != entry.published_at:
                        report.problems.append(
                            f"published {kind} {pid}: manifest published_at {at!r} differs from the lock's "
                            f"{entry.published_at.isoformat()}"
                        )
                except RulesError as e:
                    report.problems.append(str(e))
            for pid in sorted(present - set(lock)):
                report.problems.append(
                    f"{kind} {pid} in {folder} is not published (not in the lock): publish it from drafts/ with "
                    "`finaid rules publish`"
                )
            for manifest_file in sorted((root / "drafts").glob("*/manifest.yaml")):
                if manifest_file.parent.name in lock:
                    report.problems.append(f"draft {manifest_file.parent.name} has the id of a published {kind}")
    return report


# ---------------------------------------------------------------------------------------------- changelog
_LABELS = {
    "what": re.compile(r"\bwhat changed\s*:\s*\S", re.IGNORECASE),
    "why": re.compile(r"\bwhy\s*:\s*\S", re.IGNORECASE),
    "source": re.compile(r"\b(source|law|guideline)\s*:\s*\S", re.IGNORECASE),
}
_WHAT_SV = {"what": "What changed:", "why": "Why:", "source": "Source: (the law or guideline)"}


def changelog_entries(text: str) -> list[str]:
    """The CHANGELOG's list items (``- …`` with their indented continuation lines) and paragraphs."""
    entries: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        starts = line.startswith(("- ", "* ", "#")) or not line.strip()
        if starts and current:
            entries.append("\n".join(current))
            current = []
        if line.strip() and not line.startswith("#"):
            current.append(line)
    if current:
        entries.append("\n".join(current))
    return entries


def check_changelog(path: Path, ident: str) -> list[str]:
    """Problems with the CHANGELOG entry for ``ident`` (empty: an entry names it with what, why and source)."""
    if not path.is_file():
        return [f"no CHANGELOG at {path} (give --changelog)"]
    named = [e for e in changelog_entries(path.read_text(encoding="utf-8"))
             if re.search(rf"(?<![\w-]){re.escape(ident)}(?![\w-])", e)]
    if not named:
        return [f"{path} has no entry naming {ident}"]
    for entry in named:
        missing = [label for label, rx in _LABELS.items() if not rx.search(entry)]
        if not missing:
            return []
    return [
        f"{path}: the entry naming {ident} must say {', '.join(_WHAT_SV[m] for m in missing)}"
    ]


# ---------------------------------------------------------------------------------------------- publish
@dataclass(frozen=True)
class Published:
    kind: Kind
    id: str
    hash: str
    published_at: date
    decision: str
    folder: Path
    root: Path


def _root_of(draft: Path) -> Path:
    if draft.parent.name != "drafts":
        raise RulesError(f"{draft} is not in a drafts/ folder: a draft lives in <rules root>/drafts/<id>")
    return draft.parent.parent


def _stamp_manifest(text: str, published_at: date, decision: str) -> str:
    """The manifest with ``published_at`` and ``publication_decision`` set (after ``months:``/``municipalities:``)."""
    kept = [
        line for line in text.splitlines()
        if not line.startswith(("published_at:", "publication_decision:"))
    ]
    quoted = decision.replace("\\", "\\\\").replace('"', '\\"')
    stamp = [f'published_at: "{published_at.isoformat()}"', f'publication_decision: "{quoted}"']
    for i, line in enumerate(kept):
        if line.startswith(("months:", "municipalities:")):
            return "\n".join(kept[: i + 1] + stamp + kept[i + 1:]) + "\n"
    raise RulesError("the draft's manifest has neither months: nor municipalities:")


def default_changelog(root: Path) -> Path:
    """The installed rules' CHANGELOG is the project's; a municipality's root keeps its own."""
    if root.resolve() == PACKAGE_DIR.resolve():
        return PACKAGE_DIR.parent / "CHANGELOG.md"
    return root / "CHANGELOG.md"


def prepare(catalog: Catalog, ref: str, published_at: date, decision: str, changelog: Path | None) -> tuple[
    Kind, Path, Path, list[str]
]:
    """Every check before anything moves; (kind, draft folder, root, warnings)."""
    if not decision.strip() or len(decision) > 200 or any(ord(c) < 32 for c in decision):
        raise RulesError("--decision must name the publishing decision (one line, at most 200 characters)")
    folder = catalog.draft_folder(ref)
    root = _root_of(folder)
    kind = draft_kind(folder)
    ident = folder.name
    target = root / FOLDERS[kind] / ident
    if target.exists() or ident in read_lock(root, kind):
        raise RulesError(f"{kind} {ident} is already published: a change is a new {kind} with a new id")
    log = changelog or default_changelog(root)
    problems = check_changelog(log, ident)
    if problems:
        raise RulesError("; ".join(problems))
    if kind == "pack":
        pack = catalog.draft_pack(str(folder))
        from adapters.driving.lifecycle.coverage import pack_coverage
        from adapters.driving.lifecycle.scenarios import ScenarioRunner

        result = pack_coverage(ScenarioRunner(catalog), pack, {})
        if result.problems:
            raise RulesError(f"draft {ident} is not ready: " + "; ".join(result.problems[:10]))
        return kind, folder, root, result.warnings
    catalog.draft_guideline(str(folder))  # loads it: refuses an installed id
    return kind, folder, root, []


def move_into_place(kind: Kind, folder: Path, root: Path, published_at: date, decision: str) -> Published:
    """Stamp the manifest, move the folder, lock its hash. Undone if any step fails."""
    ident = folder.name
    target = root / FOLDERS[kind] / ident
    manifest = folder / "manifest.yaml"
    original = manifest.read_text(encoding="utf-8")
    lock = read_lock(root, kind)
    moved = False
    try:
        manifest.write_text(_stamp_manifest(original, published_at, decision), encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(folder), str(target))
        moved = True
        loaded = load_pack(target) if kind == "pack" else load_guideline(target)
        if loaded.published_at != published_at:
            raise RulesError(f"{target}: published_at was not written")
        write_lock(root, kind, {**lock, ident: LockEntry(ident, loaded.hash, published_at, decision)})
        return Published(kind, ident, loaded.hash, published_at, decision, target, root)
    except BaseException:
        if moved:
            shutil.move(str(target), str(folder))
        manifest.write_text(original, encoding="utf-8")
        raise


def undo(published: Published) -> None:
    """Take a publication back (only when its audit event could not be written)."""
    lock = read_lock(published.root, published.kind)
    lock.pop(published.id, None)
    write_lock(published.root, published.kind, lock)
    draft = published.root / "drafts" / published.id
    shutil.move(str(published.folder), str(draft))
    manifest = draft / "manifest.yaml"
    manifest.write_text(
        "\n".join(
            line for line in manifest.read_text(encoding="utf-8").splitlines()
            if not line.startswith(("published_at:", "publication_decision:"))
        ) + "\n",
        encoding="utf-8",
    )
