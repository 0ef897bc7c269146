"""What was decided on a proposal, beside the proposal in ``finaid audit why`` (docs/audit.md, "audit why").

The proposal is what finaid computed; the decision is what people signed: the sign-off rows on the proposal
(approve, amend, reject, return, countersign, refuse, auto, and later corrections or changes), each with its
signatures (who, role, when — Stockholm time), the overrides with their reason code and motivation, the
finding resolutions, the letter's hashes, and the later decisions that superseded it. Everything comes from
the stored signed-decision records (``sign_off.record_json``) and the letter rows; nothing is recomputed. After
gallring the record's content is gone; what remains (actions, actors, hashes) is still shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")

ACTION_SV = {
    "approve": "godkänt som föreslaget", "amend": "ändrat", "reject": "avslag mot förslaget",
    "return": "återfört för komplettering", "countersign": "kontrasignerat (andra underskrift)",
    "refuse": "andra underskrift vägrad", "auto": "automatiserat beslut", "correct": "rättat (FL 36 §)",
    "change": "ändrat efter beslut (FL 37–39 §§)", "rattelse": "rättat (FL 36 §)",
    "andring": "ändrat efter beslut (FL 37–39 §§)",
}
OUTCOME_SV = {"beviljat": "beviljat", "delvis_beviljat": "delvis beviljat", "avslag": "avslag"}
ROLE_SV = {"handler": "handläggare", "supervisor": "arbetsledare", "auditor": "granskare",
           "inspector": "tillsynsgranskare", "system": "system"}


@runtime_checkable
class DecidedSource(Protocol):
    """What the decided view reads from storage (adapters/driven/db/audit_store.py, ``SqlTrail``)."""

    def sign_offs(self, application_id: str) -> Iterable[Mapping[str, Any]]:
        """The application's sign-off rows in time order: id, decision_id, action, actor, role, at, outcome,
        final, first_id, record_hash, record_json (None after gallring), purged_at, overrides
        [(rule, reason_code)], letter {id, html_sha256, pdf_sha256, template_hash} or None."""
        ...


def stockholm(at: datetime | str | None) -> str | None:
    """A time as ``2026-11-23 14:02:11 CET`` (Europe/Stockholm with its zone)."""
    if at is None:
        return None
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M:%S %Z")


def decided_on(source: DecidedSource, application_id: str, decision_id: str) -> dict[str, Any]:
    """The sign-offs on this proposal, the final decision (the last final one), and later decisions on the same
    application (a new proposal after Hämta igen, a correction or change) that superseded it."""
    rows = list(source.sign_offs(application_id))
    on = [_sign_off(r) for r in rows if r["decision_id"] == decision_id]
    finals = [s for s in on if s["final"]]
    final = finals[-1] if finals else None
    later_from = final["at_utc"] if final else (on[-1]["at_utc"] if on else None)
    later = [
        {"sign_off": r["id"], "decision": r["decision_id"], "action": r["action"],
         "action_sv": ACTION_SV.get(r["action"], r["action"]), "at": stockholm(r["at"]),
         "outcome": r["outcome"], "actor": r["actor"]}
        for r in rows
        if r["final"] and later_from is not None and _utc(r["at"]) > later_from
        and (final is None or r["id"] != final["id"])
    ]
    for s in on:
        s.pop("at_utc")
    return {"sign_offs": on, "final": final, "later": later,
            "status": "beslutat" if final else ("väntar" if on else "inget beslut")}


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _sign_off(r: Mapping[str, Any]) -> dict[str, Any]:
    record = json.loads(r["record_json"]) if r["record_json"] else None
    out: dict[str, Any] = {
        "id": r["id"], "action": r["action"], "action_sv": ACTION_SV.get(r["action"], r["action"]),
        "actor": r["actor"], "role": r["role"], "at": stockholm(r["at"]), "at_utc": _utc(r["at"]),
        "outcome": r["outcome"], "final": bool(r["final"]), "answers": r["first_id"],
        "record_hash": r["record_hash"], "purged": record is None and r["purged_at"] is not None,
        "overrides": [{"rule": rule, "reason_code": code} for rule, code in r["overrides"]],
        "letter": dict(r["letter"]) if r["letter"] else None,
    }
    if record is not None:
        out["overrides"] = [
            {k: o.get(k) for k in ("line", "rule", "allowed", "decided", "reason_code", "label", "motivation")}
            for o in record.get("overrides") or []
        ] or out["overrides"]
        out["resolutions"] = [
            {k: x.get(k) for k in ("finding", "code", "reason_code", "label", "motivation")}
            for x in record.get("resolutions") or []
        ]
        out["signatures"] = [
            {"actor": sg.get("actor"), "role": sg.get("role"), "kind": sg.get("kind"), "at": stockholm(sg.get("at"))}
            for sg in record.get("signatures") or []
        ]
        out["amounts"] = record.get("amounts")
        out["decision_reason"] = record.get("decision_reason")
        out["note"] = record.get("note")
        out["four_eyes"] = record.get("four_eyes")
        for key in ("reason", "correction", "supersedes", "change", "communication"):
            if record.get(key) is not None:  # a rättelse/ändring names what it replaces, why and on which ground
                out[key] = record[key]
    return out


def _communication_sv(c: Mapping[str, Any]) -> str:
    status = c.get("status")
    if status == "done":
        answer = {"answered": "svar kom in", "no_answer": "inget svar inom svarstiden"}.get(c.get("answer") or "", "")
        return f"gjord ({answer})" if answer else "gjord"
    if status == "skipped":
        return f"inte gjord, undantag: {c.get('label') or c.get('exception')}"
    if status == "missing":
        return "inte gjord och inget undantag angivet"
    return str(status)


def render_decided(decided: Mapping[str, Any]) -> list[str]:
    """The decision beside the proposal, as lines of text (Swedish)."""
    out = ["", "Beslut (det som undertecknades):"]
    if not decided["sign_offs"]:
        out.append("  Inget beslut är fattat på detta förslag.")
    for s in decided["sign_offs"]:
        outcome = f", utfall {OUTCOME_SV.get(s['outcome'] or '', s['outcome'])}" if s["outcome"] else ""
        mark = "  SLUTLIGT" if s["final"] else ""
        out.append(f"  {s['at']}  {s['action_sv']} av {s['actor']} ({ROLE_SV.get(s['role'], s['role'])})"
                   f"{outcome}{mark}")
        out.append(f"      underskrift {s['id']}, postens hash {s['record_hash']}")
        if s["purged"]:
            out.append("      innehållet är gallrat; kvar finns åtgärd, vem, när och hashar")
        amounts = s.get("amounts")
        if amounts and s["final"]:
            out.append(f"      beslutat belopp {amounts.get('decided')} kr (beräknat {amounts.get('calculated')} kr)")
        for o in s["overrides"]:
            change = f" {o['allowed']} → {o['decided']} kr" if o.get("decided") is not None else ""
            out.append(f"      ändring {o['rule']}{change}: {o['reason_code']}"
                       + (f" — {o['motivation']}" if o.get("motivation") else ""))
        for x in s.get("resolutions") or []:
            out.append(f"      fynd {x['code']}: {x['reason_code']} — {x['motivation']}")
        reason = s.get("decision_reason")
        if reason:
            out.append(f"      skäl: {reason.get('reason_code')} — {reason.get('motivation')}")
        if s.get("note"):
            out.append(f"      anteckning: {s['note']}")
        if change := s.get("change"):
            previous = change.get("previous") or {}
            out.append(f"      {change.get('label') or change.get('kind')} ({change.get('law')}) ersätter underskrift "
                       f"{change.get('supersedes')} (tidigare {previous.get('decided')} kr): {change.get('reason')}")
            if change.get("disadvantage"):
                ground = change.get("ground_label") or change.get("ground")
                out.append(f"      till den enskildes nackdel; grund: {ground}")
        if communication := s.get("communication"):
            out.append(f"      kommunicering (FL 25 §): {_communication_sv(communication)}")
        for sg in s.get("signatures") or []:
            out.append(f"      underskrift: {sg['actor']} ({ROLE_SV.get(sg['role'] or '', sg['role'])}), {sg['kind']},"
                       f" {sg['at']}")
        letter = s["letter"]
        if letter:
            out.append(f"      beslutsbrev {letter['id']}: html {letter['html_sha256']}, pdf {letter['pdf_sha256']}")
    for x in decided["later"]:
        out.append(f"  Senare: {x['at']} {x['action_sv']} av {x['actor']} (beslut {x['decision']}, "
                   f"underskrift {x['sign_off']}) ersätter detta beslut")
    return out
