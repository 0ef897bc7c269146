"""Rule packs and municipal guidelines on disk: loading, hashing and selection by month.

Packs load from the installed package (``rules/packs``) and from ``$FINAID_RULES_DIR/packs``;
guidelines from ``rules/guidelines`` and ``$FINAID_RULES_DIR/guidelines``. A pack's hash covers
its manifest, parameters, rulesets and formula modules, never its tests or caches.
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
from rules.parameters import Parameter, load_parameters
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
    _formulas: ModuleType | None = field(default=None, repr=False)

    def covers(self, month: str) -> bool:
        return _month(self.month_from) <= _month(month) <= _month(self.month_to)

    def legal_reference(self, rule_id: str, day: date) -> str:
        key = self.rules[rule_id].legal_reference
        refs = self.legal_refs.get(key)
        if not refs:
            return key
        text = refs[0].text
        for ref in refs:
            if ref.since <= day:
                text = ref.text
        return text

    @property
    def formulas(self) -> ModuleType:
        if self._formulas is None:
            self._formulas = _load_module(f"finaid_pack_{self.id}_formulas", self.folder / "formulas.py")
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


def load_pack(folder: Path) -> RulePack:
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
        legal_refs[str(key)] = sorted(
            (LegalRef(date.fromisoformat(str(p["from"])), str(p["text"])) for p in periods),
            key=lambda r: r.since,
        )
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
    return RulePack(
        id=pack_id,
        folder=folder,
        title=str(manifest.get("title", pack_id)),
        month_from=str(months["from"]),
        month_to=str(months["to"]),
        hash=content_hash(folder),
        manifest=manifest,
        parameters=load_parameters(folder / "parameters"),
        rules=rules,
        rulesets=rulesets,
        legal_refs=legal_refs,
    )


def load_guideline(folder: Path) -> Guideline:
    manifest = _yaml(folder / "manifest.yaml")
    gid = str(manifest["id"])
    if gid != folder.name:
        raise RulesError(f"guideline folder {folder.name} holds manifest id {gid}")
    return Guideline(
        id=gid,
        folder=folder,
        title=str(manifest.get("title", gid)),
        example=bool(manifest.get("example", False)),
        municipalities=tuple(str(m) for m in manifest.get("municipalities", [])),
        hash=content_hash(folder),
        parameters=load_parameters(folder / "parameters"),
    )


def search_roots() -> list[Path]:
    roots = [PACKAGE_DIR]
    extra = os.environ.get("FINAID_RULES_DIR")
    if extra:
        roots.append(Path(extra))
    return roots


class Catalog:
    """Every published pack and guideline finaid can select from."""

    def __init__(self, roots: list[Path] | None = None) -> None:
        self.packs: dict[str, RulePack] = {}
        self.guidelines: dict[str, Guideline] = {}
        for root in roots or search_roots():
            for folder in sorted((root / "packs").glob("*/manifest.yaml")):
                pack = load_pack(folder.parent)
                if pack.id in self.packs:
                    raise RulesError(f"rule pack {pack.id} is installed twice")
                self.packs[pack.id] = pack
            for folder in sorted((root / "guidelines").glob("*/manifest.yaml")):
                g = load_guideline(folder.parent)
                if g.id in self.guidelines:
                    raise RulesError(f"guideline {g.id} is installed twice")
                self.guidelines[g.id] = g
        if not self.packs:
            raise RulesError("no rule packs found")

    def pack_for(self, month: str) -> RulePack:
        covering = [p for p in self.packs.values() if p.covers(month)]
        if not covering:
            spans = ", ".join(f"{p.month_from}..{p.month_to}" for p in self.packs.values())
            raise InputError([FieldError("application.month", f"no rule pack covers {month} (packs cover {spans})")])
        # the latest (by id order within the same coverage) published pack wins
        return sorted(covering, key=lambda p: (p.month_from, p.id))[-1]

    def pack_by_hash(self, pack_hash: str) -> RulePack:
        """The installed pack with this content hash (replay); missing is an error, never a fallback."""
        for pack in self.packs.values():
            if pack.hash == pack_hash:
                return pack
        raise RulesError(f"no installed rule pack has hash {pack_hash} (install it or set FINAID_RULES_DIR)")

    def guideline_by_hash(self, guideline_hash: str) -> Guideline:
        for g in self.guidelines.values():
            if g.hash == guideline_hash:
                return g
        raise RulesError(f"no installed guideline has hash {guideline_hash} (install it or set FINAID_RULES_DIR)")

    def guideline_for(self, municipality: str) -> Guideline:
        own = [g for g in self.guidelines.values() if municipality in g.municipalities]
        if own:
            return sorted(own, key=lambda g: g.id)[-1]
        default = [g for g in self.guidelines.values() if "*" in g.municipalities]
        if not default:
            raise RulesError(f"no guideline for municipality {municipality} and no default guideline")
        return sorted(default, key=lambda g: g.id)[-1]
