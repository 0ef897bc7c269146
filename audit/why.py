"""``finaid audit why``: the decision as the handler saw it, rendered from the stored record.

Nothing is recomputed: amounts, reasons, laws and facts come from the stored basis and trace; the
history comes from the audit events. A purged decision says so and shows what remains (ids, hashes).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from audit.decided import DecidedSource, decided_on, render_decided, stockholm
from audit.records import digest, fields
from decision.errors import FinaidError
from decision.strict import parse_sum


class WhySource(Protocol):
    """What the why-view reads from storage (adapters/driven/db/audit_store.py)."""

    def decision(self, decision_id: str) -> Mapping[str, Any] | None:
        """The decision row's columns (``decided_at``/``purged_at`` as datetimes), or None."""
        ...

    def events(self, subjects: tuple[str, ...]) -> Iterable[tuple[int, datetime, str, str, str, str]]:
        """(seq, at, actor, event, subject, payload JSON) of the audit events about these subjects, in order."""
        ...


class NotFound(FinaidError):
    pass


@dataclass
class Why:
    decision: dict[str, Any]
    basis: dict[str, Any] | None
    trace: list[dict[str, Any]] | None
    history: list[dict[str, Any]]
    purged: bool
    basis_intact: bool | None
    decided: dict[str, Any] | None = None  # what people signed on this proposal (audit/decided.py)

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "decided": self.decided,
            "purged": self.purged,
            "basis_intact": self.basis_intact,
            "basis": self.basis,
            "trace": self.trace,
            "history": self.history,
        }


def _shown_as_recorded(d: Mapping[str, Any], history: list[dict[str, Any]]) -> bool:
    """The outcome, amount and trace shown are those recorded: the outcome and amount as in the basis, the
    amount and trace against the personal hash its event recorded (rows before record hashes: the basis only)."""
    basis = json.loads(d["basis_json"])
    if basis.get("outcome") != d["outcome"] or parse_sum(basis["amounts"]["proposed"]) != d["proposed_ore"]:
        return False
    key = f"decision:{d['id']}"
    recorded = [e["payload"]["records"][key] for e in history if key in e["payload"].get("records", {})]
    if not recorded or "personal" not in recorded[-1]:
        return True
    _, personal = fields("decision", d)
    return personal is not None and digest(personal) == recorded[-1]["personal"]


def why_of(source: WhySource, decision_id: str) -> Why:
    d = source.decision(decision_id)
    if d is None:
        raise NotFound(f"no decision {decision_id}")
    history = [
        {"seq": seq, "at": at.isoformat(), "actor": actor, "event": event, "subject": subject,
         "payload": json.loads(payload)}
        for seq, at, actor, event, subject, payload in source.events(
            (f"decision:{decision_id}", f"application:{d['application_id']}"))
    ]
    intact: bool | None = None
    if d["basis_json"] is not None:
        intact = "sha256:" + hashlib.sha256(d["basis_json"].encode("utf-8")).hexdigest() == d["basis_hash"]
        intact = intact and _shown_as_recorded(d, history)
    return Why(
        decision={
            "id": d["id"], "application": d["application_id"], "revision": d["revision_id"],
            "revision_hash": d["revision_hash"], "month": d["month"], "municipality": d["municipality"],
            "outcome": d["outcome"], "pack": d["pack_id"], "pack_hash": d["pack_hash"], "guideline": d["guideline_id"],
            "guideline_hash": d["guideline_hash"], "code_version": d["code_version"], "basis_hash": d["basis_hash"],
            "decided_at": d["decided_at"].isoformat(), "actor": d["actor"], "superseded_by": d["superseded_by"],
            "purged_at": d["purged_at"].isoformat() if d["purged_at"] else None,
        },
        basis=json.loads(d["basis_json"]) if d["basis_json"] else None,
        trace=json.loads(d["trace_json"]) if d["trace_json"] else None,
        history=history,
        purged=d["purged_at"] is not None,
        basis_intact=intact,
        decided=decided_on(source, d["application_id"], decision_id) if isinstance(source, DecidedSource) else None,
    )



def render_text(why: Why) -> str:
    """A plain-text rendering (Swedish for what a handler or auditor reads)."""
    d = why.decision
    out = [
        f"Beslut (förslag) {d['id']} — ansökan {d['application']}, månad {d['month']}, kommun {d['municipality']}",
        f"Föreslaget utfall: {d['outcome']}    föreslaget {stockholm(d['decided_at'])} av {d['actor']}",
        f"Regelpaket {d['pack']} {d['pack_hash']}",
        f"Riktlinje  {d['guideline']} {d['guideline_hash']}",
        f"Kodversion {d['code_version']}    underlagets hash {d['basis_hash']}",
    ]
    if d["superseded_by"]:
        out.append(f"Ersatt av beslut {d['superseded_by']}")
    if why.purged:
        out.append("")
        out.append(
            f"Personuppgifterna i ärendet gallrades {d['purged_at']} (SoL 2025:400 16 kap. 1 §). "
            "Kvar finns id, hashar och händelser; underlaget kan inte visas."
        )
    elif why.basis is not None:
        b = why.basis
        if why.basis_intact is False:
            out.append("VARNING: det lagrade underlaget stämmer inte med sin hash (kör finaid audit verify).")
        facts = {f["id"]: f for f in b["facts"]}
        a = b["amounts"]
        out += ["", f"Riksnorm {a['norm']} + kostnader {a['costs_accepted']} − inkomster {a['income_counted']}"
                    f" = föreslaget {a['proposed']} kr", "", "Beräkning:"]
        for line in b["lines"]:
            out.append(f"  {line['amount']:>12}  {line['rule']}: {line['reason']}")
            if line["legal_reference"]:
                out.append(f"                {line['legal_reference']}")
            for ref in line["inputs"]:
                out.append(f"                  ← {_fact(facts.get(ref), ref)}")
        if b["findings"]:
            out += ["", "Fynd:"]
            for f in b["findings"]:
                who = f" [{f['person']}]" if f["person"] else ""
                src = f" ({f['source']})" if f["source"] else ""
                out.append(f"  {f['severity'].upper():7} {f['code']}{who}{src}: {f['reason']}")
                for ref in f["inputs"]:
                    out.append(f"                  ← {_fact(facts.get(ref), ref)}")
    if why.decided is not None:
        out += render_decided(why.decided)
    out += ["", "Händelser:"]
    for e in why.history:
        out.append(f"  #{e['seq']} {stockholm(e['at'])} {e['event']} {e['subject']} av {e['actor']}")
    return "\n".join(out) + "\n"


def _fact(f: dict[str, Any] | None, ref: str) -> str:
    if f is None:
        return ref
    value = f["amount"] if f["amount"] is not None else f["value"]
    when = f" hämtad {f['fetched_at']}" if f["fetched_at"] else ""
    req = f" ref {f['request_id']}" if f["request_id"] else ""
    who = f" {f['person']}" if f["person"] else ""
    return f"{ref}: {f['kind']}{who} = {value} (källa {f['source']}{when}{req})"
