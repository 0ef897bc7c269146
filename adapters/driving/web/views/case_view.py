"""What the case page shows (docs/web.md): the proposal's lines grouped as in the beslutsunderlag with sign and
running total, the reason codes that fit each line, persons by role with their ages, registry answers and
facts in Swedish, and the hints that go with the findings to judge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.driven.db.casefile import CaseFile, applied_for, line_group
from adapters.driven.render.html import KIND_SV
from adapters.driving.web import presentation
from decision.money import format_kr_sv
from decision.uow import protected_identity

HINTS = {
    "application.first": "Förstagångsansökan: utred hushållets situation (besök, underlag) innan beslut.",
    "application.household_changed": "Hushållet har ändrats: kontrollera vilka som ingår och från när.",
    "registry.unavailable": "En källa svarade inte: välj Hämta igen, eller begär underlag från den sökande.",
    "registry.not_consulted": "En källa har inte tillfrågats: välj Hämta igen.",
    "registry.stale": "Uppgifterna är gamla: välj Hämta igen.",
    "income.registry_mismatch": "Uppgiven inkomst skiljer sig från registret: begär lönespecifikation eller "
                                "utbetalningsbesked.",
    "identity.protected": "Skyddade personuppgifter: hantera enligt rutin; adress får inte framgå.",
    "cost.other": "Övrig kostnad: pröva individuellt och ange beslutat belopp i beräkningen.",
    "assets.above_buffer": "Tillgångar över buffert: bedöm om de ska användas först.",
    "labour.not_registered": "Står den vuxne till arbetsmarknadens förfogande? Finns godtagbart skäl?",
    "labour.studying": "Studier: är studierna förenliga med rätten till bistånd?",
    "labour.af_not_confirmed": "Arbetsförmedlingen bekräftar inte inskrivning: kontrollera.",
    "labour.missing": "Uppgift om arbetsmarknad saknas för en vuxen: komplettera.",
    "residence.not_valid": "Uppehållsrätt: kontrollera beslut från Migrationsverket.",
    "income.child_other_kind": "Barnets egen inkomst: bedöm hur mycket som ska gå till hushållet.",
    "household.young_adult_separate": "Ung vuxen som inte går i skolan: egen hushållsbedömning.",
    "norm.preschool_lunch_unknown": "Förskolelunch: normbelopp saknas för året – bedöm normen.",
}
RESIDENCE_VALUE_SV = {"permanent": "permanent uppehållstillstånd", "temporary": "tidsbegränsat uppehållstillstånd",
                      "expired": "tillståndet har gått ut", "none": "inget tillstånd"}


def case_view(case: CaseFile, override_codes: Sequence[Any], decided: Sequence[int] | None = None) -> dict[str, Any]:
    """The page's view of one case; ``decided`` (öre per line, the rules' recomputation) for a preview."""
    basis = case.basis
    unverified = {i for f in basis.findings if f.code == "parameter.not_verified" for i in f.inputs}
    groups = presentation.grouped_lines(basis, decided)
    for g in groups:
        g["codes"] = presentation.reason_codes_for(override_codes, g["group"])
        for row in g["rows"]:
            line = row["line"]
            row["applied"] = applied_for(case.bundle, line)
            row["unverified"] = any(x in unverified for x in line.inputs)
    labels = presentation.person_labels(case.bundle)
    ages = presentation.ages(basis)
    registry = [
        {"source": e.source.value, "person": labels.get(e.person, ""), "status": e.status.value,
         "fetched_at": e.fetched_at.isoformat(), "request_id": e.request_id, "error": e.error,
         "facts": [fact_text(f) for f in e.facts]}
        for e in case.bundle.registry or []
    ]
    return {
        "groups": groups,
        "result": [ln for ln in basis.lines if line_group(ln.rule) == "result"],
        "manual": [(i, f) for i, f in enumerate(basis.findings) if f.severity == "manual"],
        "notices": [f for f in basis.findings if f.severity == "notice"],
        "registry": registry,
        # names (case bundle /2) only on a page the person may see at all (scope.py), never for a protected identity
        "members": [(labels[m.personnummer], ages.get(labels[m.personnummer]),
                     None if case.app.protected or protected_identity(case.bundle) else m.name)
                    for m in case.bundle.application.household],
        "facts": [f for f in basis.facts if f.source != "application" and not f.id.startswith("param:")],
    }


def fact_text(fact: Any) -> str:
    """A registry fact as a person reads it: ``Lön 2026-01: 12 000 kr``, ``Inskriven på Arbetsförmedlingen: ja``."""
    kind = getattr(fact, "kind", "")
    kind = str(getattr(kind, "value", kind))
    name = KIND_SV.get(kind, "Uppgift")
    if hasattr(fact, "amount"):
        return f"{name} {fact.month}: {format_kr_sv(fact.amount)}"
    value = getattr(fact, "value", None)
    value = getattr(value, "value", value)
    if isinstance(value, bool) or value is None:
        return f"{name}: {presentation.FACT_VALUE_SV[value]}"
    return f"{name}: {RESIDENCE_VALUE_SV.get(str(value), 'se registret')}"


def fetch_comparison(case: CaseFile, old: Any, new: Any, *, kept: bool, bundle: Any = None) -> dict[str, Any]:
    """After Hämta igen: which sources answered (of the new fetch), and old and new proposal side by side.
    ``kept``: a source did not answer, so the old proposal is still the current one."""
    answered = presentation.answers(bundle if bundle is not None else case.bundle,
                                    presentation.person_labels(case.bundle))
    return {"kept": kept, "answers": answered, **presentation.compare(old, new)}
