"""The decision letter (beslut) in Swedish, HTML and PDF, stored with its hashes and the template set's.

Content (förvaltningslagen 31–33 §§): the decision and amounts; the reasons — the provisions
applied and the facts that mattered, taken from the trace and the sign-off record (32 §); what the
household must do; how to appeal (33 §; SoL 2025:400 35 kap. 1 §, or old SoL 16 kap. 3 § for
decisions before 2025-07-01); the decision record (31 §): date, content, who decided or that it was
automated, and who took part. Addressee, address, municipality and diary number come through the
:class:`Particulars` port; a person with protected identity never gets an address in the letter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from adapters.driven.db.casefile import line_group
from adapters.driven.letters.templating import LETTER_TEMPLATES, environment, month_sv, template_set_hash
from decision.bundle import Role
from decision.services.signoff_types import RenderedLetter
from decision.uow import CaseView, protected_identity

NEW_SOL = date(2025, 7, 1)
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class LetterParticulars:
    board: str
    municipality_name: str
    diary_number: str
    addressee: str
    address: tuple[str, ...]  # empty for protected identity
    protected: bool
    placeholders: bool


class Particulars(Protocol):
    """Where a letter's addressee, address, municipality and diary number come from (a case system)."""

    def for_case(self, case: CaseView) -> LetterParticulars: ...


class ConfiguredParticulars:
    """Municipality names and the board from settings; addressee and address as placeholders that the
    case system fills in (in demo mode clearly marked as such). Never an address for protected identity.
    """

    def __init__(self, board: str, names: dict[str, str], demo: bool) -> None:
        self.board = board
        self.names = names
        self.demo = demo

    def for_case(self, case: CaseView) -> LetterParticulars:
        code = case.app.municipality
        name = self.names.get(code) or (f"Exempelkommun ({code})" if self.demo else f"Kommun {code}")
        protected = case.app.protected or protected_identity(case.bundle)
        if protected:
            address: tuple[str, ...] = ()
        elif self.demo:
            address = ("[Gatuadress – demo]", "[Postnummer och ort – demo]")
        else:
            address = ("[Adress från verksamhetssystemet]",)
        # case bundle /2 may carry the applicant's name: the addressee then, never for a protected identity
        given = None if protected else next(
            (m.name for m in case.bundle.application.household if m.role is Role.APPLICANT and m.name), None)
        placeholder = "[Sökandens namn – demo]" if self.demo else "[Sökandens namn från verksamhetssystemet]"
        return LetterParticulars(
            board=self.board, municipality_name=name,
            diary_number=f"{'DEMO-' if self.demo else ''}{case.app.id}",
            addressee=given or placeholder, address=address, protected=protected, placeholders=True,
        )


def _refs(case: CaseView) -> list[str]:
    """The provisions the calculation applied (each once), from the lines of the trace."""
    seen: list[str] = []
    for line in case.basis.lines:
        if line_group(line.rule) == "result" or not line.legal_reference:
            continue
        for piece in line.legal_reference.split(";"):
            ref = piece.strip()
            if ref and ref not in seen:
                seen.append(ref)
    return seen


def right_to_aid(month: str) -> str:
    if month < "2025-07":
        return "4 kap. 1 § socialtjänstlagen (2001:453)"
    return "12 kap. 1 § socialtjänstlagen (2025:400)"


def appeal_provision(decided_on: date) -> str:
    if decided_on < NEW_SOL:
        return "16 kap. 3 § socialtjänstlagen (2001:453)"
    return "35 kap. 1 § socialtjänstlagen (2025:400)"


def letter_context(case: CaseView, record: dict[str, Any], particulars: LetterParticulars,
                   at: datetime) -> dict[str, Any]:
    basis = case.basis
    decided = {o["line"]: o for o in record.get("overrides", [])}
    rows = []
    for i, line in enumerate(basis.lines):
        group = line_group(line.rule)
        if group == "result":
            continue
        o = decided.get(i)
        rows.append({
            "group": group, "reason": line.reason, "legal_reference": line.legal_reference,
            "amount": o["decided"] if o else line.amount, "override": o,
        })
    local = at.astimezone(STOCKHOLM)
    signatures = record.get("signatures", [])
    return {
        "p": particulars,
        "r": record,
        "case": case,
        "basis": basis,
        "rows": rows,
        "month": month_sv(case.app.month),
        "date": local.date().isoformat(),
        "right_to_aid": right_to_aid(case.app.month),
        "appeal_provision": appeal_provision(local.date()),
        "provisions": _refs(case),
        "automated": record.get("automated"),
        "deciders": [sg for sg in signatures if sg["kind"] in ("decided", "automated")],
        "participants": [sg for sg in signatures if sg["kind"] == "countersigned"],
        "kind_sv": "Förstagångsansökan" if case.bundle.application.kind == "first" else "Fortsatt ansökan",
    }


def render_letter_html(case: CaseView, record: dict[str, Any], particulars: LetterParticulars, at: datetime) -> str:
    return environment().get_template("letter.html").render(**letter_context(case, record, particulars, at))


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # type: ignore[import-untyped]  # imported here: it loads pango, which only letters need

    return bytes(weasyprint.HTML(string=html, base_url=None).write_pdf())


class LetterMaker:
    """Renders the letter of a completed sign-off (stored with its audit event by the sign-off use case)."""

    def __init__(self, particulars: Particulars, pdf: bool = True) -> None:
        self.particulars = particulars
        self.pdf = pdf

    @staticmethod
    def default() -> LetterMaker:
        from adapters.settings import settings

        cfg = settings()
        return LetterMaker(ConfiguredParticulars(cfg.letter_board, cfg.letter_municipality_names, cfg.demo))

    def render(self, case: CaseView, record: Mapping[str, Any], at: datetime) -> RenderedLetter:
        """The letter's HTML and PDF (``LetterRenderer``): rendered before the transaction that stores it."""
        html = render_letter_html(case, dict(record), self.particulars.for_case(case), at)
        pdf = html_to_pdf(html) if self.pdf else None
        return RenderedLetter(html, pdf, template_set_hash(LETTER_TEMPLATES))
