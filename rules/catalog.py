"""Rule packs and municipal guidelines on disk: loading, hashing, publication and selection.

Packs load from the installed package (``rules/packs``) and from ``$FINAID_RULES_DIR/packs``;
guidelines from ``rules/guidelines`` and ``$FINAID_RULES_DIR/guidelines``. A pack's hash covers
its manifest, parameters, rulesets and formula modules, never its tests or caches.

A pack or guideline is *published* when its root's lock (``packs.lock``, ``guidelines.lock``)
records its id with exactly its current hash. Only published packs are ever selected for a
decision: the latest published (by ``published_at``) that covers the month applied for, as of the
decision's date. Drafts (``<root>/drafts/<id>``) are loaded on request (impact analysis, scenario
tests, ``finaid rules show``) and never selected.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from decision.errors import FieldError, InputError, RulesError
from rules.lock import Kind, LockEntry, parse_day, read_lock
from rules.parameters import Parameter, Status, load_parameters
from rules.yamlload import load_yaml

PACKAGE_DIR = Path(__file__).resolve().parent
HASHED_SUFFIXES = (".yaml", ".yml", ".py")
EXCLUDED_PARTS = frozenset({"tests", "__pycache__"})


def content_hash(folder: Path) -> str:
    """sha256 over every covered file: relative POSIX path, NUL, bytes; sorted by path."""
    h = hashlib.sha256()
    for rel in covered_files(folder):
        h.update(rel.encode("utf-8"))
        h.update(b"\0")
        h.update((folder / rel).read_bytes())
    return "sha256:" + h.hexdigest()


def covered_files(folder: Path) -> list[str]:
    out = []
    for p in folder.rglob("*"):
        if not p.is_file() or p.suffix not in HASHED_SUFFIXES:
            continue
        rel = p.relative_to(folder)
        if EXCLUDED_PARTS.intersection(rel.parts):
            continue
        out.append(rel.as_posix())
    return sorted(out)


@dataclass(frozen=True)
class RuleMeta:
    id: str
    kind: str
    legal_reference: str  # a key of the manifest's legal_references, or literal text
    explanation: str
    code: str | None = None
    severity: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class LegalRef:
    since: date
    text: str
    status: Status = Status.UNVERIFIED  # how sure we are that the cited text says this (domain.md)


# Where a pack or guideline stands: published (locked, unchanged), changed (locked, but its
# content no longer hashes to the lock: never selected, `rules verify` fails), unlocked (in
# packs/ but never published: never selected, `rules verify` fails), draft (in drafts/).
PUBLISHED, CHANGED, UNLOCKED, DRAFT = "published", "changed", "unlocked", "draft"


def _month(text: str) -> tuple[int, int]:
    return int(text[:4]), int(text[5:7])


@dataclass
class RulePack:
    id: str
    folder: Path
    title: str
    month_from: str
    month_to: str
    hash: str
    manifest: dict[str, Any]
    parameters: dict[str, Parameter]
    rules: dict[str, RuleMeta]
    rulesets: dict[str, dict[str, Any]]
    legal_refs: dict[str, list[LegalRef]]
    published_at: date | None = None
    publication: str | None = None  # the decision that published it (`--decision`)
    state: str = UNLOCKED
    lock: LockEntry | None = None
    _formulas: ModuleType | None = field(default=None, repr=False)

    @property
    def published(self) -> bool:
        return self.state == PUBLISHED

    @property
    def engine_key(self) -> str:
        """Registration name on the rule engine: by content, so a draft never shares a published pack's."""
        return f"{self.id}@{self.hash[7:23]}"

    def covers(self, month: str) -> bool:
        return _month(self.month_from) <= _month(month) <= _month(self.month_to)

    @property
    def first_day(self) -> date:
        year, month = _month(self.month_from)
        return date(year, month, 1)

    def legal_ref_at(self, key: str, day: date) -> LegalRef | None:
        """The reference text (and its status) for a legal-reference key on ``day``; None for literal text."""
        refs = self.legal_refs.get(key)
        if not refs:
            return None
        chosen = refs[0]
        for ref in refs:
            if ref.since <= day:
                chosen = ref
        return chosen

    def legal_reference(self, rule_id: str, day: date) -> str:
        key = self.rules[rule_id].legal_reference
        ref = self.legal_ref_at(key, day)
        return key if ref is None else ref.text

    def rule_status(self, rule_id: str, day: date) -> str:
        """The status of a rule's legal reference (domain.md vocabulary); literal text is unverified."""
        ref = self.legal_ref_at(self.rules[rule_id].legal_reference, day)
        return (ref.status if ref is not None else Status.UNVERIFIED).value

    @property
    def formulas(self) -> ModuleType:
        if self._formulas is None:
            name = f"finaid_pack_{self.id}_{self.hash[7:23]}_formulas"
            self._formulas = _load_module(name, self.folder / "formulas.py")
        return self._formulas


@dataclass
class Guideline:
    id: str
    folder: Path
    title: str
    example: bool
    municipalities: tuple[str, ...]
    hash: str
    parameters: dict[str, Parameter]
    published_at: date | None = None
    publication: str | None = None
    state: str = UNLOCKED
    lock: LockEntry | None = None

    @property
    def published(self) -> bool:
        return self.state == PUBLISHED


def _load_module(name: str, file: Path) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise RulesError(f"cannot load formula module {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _yaml(file: Path) -> dict[str, Any]:
    try:
        data = load_yaml(file.read_text(encoding="utf-8"), str(file))
    except OSError as e:
        raise RulesError(f"cannot read {file}: {e}") from None
    if not isinstance(data, dict):
        raise RulesError(f"{file}: expected a mapping")
    return data


def _publication(manifest: dict[str, Any], where: Path) -> tuple[date | None, str | None]:
    raw = manifest.get("published_at")
    at = None if raw is None else parse_day(raw, f"{where}: published_at")
    decision = manifest.get("publication_decision")
    return at, None if decision is None else str(decision)


def _state(folder_kind: str, entry: LockEntry | None, digest: str) -> str:
    if folder_kind == "drafts":
        return DRAFT
    if entry is None:
        return UNLOCKED
    return PUBLISHED if entry.hash == digest else CHANGED


def load_pack(folder: Path, lock: LockEntry | None = None, *, draft: bool = False) -> RulePack:
    """Load the pack in ``folder``; ``lock`` is its root's lock entry for it (None: not published)."""
    manifest = _yaml(folder / "manifest.yaml")
    pack_id = str(manifest["id"])
    if pack_id != folder.name:
        raise RulesError(f"pack folder {folder.name} holds manifest id {pack_id}")
    rules: dict[str, RuleMeta] = {}
    for rid, spec in (manifest.get("rules") or {}).items():
        rules[str(rid)] = RuleMeta(
            id=str(rid),
            kind=str(spec["kind"]),
            legal_reference=str(spec["legal_reference"]),
            explanation=str(spec["explanation"]),
            code=spec.get("code"),
            severity=spec.get("severity"),
            source=spec.get("source"),
        )
    legal_refs: dict[str, list[LegalRef]] = {}
    for key, periods in (manifest.get("legal_references") or {}).items():
        try:
            legal_refs[str(key)] = sorted(
                (
                    LegalRef(
                        parse_day(p["from"], f"{folder}: legal_references.{key}"),
                        str(p["text"]),
                        Status(p.get("status", Status.UNVERIFIED.value)),
                    )
                    for p in periods
                ),
                key=lambda r: r.since,
            )
        except (KeyError, TypeError, ValueError) as e:
            raise RulesError(f"{folder}: legal_references.{key} is malformed ({e})") from None
    rulesets: dict[str, dict[str, Any]] = {}
    for file in sorted((folder / "rulesets").glob("*.yaml")):
        data = _yaml(file)
        name = str(data["ruleset"])
        rs = data.get("rules") or {}
        unknown = [rid for rid in rs if rid not in rules]
        if unknown:
            raise RulesError(f"{file}: rules not in the manifest: {', '.join(unknown)}")
        rulesets[name] = {str(rid): spec["when"] for rid, spec in rs.items()}
    months = manifest["months"]
    digest = content_hash(folder)
    published_at, publication = _publication(manifest, folder)
    return RulePack(
        id=pack_id,
        folder=folder,
        title=str(manifest.get("title", pack_id)),
        month_from=str(months["from"]),
        month_to=str(months["to"]),
        hash=digest,
        manifest=manifest,
        parameters=load_parameters(folder / "parameters"),
        rules=rules,
        rulesets=rulesets,
        legal_refs=legal_refs,
        published_at=published_at,
        publication=publication,
        state=_state("drafts" if draft else "packs", lock, digest),
        lock=lock,
    )


def load_guideline(folder: Path, lock: LockEntry | None = None, *, draft: bool = False) -> Guideline:
    manifest = _yaml(folder / "manifest.yaml")
    gid = str(manifest["id"])
    if gid != folder.name:
        raise RulesError(f"guideline folder {folder.name} holds manifest id {gid}")
    digest = content_hash(folder)
    published_at, publication = _publication(manifest, folder)
    return Guideline(
        id=gid,
        folder=folder,
        title=str(manifest.get("title", gid)),
        example=bool(manifest.get("example", False)),
        municipalities=tuple(str(m) for m in manifest.get("municipalities", [])),
        hash=digest,
        parameters=load_parameters(folder / "parameters"),
        published_at=published_at,
        publication=publication,
        state=_state("drafts" if draft else "guidelines", lock, digest),
        lock=lock,
    )


def draft_kind(folder: Path) -> Kind:
    """Whether a draft folder holds a rule pack (``months``) or a guideline (``municipalities``)."""
    manifest = _yaml(folder / "manifest.yaml")
    if "months" in manifest:
        return "pack"
    if "municipalities" in manifest:
        return "guideline"
    raise RulesError(f"{folder}: a draft's manifest names its months (a pack) or municipalities (a guideline)")


def search_roots() -> list[Path]:
    roots = [PACKAGE_DIR]
    extra = os.environ.get("FINAID_RULES_DIR")
    if extra:
        roots.append(Path(extra))
    return roots


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

    # ------------------------------------------------------------------ selection
    def pack_for(self, month: str, as_of: date | None = None) -> RulePack:
        """The latest published pack covering ``month``, as of the decision's date ``as_of``.

        "Latest" is by ``published_at`` (then id). Without ``as_of`` every published pack counts (tools
        and tests); every decision path passes the decision's date. Drafts are never candidates; a
        pack in ``packs/`` that is not (or no longer) what its lock says is an error, never skipped.
        """
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
        """The municipality's latest published guideline as of ``as_of``, else the default (``*``)."""

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
