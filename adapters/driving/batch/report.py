"""The morning report: ``batch-report-<YYYY-MM-DD>-<batch id>.html`` and ``.json``.

Counts per outcome and state, the top MANUAL reasons, availability per agency and latency per
call, failures with reasons, throughput, CPU and registry time. Entries link to the web app by
application id (in demo mode to decision files on disk); protected-identity cases are counted, not
listed. The date is Europe/Stockholm's.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from adapters.driven.db.audit_store import heads
from adapters.driven.db.engine import Database
from adapters.driven.db.models import Application, Decision, Revision
from adapters.driven.render.html import environment, render_stored_basis_html
from adapters.driving.batch.config import BatchConfig, BatchOutcome
from decision.basis import DecisionBasis
from decision.validation import parse_bundle

STOCKHOLM = ZoneInfo("Europe/Stockholm")

FINDING_SV = {
    "application.first": "Förstagångsansökan",
    "application.household_changed": "Hushållet har ändrats",
    "household.young_adult_separate": "Ung vuxen som inte går i skolan",
    "norm.preschool_lunch_unknown": "Norm utan lunch saknas",
    "registry.not_consulted": "Register inte tillfrågat",
    "registry.unavailable": "Register svarade inte",
    "registry.stale": "Registersvar för gammalt",
    "identity.protected": "Skyddade personuppgifter",
    "residence.not_valid": "Uppehållstillstånd saknas",
    "income.registry_mismatch": "Inkomst skiljer sig från register",
    "income.child_other_kind": "Barnets egen inkomst",
    "labour.af_not_confirmed": "Inskrivning på AF inte bekräftad",
    "labour.studying": "Studerar",
    "labour.not_registered": "Inte inskriven på AF",
    "labour.missing": "Uppgift om arbetsmarknad saknas",
    "cost.other": "Övrig kostnad att pröva",
    "assets.above_buffer": "Tillgångar över buffert",
    "cost.above_limit": "Kostnad över riktlinjens rimlighetsgräns",
    "cost.reduced": "Kostnad sänkt till skälig nivå",
    "proposal.above_limit": "Föreslaget belopp över riktlinjens rimlighetsgräns",
    "income.not_confirmed": "Inkomst inte bekräftad av register",
    "income.other": "Annan inkomst att kontrollera",
    "parameter.not_verified": "Belopp inte kontrollerat mot källa",
    "guideline.example": "Riktlinjen är ett exempel",
    # the findings of the packs that take finaid.case-bundle/2 (sol…_v3 and later)
    "application.supplementary": "Tilläggsansökan",
    "supplementary.lower_total": "Ny beräkning lägre än beslutat belopp",
    "assets.child": "Barnets egna tillgångar",
    "child_income.above_prisbasbelopp": "Barnets arbetsinkomst över gränsen",
    "cost.living_above_cap": "Kostnad över riktlinjens nivå",
    "cost.living_counted": "Kostnad inom riktlinjens nivå",
    "cost.living_no_level": "Kostnad utan nivå i riktlinjen",
    "cost.living_undocumented": "Underlag för kostnad saknas",
    "cost.rent_adjustment_period": "Omställningstid för hög hyra",
    "health.data": "Hälsouppgifter i ansökan",
    "household.child_part_month": "Barn bor i hushållet del av månaden",
    "household.others_in_dwelling": "Fler i bostaden än i hushållet",
    "jobbstimulans.new_period": "Ny period med jobbstimulans",
    "norm.adjustment": "Begärd justering av normen",
    # the drafts' findings (docs/rule-lifecycle.md: a draft is labelled before it can be published)
    "labour.individual_plan": "Individuell plan för aktivitetskrav",
    "bidragstak.applied": "Bidragstak tillämpat",
}

# an application's state in Swedish (the morning report and the web app)
STATE_SV = {
    "received": "Mottagen", "fetched": "Registeruppgifter hämtade", "proposed": "Förslag väntar på beslut",
    "awaiting_second_signature": "Väntar på andra underskrift", "signed": "Beslutad",
    "returned": "Återförd för komplettering", "auto_approved": "Automatiserat beslut", "failed": "Tekniskt fel",
    "failed_permanent": "Tekniskt fel (kräver drift)", "awaiting_comment": "Väntar på svar (kommunicering)",
    "withdrawn": "Återkallad av den sökande",
}


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[idx]


def build_report(db: Database, cfg: BatchConfig, outcome: BatchOutcome, host: str) -> dict[str, Any]:
    results = outcome.results
    decided = [r for r in results if r.status == "decided"]
    protected = [r for r in decided if r.protected]
    manual_reasons: Counter[str] = Counter(code for r in decided for code in r.manual)
    agencies: dict[str, list[int]] = {}
    for r in results:
        for src, (ok, bad) in r.agencies.items():
            slot = agencies.setdefault(src, [0, 0])
            slot[0] += ok
            slot[1] += bad
    per_call = [r.registry_seconds / r.calls for r in results if r.calls]
    seconds = (outcome.finished_at - outcome.started_at).total_seconds()
    # the heads are published outside the database: `audit verify --expected-head/--expected-access-head`
    states, chain_heads = _states(db)
    started_local = outcome.started_at.astimezone(STOCKHOLM)
    link_base = cfg.report_dir if cfg.demo else None
    from adapters.settings import settings

    web = settings().web_url.rstrip("/")

    def link(app_id: str) -> str:
        return f"decisions/{app_id}.html" if link_base else f"{web}/case/{app_id}"

    return {
        "schema": "finaid.batch-report/1",
        "batch_id": outcome.batch_id,
        "date": started_local.date().isoformat(),
        "host": host,
        "actor": cfg.actor,
        "workers": cfg.workers,
        "started_at": started_local.isoformat(timespec="seconds"),
        "finished_at": outcome.finished_at.astimezone(STOCKHOLM).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "cases": len(results),
        "cases_per_second": round(len(results) / seconds, 2) if seconds > 0 else None,
        "cpu_seconds": round(sum(r.cpu_seconds for r in results), 3),
        "registry_seconds": round(sum(r.registry_seconds for r in results), 3),
        "outcomes": dict(Counter(r.outcome for r in decided)),
        "statuses": dict(Counter(r.status for r in results)),
        "states": {str(k): int(v) for k, v in states.items()},
        "manual_reasons": [
            {"code": code, "label": FINDING_SV.get(code, code), "count": n}
            for code, n in manual_reasons.most_common(10)
        ],
        "agencies": {
            src: {"answered": ok, "unavailable": bad,
                  "availability": round(ok / (ok + bad), 4) if ok + bad else None}
            for src, (ok, bad) in sorted(agencies.items())
        },
        "latency_per_call_ms": {
            "calls": sum(r.calls for r in results),
            "mean": round(1000 * sum(per_call) / len(per_call), 1) if per_call else None,
            "p50": round(1000 * _percentile(per_call, 0.5), 1) if per_call else None,
            "p95": round(1000 * _percentile(per_call, 0.95), 1) if per_call else None,
        },
        "protected_identity_cases": len(protected),
        "db_unreachable_seconds": round(outcome.db_unreachable_s),
        "db_unreachable": _unreachable_sv(outcome.db_unreachable_s) if outcome.db_unreachable_s else None,
        "stopped": outcome.stopped,
        "chain_heads": {"audit": chain_heads.get("audit"), "access": chain_heads.get("access")},
        "failures": [
            {"application": r.application_id, "status": r.status, "reason": r.reason, "link": link(r.application_id)}
            for r in results if r.status not in ("decided",) and not r.protected
        ],
        "manual_cases": [
            {"application": r.application_id, "outcome": r.outcome, "findings": r.manual,
             "link": link(r.application_id)}
            for r in decided if r.outcome == "MANUAL" and not r.protected
        ][:500],
        "decided_cases": [
            {"application": r.application_id, "outcome": r.outcome, "decision": r.decision_id,
             "link": link(r.application_id)}
            for r in decided if not r.protected
        ][:2000],
    }


def _states(db: Database) -> tuple[dict[Any, Any], dict[str, Any]]:
    """Applications per state and the chains' heads; empty when the database is unreachable (the run stopped
    because of it)."""
    from adapters.driving.batch.outage import transient

    try:
        with db.read() as s:
            states = dict(s.execute(select(Application.state, func.count()).group_by(Application.state)).all())
            return states, heads(s)
    except Exception as e:
        if transient(e):
            return {}, {}
        raise


def _unreachable_sv(seconds: float) -> str:
    return f"databasen gick inte att nå i {round(seconds)} s"


def write_report(db: Database, cfg: BatchConfig, outcome: BatchOutcome, host: str) -> tuple[Path, Path]:
    folder = Path(cfg.report_dir)
    folder.mkdir(parents=True, exist_ok=True)
    data = build_report(db, cfg, outcome, host)
    stem = f"batch-report-{data['date']}-{outcome.batch_id}"
    json_path = folder / f"{stem}.json"
    html_path = folder / f"{stem}.html"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    template = environment().get_template("batch_report.html")
    html_path.write_text(template.render(r=data, finding_sv=FINDING_SV, state_sv=STATE_SV), encoding="utf-8")
    if cfg.demo and not outcome.stopped:
        _write_decision_files(db, folder / "decisions", [r.decision_id for r in outcome.results
                                                           if r.decision_id and not r.protected])
    for p in (json_path, html_path):
        os.chmod(p, 0o640)
    return json_path, html_path


def _write_decision_files(db: Database, folder: Path, decision_ids: list[str | None]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with db.read() as s:
        for decision_id in decision_ids:
            d = s.get(Decision, decision_id)
            if d is None or d.basis_json is None:
                continue
            rev = s.get(Revision, d.revision_id)
            if rev is None or rev.bundle_json is None:
                continue
            basis = DecisionBasis.model_validate_json(d.basis_json)
            html = render_stored_basis_html(parse_bundle(rev.bundle_json), basis)
            (folder / f"{d.application_id}.html").write_text(html, encoding="utf-8")
