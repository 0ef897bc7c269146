"""The beslutsunderlag in Swedish HTML, rendered with jinja2 from the decision basis.

Templates live in ``adapters/driven/render/templates``; a municipality overrides any of them by putting
a file of the same name in ``$FINAID_TEMPLATES_DIR`` (no fork needed).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import jinja2

from decision.basis import DecisionBasis, Line
from decision.bundle import CaseBundle
from decision.money import format_kr_sv, parse_sum
from decision.pipeline import Decided
from rules.evaluator import INCOME_SV
from rules.evaluator import SOURCE_SV as EVALUATOR_SOURCE_SV

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

ROLE_SV = {"applicant": "Sökande", "partner": "Medsökande"}
OUTCOME_SV = {
    "GRANT": ("Bifall föreslås", "Försörjningsstöd föreslås med det beräknade beloppet."),
    "PARTIAL": ("Delvis bifall föreslås", "Försörjningsstöd föreslås, men någon yrkad kostnad har begränsats."),
    "REJECT": ("Avslag föreslås", "Hushållets inkomster täcker normen och de godtagna kostnaderna."),
    "MANUAL": ("Handläggarens bedömning krävs", "Förslaget kan inte lämnas utan att fynden nedan prövas."),
}
SECTIONS = (
    ("norm.", "Riksnorm"),
    ("cost.", "Kostnader utöver riksnormen"),
    ("income.", "Inkomster som räknas"),
    ("disregard.", "Inkomster som inte räknas"),
    ("result.", "Resultat"),
)
SOURCE_SV = {**EVALUATOR_SOURCE_SV, "application": "Ansökan", "akassa": "A-kassan"}


KIND_SV = {  # fact kinds as the beslutsunderlag names them
    "age": "Ålder",
    "attends_school": "Går i skolan",
    "preschool_lunch": "Lunch på förskolan",
    "application_kind": "Typ av ansökan",
    "household_changed": "Hushållet ändrat",
    "previous_aid": "Månader i följd med bistånd",
    "jobbstimulans_months_used": "Månader av jobbstimulans",
    "labour_market": "Arbetsmarknad",
    "registry_answer": "Registersvar",
    "registered": "Inskriven på Arbetsförmedlingen",
    "protected_identity": "Skyddade personuppgifter",
    "residence_status": "Uppehållsstatus",
    "year_to_date": "Inkomst hittills i år",
    "parameter": "Belopp i regelpaket/riktlinje",
    **INCOME_SV,
    "other": "Övrigt",
    "rent": "Hyra",
    "household_electricity": "Hushållsel",
    "work_travel": "Arbetsresor",
    "home_insurance": "Hemförsäkring",
    "union_fee": "Fackföreningsavgift",
    "unemployment_fund_fee": "A-kasseavgift",
    "bank_account": "Bankkonto",
    "vehicle": "Fordon",
    "property": "Fastighet",
    "securities": "Värdepapper",
    # case bundle /2
    "days_in_household": "Dagar i hushållet",
    "aid_history": "Bistånd och jobbstimulans",
    "norm_adjustment": "Normjustering",
    "other_in_dwelling": "Annan person i bostaden",
    "rent_notified": "Underrättad om för hög hyra",
    "earlier_decision": "Tidigare beslut för månaden",
    "medical_care": "Läkarvård",
    "prescription_medicine": "Receptbelagd medicin",
    "emergency_dental_care": "Akut tandvård",
    "glasses": "Glasögon",
    "preschool_fee": "Förskoleavgift",
    "after_school_fee": "Fritidsavgift",
}
KIND_OF_APPLICATION_SV = {"first": "Förstagångsansökan", "reapplication": "Fortsatt ansökan",
                          "supplementary": "Tilläggsansökan"}
DIRECTION_SV = {"raise": "Höjd norm", "lower": "Sänkt norm"}


def person_label_sv(label: str | None) -> str:
    if not label:
        return ""
    if label in ROLE_SV:
        return ROLE_SV[label]
    return "Barn " + label.split(":", 1)[1]


def kr(amount: str | None) -> str:
    if amount is None:
        return ""
    sign = -1 if amount.startswith("-") else 1
    return format_kr_sv(sign * parse_sum(amount.lstrip("-")))


@lru_cache(maxsize=4)
def _env(override: str | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if override:
        loaders.append(jinja2.FileSystemLoader(override))
    loaders.append(jinja2.FileSystemLoader(str(TEMPLATE_DIR)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["kr"] = kr
    env.filters["person_sv"] = person_label_sv
    env.filters["source_sv"] = lambda s: SOURCE_SV.get(s, s)
    env.filters["kind_sv"] = lambda k: KIND_SV.get(k, k)
    env.filters["when"] = lambda t: "" if not t else t.replace("T", " ")[:16]
    env.filters["value_sv"] = lambda v: {True: "ja", False: "nej"}.get(v, v) if isinstance(v, bool) else v
    return env


def environment() -> jinja2.Environment:
    return _env(os.environ.get("FINAID_TEMPLATES_DIR") or None)


def sections(basis: DecisionBasis) -> list[tuple[str, list[Line]]]:
    out = []
    for prefix, title in SECTIONS:
        lines = [line for line in basis.lines if line.rule.startswith(prefix)]
        if lines:
            out.append((title, lines))
    return out


def render_basis_html(decided: Decided) -> str:
    return render_stored_basis_html(decided.bundle, decided.basis)


def render_stored_basis_html(bundle: CaseBundle, basis: DecisionBasis) -> str:
    """The beslutsunderlag from a (stored) bundle and basis: nothing is recomputed."""
    app = bundle.application
    unverified = {
        i for f in basis.findings if f.code == "parameter.not_verified" for i in f.inputs
    }
    members = []
    ages = {f.person: f.value for f in basis.facts if f.kind == "age"}
    # a name (basis /2) is shown beside its member, never for a person with a protected identity
    protected = {f.person for f in basis.findings if f.code == "identity.protected"}
    names = {n.person: n.name for n in basis.names or [] if n.person not in protected}
    children = 0
    for m in app.household:
        if m.role.value == "child":
            children += 1
            label = f"child:{children}"
        else:
            label = m.role.value
        members.append({"label": label, "age": ages.get(label), "name": names.get(label)})
    template = environment().get_template("beslutsunderlag.html")
    return template.render(
        basis=basis,
        application=app,
        members=members,
        sections=sections(basis),
        unverified=unverified,
        manual=[f for f in basis.findings if f.severity == "manual"],
        notices=[f for f in basis.findings if f.severity == "notice"],
        outcome_sv=OUTCOME_SV[basis.outcome],
        kind_sv=KIND_OF_APPLICATION_SV.get(app.kind, app.kind),
        direction_sv=DIRECTION_SV,
    )
