"""Every message the bundle validator can give about a field the form carries reaches the applicant in plain
Swedish and English beside that field (adapters/driving/etjanst/field_errors.py).

The messages are found by walking the validator's source (every ``FieldError(path, message)`` and every
``ValueError(message)`` of the field parsers, f-strings filled in with sample values), so that a new check
without a plain message fails here; the ones that cannot come from the form are listed with the reason."""

from __future__ import annotations

import ast
import importlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.driving.etjanst import field_errors, forms, i18n
from decision.strict import FORM_MESSAGE
from tests.integration.etjanst.kit import APPLICANT, PARTNER

ROOT = Path(__file__).resolve().parents[3]
MODULES = ("decision.validation", "decision.bundle_checks", "decision.strict", "decision.bundle_parts",
           "rules.catalog", "decision.services.supplementary")
NOT_FROM_THE_FORM = {  # (path prefix or message) -> why the form never sends it
    "registry": "the registry answers are fetched by the night, never written in the form",
    "application.norm_adjustments": "a raised or lowered norm is not carried by the form (test_form_roundtrip.py)",
    "application.previous_aid": "the form sends previous_aid only in /1 bundles",
    "schema": "the form picks the version itself (and the pack's versions map to a plain message)",
    "": "whole-bundle errors (size, JSON) cannot come from a form the e-service writes itself",
    "application.attachments": "the list of files is written by the e-service from its own stored files",
    "names an attachment in application.attachments with another sha256":
        "a cost's document and the list of files both come from the same stored file (forms_files.py)",
    # registry answers (their path is a local variable in the walk): fetched by the night
    "a second answer from the same source for the same person": "registry: fetched by the night",
    "is required when status is unavailable": "registry: fetched by the night",
    "facts are allowed only when status is ok": "registry: fetched by the night",
    "registered comes from arbetsformedlingen only": "registry: fetched by the night",
    "residence_status comes from migrationsverket only": "registry: fetched by the night",
    # norm adjustments (their path is a parameter in the walk): not carried by the form
    "is required when direction is raise": "norm_adjustments: not carried",
    "must be more than 0 when direction is raise": "norm_adjustments: not carried",
    "is allowed only when direction is lower": "norm_adjustments: not carried",
    "is required when direction is lower": "norm_adjustments: not carried",
    "is allowed only when direction is raise": "norm_adjustments: not carried",
    "7 goes with direction lower only": "norm_adjustments: not carried",
    "special_diet goes with direction raise only": "norm_adjustments: not carried",
    FORM_MESSAGE: "strict.parse_form_kronor's own Swedish message: forms.py gives its translated amount message",
    "not ASCII digits": "an internal check of strict's own parsers",
    "must be nine digits": "the Luhn helper's own argument check",
    "must be 12 digits": "the birth-date helper's own argument check",
    "the amount does not fit in 64 bits of öre": "sums of a decision basis, not a form amount",
    "must be kronor with two decimals like \"-6000.00\"": "sums of a decision basis, not a form amount",
    "must be a month YYYY-MM": "months are set by the e-service, never typed",
    "must be a date YYYY-MM-DD": "the rent notice date is carried unchanged from a stored bundle",
    "must be a string": "the form always sends strings",
    "must not be empty": "a name is carried from a stored bundle, never typed",
    "must not contain control characters or line breaks": "a name is carried from a stored bundle, never typed",
}


def _sample(node: ast.expr, module: Any) -> str | None:
    """The text of a message expression, f-string placeholders filled in (7, or the module constant)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        value = getattr(module, node.id, None)
        return value if isinstance(value, str) else None
    if isinstance(node, ast.JoinedStr):
        out = ""
        for part in node.values:
            if isinstance(part, ast.Constant):
                out += str(part.value)
            else:
                inner = part.value if isinstance(part, ast.FormattedValue) else part
                named = _sample(inner, module) if isinstance(inner, ast.Name) else None
                out += named if named is not None else "7"
        return out
    return None


def validator_messages() -> list[tuple[str, str]]:
    """(path, message) for every message in the validator's modules (path "?" for a parser's ValueError)."""
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        tree = ast.parse(Path(module.__file__ or "").read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id == "FieldError" and len(node.args) == 2:
                path = _sample(node.args[0], module) if not isinstance(node.args[0], ast.Name) else "application.x"
                message = _sample(node.args[1], module)
                if message is not None:
                    found.append((path or "", message))
            elif node.func.id == "ValueError" and node.args:
                message = _sample(node.args[0], module)
                if message is not None:
                    found.append(("?", message))
    return sorted(set(found))


def test_the_walk_finds_the_validators_messages() -> None:
    messages = {m for _p, m in validator_messages()}
    assert len(messages) > 40
    assert "a child must be under 21 on the first day of the month applied for" in messages
    assert "finns bara i finaid.case-bundle/2" in messages and "check digit is wrong" in messages


@pytest.mark.parametrize(("path", "message"), validator_messages())
def test_every_message_about_a_form_field_has_a_plain_translated_message(path: str, message: str) -> None:
    excused = [k for k in NOT_FROM_THE_FORM if message == k or (path != "?" and (
        path == k or (k != "" and path.startswith((k + ".", k + "[")))))]
    msgid = field_errors.plain(message)
    if excused:
        assert NOT_FROM_THE_FORM[excused[0]]  # each with its reason
        return
    assert msgid != field_errors.FALLBACK, f"no plain message for {path}: {message}"
    sv = i18n.translations("sv").gettext(msgid)
    assert sv != msgid and sv.strip(), f"no Swedish for {msgid!r}"
    assert i18n.translations("en").gettext(msgid).strip()


def test_the_schemas_own_messages_for_form_fields_are_plain() -> None:
    """pydantic's messages as decision.validation words them, for what the form can send wrong."""
    assert field_errors.plain("is required") == "Fill in this field."
    assert field_errors.plain("String should have at most 500 characters") == "The text is too long. Make it shorter."
    assert field_errors.plain("something new and technical") == field_errors.FALLBACK


AT = datetime(2026, 12, 3, 9, tzinfo=UTC)


def draft() -> dict[str, Any]:
    last = json.loads((ROOT / "examples/bundles/01-worked-example-couple-two-children.json").read_text())
    return forms.prefill(last, APPLICANT)


def send(data: dict[str, Any], month: str = "2026-12") -> dict[str, str]:
    bundle, errors = forms.to_bundle(data, application_id="ET-1", municipality="1287", month=month,
                                     kind="reapplication", submitted_at=AT, v2=True)
    assert bundle is None
    return errors


def test_cross_field_errors_reach_the_applicant_beside_their_fields_in_plain_language() -> None:
    data = draft()
    child = next(i for i, m in enumerate(data["household"]) if m["role"] == "child")
    data["incomes"].append({"person": data["household"][child]["personnummer"], "kind": "salary",
                            "amount": "1 000", "year_to_date": "500"})
    data["costs"].append({"kind": "other", "amount": "120", "description": ""})
    data["labour_market"].append({"person": PARTNER, "status": "employed"})
    errors = send(data)
    n_inc, n_cost, n_lm = len(data["incomes"]) - 1, len(data["costs"]) - 1, len(data["labour_market"]) - 1
    assert errors == {
        f"incomes-{n_inc}-year_to_date": "What the child has earned so far this year cannot be less than this "
                                         "month's salary.",
        f"costs-{n_cost}-description": "Write what the cost is for.",
        f"labour_market-{n_lm}-person": "This person is listed more than once. Give one answer per person.",
    }
    sv = i18n.translations("sv").gettext
    assert sv(errors[f"costs-{n_cost}-description"]) == "Skriv vad kostnaden gäller."


def test_a_child_who_has_turned_21_is_named_beside_the_person() -> None:
    data = draft()
    data["household"].append({"personnummer": "200301227625", "role": "child", "keep": True})
    errors = send(data)
    i = len(data["household"]) - 1
    assert set(errors) == {f"household-{i}-personnummer"}
    assert "21 år" in i18n.translations("sv").gettext(errors[f"household-{i}-personnummer"])


def test_a_second_applicant_is_named_at_the_household() -> None:
    data = draft()
    data["household"][1]["role"] = "applicant"
    assert send(data) == {"household": "The application must have exactly one applicant."}


def test_the_forms_own_and_the_validators_messages_come_in_one_round_on_the_right_rows() -> None:
    """A row the form cannot read is left out of the bundle checked; the validator's message for a later row
    still names that later row (not the row that took its place in the bundle)."""
    data = draft()
    child = next(m["personnummer"] for m in data["household"] if m["role"] == "child")
    data["incomes"] = [{"person": APPLICANT, "kind": "salary", "amount": "tolv tusen"},
                       {"person": child, "kind": "salary", "amount": "1 000", "year_to_date": "500"}]
    assert send(data) == {
        "incomes-0-amount": "Write the amount in kronor, for example 1250 or 1250,50.",
        "incomes-1-year_to_date": "What the child has earned so far this year cannot be less than this month's "
                                  "salary.",
    }
