"""Swedish labels and reason texts of the evaluator: everything a person reads is Swedish.

The rule explanations themselves live in the packs' manifests (templates with ``{placeholders}``);
this module holds the names the templates are filled with and the texts the evaluator writes itself.
"""

from __future__ import annotations

from decision.errors import RulesError
from decision.money import format_kr_sv

SOURCE_SV = {
    "skatteverket": "Skatteverket",
    "forsakringskassan": "Försäkringskassan",
    "pensionsmyndigheten": "Pensionsmyndigheten",
    "arbetsformedlingen": "Arbetsförmedlingen",
    "akassa": "a-kassan",
    "csn": "CSN",
    "migrationsverket": "Migrationsverket",
}
INCOME_SV = {
    "salary": "Lön",
    "sickness_benefit": "Sjukpenning",
    "activity_compensation": "Aktivitetsersättning",
    "parental_benefit": "Föräldrapenning",
    "unemployment_benefit": "Arbetslöshetsersättning",
    "activity_support": "Aktivitetsstöd",
    "establishment_allowance": "Etableringsersättning",
    "student_aid": "Studiemedel",
    "pension": "Pension",
    "housing_allowance": "Bostadsbidrag",
    "child_allowance": "Barnbidrag",
    "maintenance_support": "Underhållsstöd",
    "other": "Annan inkomst",
}
COST_SV = {
    "rent": "Hyran",
    "household_electricity": "Hushållselen",
    "work_travel": "Arbetsresorna",
    "home_insurance": "Hemförsäkringen",
    "union_fee": "Fackföreningsavgiften",
    "unemployment_fund_fee": "A-kasseavgiften",
    "other": "Övrig kostnad",
    "medical_care": "Läkarvården",
    "prescription_medicine": "Den receptbelagda medicinen",
    "emergency_dental_care": "Den akuta tandvården",
    "glasses": "Glasögonen",
    "preschool_fee": "Förskoleavgiften",
    "after_school_fee": "Fritidsavgiften",
}
STATUS_SV = {
    "verified": "verifierad",
    "secondary": "en sekundär källa",
    "derived": "härledd",
    "unverified": "ej verifierad",
    "practice": "praxis (allmänna råd eller vanlig kommunal praxis, inte lagtext)",
    "belief": "tolkning, inte bekräftad",
    "proposed": "föreslagen, inte känd som beslutad lag",
}
RESIDENCE_SV = {"expired": "tillståndet har gått ut", "none": "inget tillstånd"}
AF_SV = {
    "false": "anger att personen inte är inskriven",
    "none": "har ingen uppgift om inskrivning",
    "unavailable": "svarade inte",
    "missing": "har inte tillfrågats",
}
NO_REGISTRY_SV = "inget register"


def persons_sv(n: int) -> str:
    return "1 person" if n == 1 else f"{n} personer"


def person_sv(label: str) -> str:
    if label == "applicant":
        return "sökande"
    if label == "partner":
        return "medsökande"
    return "barn " + label.split(":")[1]


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Vars(dict[str, str]):
    """Template variables; a placeholder the case did not provide is an error, never blank."""

    def __missing__(self, key: str) -> str:
        raise RulesError(f"reason template needs {{{key}}}")


def reason(template: str, tvars: dict[str, str]) -> str:
    """A manifest explanation filled in with the case's values, as one sentence."""
    return sentence(template.format_map(_Vars(tvars)))


def cap_note_sv(capped: bool, size: int) -> str:
    """The note on a cost line the guideline's reasonable level limited."""
    return f" (begränsat till riktlinjens skäliga nivå för {persons_sv(size)})" if capped else ""


def income_basis_sv(auth: str, source_sv: str, declared: bool, shown: bool) -> str:
    """What an income line's amount rests on (the authority's answer ``auth``, see rules/evaluator/incomes.py)."""
    if auth == "confirmed":
        text = f"enligt {source_sv}"
        if not declared:
            text += ", inte uppgiven i ansökan"
    elif auth == "none":
        text = "enligt ansökan; kan inte kontrolleras mot register"
    elif auth == "unavailable":
        text = f"enligt ansökan; {source_sv} svarade inte"
    elif auth == "not_consulted":
        text = f"enligt ansökan; {source_sv} har inte tillfrågats"
    else:
        text = f"enligt ansökan; inte bekräftad av {source_sv}"
    if shown:
        text += "; uppgifter från andra källor visas men räknas inte"
    return text


def override_reason_sv(proposed: int, decided: int, label: str) -> str:
    """The reason of an ``override.<line rule>`` step: the handler decided a line differently."""
    return f"Handläggaren har ändrat beloppet från {format_kr_sv(proposed)} till {format_kr_sv(decided)}: {label}."


def decided_reason_sv(norm: int, costs: int, income: int, total: int) -> str:
    """The reason of the ``override.result.decided`` step."""
    return (
        f"Beslutat försörjningsstöd: riksnorm {format_kr_sv(norm)} + godtagna kostnader {format_kr_sv(costs)} "
        f"− inkomster {format_kr_sv(income)} = {format_kr_sv(total)}."
    )
