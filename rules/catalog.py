"""Rule packs and municipal guidelines on disk: loading, hashing, publication and selection.

Packs load from the installed package (``rules/packs``) and from ``$FINAID_RULES_DIR/packs``;
guidelines from ``rules/guidelines`` and ``$FINAID_RULES_DIR/guidelines``. A pack's hash covers
its manifest, parameters, rulesets and formula modules, never its tests or caches. Loading one
folder is rules/packfolder.py's (its names are re-exported here); selecting is this module's.

A pack or guideline is *published* when its root's lock (``packs.lock``, ``guidelines.lock``)
records its id with exactly its current hash. Only published packs are ever selected for a
decision: the latest published (by ``published_at``) that covers the month applied for, as of the
decision's date. Drafts (``<root>/drafts/<id>``) are loaded on request (impact analysis, scenario
tests, ``finaid rules show``) and never selected.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from decision.errors import FieldError, InputError, RulesError
from rules.lock import read_lock
from rules.packfolder import (
    CHANGED,
    DRAFT,
    EXCLUDED_PARTS,
    HASHED_SUFFIXES,
    PUBLISHED,
    UNLOCKED,
    Guideline,
    LegalRef,
    RuleMeta,
    RulePack,
    content_hash,
    covered_files,
    draft_kind,
    load_guideline,
    load_pack,
)

PACKAGE_DIR = Path(__file__).resolve().parent

__all__ = [
    "CHANGED",
    "DRAFT",
    "EXCLUDED_PARTS",
    "HASHED_SUFFIXES",
    "PACKAGE_DIR",
    "PUBLISHED",
    "UNLOCKED",
    "Catalog",
    "Guideline",
    "LegalRef",
    "RuleMeta",
    "RulePack",
    "content_hash",
    "covered_files",
    "draft_kind",
    "load_guideline",
    "load_pack",
    "search_roots",
]


def search_roots() -> list[Path]:
    roots = [PACKAGE_DIR]
    extra = os.environ.get("FINAID_RULES_DIR")
    if extra:
        roots.append(Path(extra))
    return roots


_SELECTIONS_KEPT = 4096  # a long-running service sees one key per month and day: start over past this many


K = TypeVar("K", bound=tuple[str, date | None])
V = TypeVar("V")


def _selected(cache: dict[K, V], key: K, select: Callable[[str, date | None], V]) -> V:
    """``select(*key)`` once per key, then looked up; an error is never kept (raised each time)."""
    value = cache.get(key)
    if value is None:
        value = select(*key)
        if len(cache) >= _SELECTIONS_KEPT:
            cache.clear()
        cache[key] = value
    return value


class Catalog:
    """Every pack and guideline finaid can select from (published ones only), and the drafts beside them."""

    def __init__(self, roots: list[Path] | None = None) -> None:
        self.roots = list(roots or search_roots())
        self.packs: dict[str, RulePack] = {}
        self.guidelines: dict[str, Guideline] = {}
        for root in self.roots:
            pack_lock = read_lock(root, "pack")
            for folder in sorted((root / "packs").glob("*/manifest.yaml")):
                pack = load_pack(folder.parent, pack_lock.get(folder.parent.name))
                if pack.id in self.packs:
                    raise RulesError(f"rule pack {pack.id} is installed twice")
                self.packs[pack.id] = pack
            guideline_lock = read_lock(root, "guideline")
            for folder in sorted((root / "guidelines").glob("*/manifest.yaml")):
                g = load_guideline(folder.parent, guideline_lock.get(folder.parent.name))
                if g.id in self.guidelines:
                    raise RulesError(f"guideline {g.id} is installed twice")
                self.guidelines[g.id] = g
        if not self.packs:
            raise RulesError("no rule packs found")
        # selections by (month, as_of) and (municipality, as_of): the packs and guidelines above are loaded
        # once and never change, so a selection does not either; errors are never cached (raised each time)
        self._pack_for: dict[tuple[str, date | None], RulePack] = {}
        self._guideline_for: dict[tuple[str, date | None], Guideline] = {}

    # ------------------------------------------------------------------ selection
    def pack_for(self, month: str, as_of: date | None = None) -> RulePack:
        """The latest published pack covering ``month``, as of the decision's date ``as_of``.

        "Latest" is by ``published_at`` (then id). Without ``as_of`` every published pack counts (tools
        and tests); every decision path passes the decision's date. Drafts are never candidates; a
        pack in ``packs/`` that is not (or no longer) what its lock says is an error, never skipped.
        Selected once per (month, as_of) and then looked up.
        """
        return _selected(self._pack_for, (month, as_of), self._select_pack)

    def _select_pack(self, month: str, as_of: date | None) -> RulePack:
        broken = [p for p in self.packs.values() if p.covers(month) and not p.published]
        if broken:
            p = broken[0]
            what = "changed since it was published" if p.state == CHANGED else "is not published (not in the lock)"
            raise RulesError(f"rule pack {p.id} in {p.folder.parent} {what}: run `finaid rules verify`")
        covering = [p for p in self.packs.values() if p.covers(month)]
        if not covering:
            spans = ", ".join(f"{p.month_from}..{p.month_to}" for p in self.packs.values())
            raise InputError([FieldError("application.month", f"no rule pack covers {month} (packs cover {spans})")])
        if as_of is not None:
            later = sorted(covering, key=lambda p: (p.published_at or date.min, p.id))
            covering = [p for p in covering if p.published_at is not None and p.published_at <= as_of]
            if not covering:
                first = later[0]
                when = first.published_at.isoformat() if first.published_at else "?"
                raise InputError([FieldError(
                    "application.month",
                    f"no rule pack covering {month} was published as of {as_of} ({first.id} is, from {when})",
                )])
        return sorted(covering, key=lambda p: (p.published_at or date.min, p.id))[-1]

    @staticmethod
    def check_accepts(pack: RulePack, schema: str) -> None:
        """A bundle version the pack does not take is invalid input naming the pack (exit 2 / 422)."""
        if not pack.accepts(schema):
            takes = ", ".join(pack.accepts_bundles)
            raise InputError([FieldError(
                "schema", f"{schema} tas inte emot av regelpaketet {pack.id} (tar emot {takes})"
            )])

    def pack_by_hash(self, pack_hash: str) -> RulePack:
        """The published pack with this content hash (replay); missing is an error, never a fallback."""
        for pack in self.packs.values():
            if pack.hash == pack_hash and pack.published:
                return pack
        raise RulesError(f"no installed rule pack has hash {pack_hash} (install it or set FINAID_RULES_DIR)")

    def guideline_by_hash(self, guideline_hash: str) -> Guideline:
        for g in self.guidelines.values():
            if g.hash == guideline_hash and g.published:
                return g
        raise RulesError(f"no installed guideline has hash {guideline_hash} (install it or set FINAID_RULES_DIR)")

    def guideline_for(self, municipality: str, as_of: date | None = None) -> Guideline:
        """The municipality's latest published guideline as of ``as_of``, else the default (``*``); selected
        once per (municipality, as_of) and then looked up."""
        return _selected(self._guideline_for, (municipality, as_of), self._select_guideline)

    def _select_guideline(self, municipality: str, as_of: date | None) -> Guideline:

        def usable(g: Guideline) -> bool:
            if not g.published:
                return False
            return as_of is None or (g.published_at is not None and g.published_at <= as_of)

        def latest(gs: list[Guideline]) -> Guideline:
            return sorted(gs, key=lambda g: (g.published_at or date.min, g.id))[-1]

        for g in self.guidelines.values():
            if (municipality in g.municipalities or "*" in g.municipalities) and not g.published:
                what = "changed since it was published" if g.state == CHANGED else "is not published (not in the lock)"
                raise RulesError(f"guideline {g.id} in {g.folder.parent} {what}: run `finaid rules verify`")
        own = [g for g in self.guidelines.values() if municipality in g.municipalities and usable(g)]
        if own:
            return latest(own)
        default = [g for g in self.guidelines.values() if "*" in g.municipalities and usable(g)]
        if not default:
            when = f" published as of {as_of}" if as_of is not None else ""
            raise RulesError(f"no guideline{when} for municipality {municipality} and no default guideline")
        return latest(default)

    # ------------------------------------------------------------------ drafts
    def draft_folders(self) -> dict[str, Path]:
        """Every draft folder under the roots' ``drafts/``, by id."""
        out: dict[str, Path] = {}
        for root in self.roots:
            for manifest in sorted((root / "drafts").glob("*/manifest.yaml")):
                out.setdefault(manifest.parent.name, manifest.parent)
        return out

    def draft_folder(self, ref: str) -> Path:
        """A draft by id (under a root's ``drafts/``) or by folder path."""
        folders = self.draft_folders()
        if ref in folders:
            return folders[ref]
        path = Path(ref)
        if (path / "manifest.yaml").is_file():
            return path.resolve()
        known = ", ".join(sorted(folders)) or "none"
        raise RulesError(f"no draft {ref!r} (drafts: {known}; or give the draft's folder)")

    def draft_pack(self, ref: str) -> RulePack:
        """A draft pack, loaded for impact analysis and its scenario tests; never selectable."""
        folder = self.draft_folder(ref)
        if draft_kind(folder) != "pack":
            raise RulesError(f"draft {folder.name} is a guideline, not a rule pack")
        pack = load_pack(folder, draft=True)
        if pack.id in self.packs:
            raise RulesError(f"draft {pack.id} has the id of an installed pack: a new pack needs a new id")
        return pack

    def draft_guideline(self, ref: str) -> Guideline:
        folder = self.draft_folder(ref)
        if draft_kind(folder) != "guideline":
            raise RulesError(f"draft {folder.name} is a rule pack, not a guideline")
        g = load_guideline(folder, draft=True)
        if g.id in self.guidelines:
            raise RulesError(f"draft {g.id} has the id of an installed guideline: a new version needs a new id")
        return g
