"""How the workbench shows a proposal to a person, in Swedish: the lines grouped as in the printed
beslutsunderlag (riksnorm, kostnader, inkomster, ej medräknade) with their sign and a running total, the
reason codes that fit each kind of line, state and event names, registry answers, finding labels,
ages, and times in Europe/Stockholm with the zone (docs/web.md, docs/domain.md).

Pure presentation: every amount comes from the stored basis or from the rules' own recomputation
(``PackEvaluator.apply_overrides`` via the sign-off port); nothing is calculated here but sums for display.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from adapters.driven.render.html import stockholm_time
from adapters.driving.batch.report import FINDING_SV
from decision.basis import DecisionBasis, line_group
from decision.bundle import CaseBundle
from decision.money import format_kr_sv
from decision.overrides import line_ore
from decision.services.signoff_types import OUTCOME_SV

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PROPOSAL_SV = {"GRANT": "Bifall", "PARTIAL": "Delvis bifall", "REJECT": "Avslag", "MANUAL": "Bedömning krävs"}

# (group, title, sign applied to the running total) in the beslutsunderlag's order
GROUPS = (
    ("norm", "Riksnorm", 1),
    ("cost", "Kostnader utöver riksnormen", 1),
    ("income", "Inkomster som räknas", -1),
    ("disregard", "Inkomster som inte räknas (dras av från inkomsterna)", 1),
)
# which override reason codes fit which kind of line (the code's prefix); "ovrigt." fits every line
REASON_PREFIXES = {"norm": ("norm.",), "cost": ("kostnad.",), "income": ("inkomst.",), "disregard": ("inkomst.",)}
EVENT_SV = {
    "received": "Ansökan mottagen", "fetched": "Registeruppgifter hämtade", "proposed": "Förslag framtaget",
    "signed": "Beslut undertecknat", "second_signature_refused": "Andra underskrift nekad",
    "returned": "Återförd för komplettering", "auto_approved": "Automatiserat beslut",
    "failed": "Tekniskt fel", "failed_permanent": "Tekniskt fel (kräver drift)", "superseded": "Förslag ersatt",
    "countersigned": "Andra underskrift", "letter_created": "Beslutsbrev skapat", "purged": "Gallrat",
    "registry_unavailable": "Register svarade inte",
    "decision_changed": "Beslut rättat eller ändrat", "communication_sent": "Kommunicering skickad",
    "communication_closed": "Kommunicering avslutad", "note_added": "Journalanteckning",
    "case_taken": "Ärendet togs", "case_handed_over": "Ärendet lämnades över",
    "supervision_access": "Öppnat för tillsyn",
}
ACTION_SV = {"approve": "godkänt som föreslaget", "amend": "ändrat", "reject": "avslag", "return": "återförd",
             "countersign": "andra underskrift", "refuse": "nekad underskrift", "rattelse": "rättelse",
             "andring": "ändring"}
ACCESS_SV = {
    "view_case": "Läste ärendet", "view_previous_month": "Läste föregående månad", "view_letter": "Läste beslutsbrevet",
    "view_letter_pdf": "Läste beslutsbrevet (PDF)", "view_queue": "Läste kön", "view_statistics": "Läste statistiken",
    "view_access_log": "Läste åtkomstloggen", "decide": "Registeruppgifter hämtade och förslag framtaget",
    "fetch_again_kept": "Registeruppgifter hämtade igen (förslaget behölls)", "list": "Listade ansökningar",
    "view_notes": "Läste journalanteckningar", "view_communication": "Läste kommuniceringsbrev",
    "registry_read": "Registeruppgifter hämtade", "fetch": "Registeruppgifter hämtade",
    "search": "Sökte på personnummer", "view_mine": "Läste Mina ärenden",
    "download_attachment": "Laddade ner en bilaga från e-tjänsten",
}
PURPOSE_SV = {"handlaggning": "handläggning", "uppfoljning": "uppföljning", "revision": "revision", "drift": "drift",
              "tillsyn": "tillsyn"}
CHANNEL_SV = {"web": "webb", "cli": "kommandorad", "api": "API", "batch": "nattkörning"}
ANSWER_SV = {"ok": "Svar", "no_data": "Inga uppgifter", "unavailable": "Svarade inte"}
FACT_VALUE_SV = {True: "ja", False: "nej", None: "–"}


def when(value: str | datetime | None) -> str:
    """A time as a person in Sweden reads it: Stockholm time with its zone (``2026-12-03 14:05 CET``)."""
    return stockholm_time(value)


LABOUR_VALUE_SV = {
    "registered_at_af": "inskriven på Arbetsförmedlingen", "employed": "anställd",
    "sick_with_certificate": "sjukskriven med läkarintyg", "parental_leave": "föräldraledig",
    "studying": "studerar", "not_registered": "inte inskriven", "permanent": "permanent uppehållstillstånd",
    "temporary": "tidsbegränsat uppehållstillstånd", "expired": "tillståndet har gått ut", "none": "inget tillstånd",
    "first": "förstagångsansökan", "reapplication": "fortsatt ansökan",
}


def fact_value(value: Any) -> str:
    """A fact's value as a person reads it: ja/nej, a number, a Swedish word (never a code or a Python value)."""
    if isinstance(value, bool) or value is None:
        return FACT_VALUE_SV[value]
    if isinstance(value, int):
        return str(value)
    text = str(value)
    status, sep, rest = text.partition(": ")
    if status in ANSWER_SV:  # a registry answer: "unavailable: HTTP 503: …"
        return ANSWER_SV[status] + (f" ({rest})" if sep else "")
    return LABOUR_VALUE_SV.get(text, text)


def finding_sv(code: str) -> str:
    return FINDING_SV.get(code, "Fynd att bedöma")


def codes_sv(text: str) -> str:
    """A rules' text that names finding codes (``(cost.other, income.registry_mismatch)``) with their Swedish
    labels instead: the page shows no code as text outside the small-type code label."""
    for code in sorted(FINDING_SV, key=len, reverse=True):
        label = FINDING_SV[code]
        text = text.replace(code, label[:1].lower() + label[1:])
    return text


def signed_kr(ore: int, sign: int) -> str:
    """An amount with the sign it has in the calculation (``+ 1 200 kr``, ``− 300 kr``)."""
    value = sign * ore
    return ("− " if value < 0 else "+ ") + format_kr_sv(abs(value))


def grouped_lines(basis: DecisionBasis, decided: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """The basis's lines in the beslutsunderlag's groups, each with its signed amount and the running total
    after the group; ``decided`` (öre per line, from the rules' recomputation) replaces the amounts."""
    running = 0
    out = []
    for group, title, sign in GROUPS:
        rows = []
        subtotal = 0
        for i, line in enumerate(basis.lines):
            if line_group(line.rule) != group:
                continue
            amount = decided[i] if decided is not None else line_ore(line.amount)
            subtotal += amount
            rows.append({"index": i, "line": line, "ore": amount, "signed": signed_kr(amount, sign)})
        if not rows:
            continue
        running += sign * subtotal
        out.append({"group": group, "title": title, "rows": rows, "subtotal": signed_kr(subtotal, sign),
                    "running": format_kr_sv(running)})
    return out


def reason_codes_for(codes: Sequence[Any], group: str) -> list[Any]:
    """The override reason codes that fit a kind of line (``ovrigt.*`` fits all)."""
    prefixes = (*REASON_PREFIXES.get(group, ()), "ovrigt.")
    return [c for c in codes if c.code.startswith(prefixes)]


def answers(bundle: CaseBundle, labels: dict[str, str]) -> dict[str, list[str]]:
    """Which sources answered and which did not, in Swedish (person by label, never a personnummer)."""
    from adapters.driven.render.html import SOURCE_SV, person_label_sv

    out: dict[str, list[str]] = {"ok": [], "no_data": [], "unavailable": []}
    for e in bundle.registry or []:
        who = person_label_sv(labels.get(e.person, ""))
        text = f"{SOURCE_SV.get(e.source.value, e.source.value)} ({who})" if who else SOURCE_SV.get(
            e.source.value, e.source.value)
        out.setdefault(e.status.value, []).append(text)
    return out


def person_labels(bundle: CaseBundle) -> dict[str, str]:
    """personnummer → label (applicant, partner, child:N): pages name people by role, never by number."""
    labels: dict[str, str] = {}
    children = 0
    for m in bundle.application.household:
        if m.role.value == "child":
            children += 1
            labels[m.personnummer] = f"child:{children}"
        else:
            labels[m.personnummer] = m.role.value
    return labels


def ages(basis: DecisionBasis) -> dict[str, Any]:
    """label → age, from the basis's facts (as the beslutsunderlag shows them)."""
    return {f.person: f.value for f in basis.facts if f.kind == "age" and f.person}


def compare(old: DecisionBasis, new: DecisionBasis) -> dict[str, Any]:
    """Old and new proposal side by side: totals, findings (codes as Swedish labels) and lines."""
    keys = (("norm", "Riksnorm"), ("costs_accepted", "Godtagna kostnader"),
            ("income_counted", "Inkomster som räknas"), ("proposed", "Föreslaget belopp"))
    amounts = [(label, getattr(old.amounts, k), getattr(new.amounts, k)) for k, label in keys]

    def findings(b: DecisionBasis) -> list[str]:
        return [f.reason for f in b.findings if f.severity == "manual"]

    def lines(b: DecisionBasis) -> dict[str, str]:
        return {f"{ln.reason}": ln.amount for ln in b.lines if line_group(ln.rule) != "result"}

    ol, nl = lines(old), lines(new)
    rows = [(name, ol.get(name), nl.get(name)) for name in dict.fromkeys([*ol, *nl])]
    return {"amounts": amounts, "old_findings": findings(old), "new_findings": findings(new),
            "lines": rows, "old_outcome": old.outcome, "new_outcome": new.outcome}


COMMUNICATION_SV = {"answered": "svar registrerat", "no_answer": "inget svar inom svarstiden"}


def event_details(payload: dict[str, Any]) -> str:
    """An audit event's details as a sentence a person reads (no codes, no Python values)."""
    parts = []
    if payload.get("action") in ACTION_SV:
        parts.append(f"Åtgärd: {ACTION_SV[payload['action']]}")
    outcome = payload.get("outcome")
    if outcome in COMMUNICATION_SV:  # kommunicering closed
        parts.append(COMMUNICATION_SV[outcome])
    elif isinstance(outcome, str) and outcome:
        parts.append(f"Utfall: {PROPOSAL_SV.get(outcome) or OUTCOME_SV.get(outcome) or 'annat'}")
    if isinstance(payload.get("reply_by"), str):
        parts.append(f"svar senast {payload['reply_by']}")
    if payload.get("supersedes"):
        parts.append("ersätter det tidigare beslutet" + (", till den sökandes nackdel"
                                                        if payload.get("disadvantage") is True else ""))
    if payload.get("four_eyes"):
        parts.append("kräver andra underskrift")
    if payload.get("findings"):
        parts.append(f"{len(payload['findings'])} fynd")
    if payload.get("reason") and isinstance(payload.get("failures"), int):
        parts.append(f"försök {payload['failures']}")
    return "; ".join(parts)
