"""``finaid rules list / show / diff``: packs and guidelines as data a person can read and compare.

Every parameter is shown with its values (each with its date, status and source) and its legal
reference; every rule with its kind, code, severity, legal reference (per period) and that
reference's status (domain.md: verified / secondary / derived / unverified).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from decision.errors import RulesError
from decision.money import format_ore
from rules.catalog import Catalog, Guideline, RulePack, draft_kind
from rules.parameters import Parameter, ParamValue


def _value(v: ParamValue) -> str:
    if isinstance(v.value, tuple):
        return ",".join(v.value)
    return format_ore(v.value) if v.unit.startswith("SEK") else str(v.value)


def param_json(p: Parameter) -> dict[str, Any]:
    return {
        "path": p.path,
        "description": {"sv": p.description_sv, "en": p.description_en},
        "unit": p.unit,
        "legal_reference": p.legal_reference,
        "values": [
            {"since": v.since.isoformat(), "value": _value(v), "status": v.status.value, "source": v.source,
             **({"legal_reference": v.legal_reference} if v.legal_reference != p.legal_reference else {})}
            for v in p.values
        ],
    }


def rule_json(pack: RulePack, rid: str) -> dict[str, Any]:
    meta = pack.rules[rid]
    refs = pack.legal_refs.get(meta.legal_reference)
    periods = (
        [{"from": r.since.isoformat(), "text": r.text, "status": r.status.value} for r in refs]
        if refs
        else [{"from": pack.first_day.isoformat(), "text": meta.legal_reference, "status": "unverified"}]
    )
    return {
        "rule": rid, "kind": meta.kind, "code": meta.code, "severity": meta.severity,
        "legal_reference": periods, "explanation": meta.explanation,
    }


def entry_json(item: RulePack | Guideline) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": item.id, "title": item.title, "state": item.state, "hash": item.hash,
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "decision": item.publication, "folder": str(item.folder),
    }
    if isinstance(item, RulePack):
        base.update(kind="pack", months={"from": item.month_from, "to": item.month_to},
                    law=item.manifest.get("law"))
    else:
        base.update(kind="guideline", municipalities=list(item.municipalities), example=item.example)
    return base


def listing(catalog: Catalog) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [entry_json(p) for p in sorted(catalog.packs.values(), key=lambda p: p.month_from)]
    rows += [entry_json(g) for g in sorted(catalog.guidelines.values(), key=lambda g: g.id)]
    for ref, folder in sorted(catalog.draft_folders().items()):
        item = catalog.draft_pack(ref) if draft_kind(folder) == "pack" else catalog.draft_guideline(ref)
        rows.append(entry_json(item))
    return rows


def resolve(catalog: Catalog, ref: str) -> RulePack | Guideline:
    """A published or installed pack or guideline by id, else a draft by id or folder."""
    if ref in catalog.packs:
        return catalog.packs[ref]
    if ref in catalog.guidelines:
        return catalog.guidelines[ref]
    try:
        folder = catalog.draft_folder(ref)
    except RulesError:
        known = ", ".join([*catalog.packs, *catalog.guidelines, *catalog.draft_folders()])
        raise RulesError(f"no pack, guideline or draft {ref!r} (known: {known}; or give a draft's folder)") from None
    return catalog.draft_pack(str(folder)) if draft_kind(folder) == "pack" else catalog.draft_guideline(str(folder))


def show(item: RulePack | Guideline) -> dict[str, Any]:
    out = entry_json(item)
    out["parameters"] = [param_json(p) for _, p in sorted(item.parameters.items())]
    if isinstance(item, RulePack):
        out["rules"] = [rule_json(item, rid) for rid in item.rules]
    return out


@dataclass(frozen=True)
class Row:
    """One line of a side-by-side comparison: a key, A's and B's version, and whether they differ."""

    section: str
    key: str
    a: str
    b: str

    @property
    def changed(self) -> bool:
        return self.a != self.b

    def to_json(self) -> dict[str, Any]:
        return {"section": self.section, "key": self.key, "a": self.a, "b": self.b, "changed": self.changed}


def _param_cells(p: Parameter | None) -> dict[str, str]:
    if p is None:
        return {}
    return {
        v.since.isoformat(): f"{_value(v)} {p.unit} [{v.status.value}] — {v.legal_reference}"
        for v in p.values
    }


def _rule_cell(pack: RulePack, rid: str) -> str:
    if rid not in pack.rules:
        return "—"
    meta = pack.rules[rid]
    refs = pack.legal_refs.get(meta.legal_reference)
    ref_text = " | ".join(f"{r.since.isoformat()}: {r.text} [{r.status.value}]" for r in refs) if refs else (
        f"{meta.legal_reference} [unverified]"
    )
    head = meta.kind + (f" {meta.code}/{meta.severity}" if meta.code else "")
    return f"{head} — {ref_text} — {meta.explanation}"


def diff(a: RulePack | Guideline, b: RulePack | Guideline) -> list[Row]:
    """Parameters (per value date) and rules side by side; rows present in both and equal are included too."""
    rows: list[Row] = []
    if isinstance(a, RulePack) and isinstance(b, RulePack):
        rows.append(Row("pack", "months", f"{a.month_from}..{a.month_to}", f"{b.month_from}..{b.month_to}"))
        rows.append(Row("pack", "law", str(a.manifest.get("law", "")), str(b.manifest.get("law", ""))))
    for path in sorted(set(a.parameters) | set(b.parameters)):
        ca, cb = _param_cells(a.parameters.get(path)), _param_cells(b.parameters.get(path))
        for since in sorted(set(ca) | set(cb)):
            rows.append(Row("parameter", f"{path}@{since}", ca.get(since, "—"), cb.get(since, "—")))
    if isinstance(a, RulePack) and isinstance(b, RulePack):
        for rid in list(dict.fromkeys([*a.rules, *b.rules])):
            rows.append(Row("rule", rid, _rule_cell(a, rid), _rule_cell(b, rid)))
    return rows
