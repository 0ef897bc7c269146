"""One rule pack or guideline folder on disk: its manifest, parameters, rulesets, formulas and hash.

A pack's hash covers its manifest, parameters, rulesets and formula modules, never its tests or
caches; its *state* says whether its root's lock publishes exactly this content. Selecting among the
loaded packs is rules/catalog.py's (:class:`rules.catalog.Catalog`). See docs/architecture.md.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from decision.errors import RulesError
from rules.lock import Kind, LockEntry, parse_day
from rules.parameters import Parameter, Status, load_parameters
from rules.yamlload import load_yaml

HASHED_SUFFIXES = (".yaml", ".yml", ".py")
BUNDLE_V1 = "finaid.case-bundle/1"
BUNDLE_V2 = "finaid.case-bundle/2"
KNOWN_BUNDLES = (BUNDLE_V1, BUNDLE_V2)
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
    status: Status = Status.UNVERIFIED  # how sure we are that the cited text says this (docs/domain.md)


# Where a pack or guideline stands: published (locked, unchanged), changed (locked, but its
# content no longer hashes to the lock: never selected, `rules verify` fails), unlocked (in
# packs/ but never published: never selected, `rules verify` fails), draft (in drafts/).
PUBLISHED, CHANGED, UNLOCKED, DRAFT = "published", "changed", "unlocked", "draft"


@lru_cache(maxsize=1024)  # a month's text ("YYYY-MM"), read for every pack at every selection
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
    # the case-bundle versions the pack takes (manifest ``accepts_bundles``; without the key only /1)
    accepts_bundles: tuple[str, ...] = (BUNDLE_V1,)
    _formulas: ModuleType | None = field(default=None, repr=False)

    @property
    def published(self) -> bool:
        return self.state == PUBLISHED

    @property
    def engine_key(self) -> str:
        """Registration name on the rule engine: by content, so a draft never shares a published pack's."""
        return f"{self.id}@{self.hash[7:23]}"

    def accepts(self, schema: str) -> bool:
        """Whether the pack takes a bundle of this version (``finaid.case-bundle/…``)."""
        return schema in self.accepts_bundles

    @property
    def bundle2(self) -> bool:
        """A pack that takes case bundle /2 decides with the /2 evaluator (rules/evaluator/bundle2.py)
        and writes a ``finaid.decision-basis/2``; every other pack decides exactly as it always did."""
        return BUNDLE_V2 in self.accepts_bundles

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
        """The status of a rule's legal reference (docs/domain.md vocabulary); literal text is unverified."""
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


def _folder_fields(folder: Path, manifest: dict[str, Any], lock: LockEntry | None, kind: str) -> dict[str, Any]:
    """What a pack and a guideline both take from their folder: hash, parameters, publication, state."""
    digest = content_hash(folder)
    published_at, publication = _publication(manifest, folder)
    return {
        "folder": folder,
        "hash": digest,
        "parameters": load_parameters(folder / "parameters"),
        "published_at": published_at,
        "publication": publication,
        "state": _state(kind, lock, digest),
        "lock": lock,
    }


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
    accepts = manifest.get("accepts_bundles", [BUNDLE_V1])
    if not isinstance(accepts, list) or not accepts or any(a not in KNOWN_BUNDLES for a in accepts):
        raise RulesError(f"{folder}: accepts_bundles must list versions among {', '.join(KNOWN_BUNDLES)}")
    return RulePack(
        id=pack_id,
        title=str(manifest.get("title", pack_id)),
        month_from=str(months["from"]),
        month_to=str(months["to"]),
        manifest=manifest,
        rules=rules,
        rulesets=rulesets,
        legal_refs=legal_refs,
        accepts_bundles=tuple(str(a) for a in accepts),
        **_folder_fields(folder, manifest, lock, "drafts" if draft else "packs"),
    )


def load_guideline(folder: Path, lock: LockEntry | None = None, *, draft: bool = False) -> Guideline:
    manifest = _yaml(folder / "manifest.yaml")
    gid = str(manifest["id"])
    if gid != folder.name:
        raise RulesError(f"guideline folder {folder.name} holds manifest id {gid}")
    return Guideline(
        id=gid,
        title=str(manifest.get("title", gid)),
        example=bool(manifest.get("example", False)),
        municipalities=tuple(str(m) for m in manifest.get("municipalities", [])),
        **_folder_fields(folder, manifest, lock, "drafts" if draft else "guidelines"),
    )


def draft_kind(folder: Path) -> Kind:
    """Whether a draft folder holds a rule pack (``months``) or a guideline (``municipalities``)."""
    manifest = _yaml(folder / "manifest.yaml")
    if "months" in manifest:
        return "pack"
    if "municipalities" in manifest:
        return "guideline"
    raise RulesError(f"{folder}: a draft's manifest names its months (a pack) or municipalities (a guideline)")
