"""Skatteverket's part (``SKV``): an XML document carried as a string in ``data/svar``.

v10 answers yearly taxed capital income (``Kapitaluppgift``: ``Taxeringsar``,
``SummaIntakterPaKapital``, ``OverskottPaKapital``), which is no monthly fact: it is noticed and
kept as evidence. v10 has no monthly salary, so against the real service there is no ``salary``
fact and declared salary stays "not confirmed by registry".

The sandbox may add a part in finaid's own provisional dialect (namespace
``urn:finaid:ssbtek:skv-provisional:1``, root ``ProvisoriskaInkomstuppgifter`` with
``provisorisk="true"``; per month ``Manadsinkomst`` with ``Period`` YYYY-MM (the month the salary
is for), ``Bruttolon`` and ``AvdragenSkatt`` in kronor). It becomes ``salary`` facts (gross minus
tax withheld) only where allowed (demo mode by default); otherwise it is noticed and ignored.
The wrapper around ``Kapitaluppgift`` is not public: finaid reads ``Kapitaluppgift`` and a
``Personnummer`` wherever they appear in the document.
"""

from __future__ import annotations

from lxml import etree

from adapters.driven.ssbtek.model import NS_FINAID_SKV, AgencyAnswer, PayloadError, Payment, Query
from adapters.driven.ssbtek.safexml import child, children, descendants, parse_xml, text
from adapters.driven.ssbtek.values import kronor_text_to_ore, month_bounds, person_12
from decision.bundle import IncomeKind


def _provisional(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter() if el.tag == f"{{{NS_FINAID_SKV}}}ProvisoriskaInkomstuppgifter"]


def parse(data: etree._Element, query: Query, max_bytes: int, allow_provisional: bool) -> AgencyAnswer:
    svar = child(data, "svar")
    if svar is None:
        raise PayloadError("SKV answer has no svar")
    content = (svar.text or "").strip()
    answer = AgencyAnswer()
    if not content:
        return answer
    try:
        root = parse_xml(content, max_bytes)
    except ValueError as e:
        raise PayloadError(f"SKV svar: {e}") from None
    numbers = {person_12(el.text, "SKV Personnummer") for el in descendants(root, "Personnummer")}
    if len(numbers) > 1:
        raise PayloadError("SKV svar names more than one person")
    if numbers:
        answer.person = numbers.pop()
    for cap in descendants(root, "Kapitaluppgift"):
        year = text(cap, "Taxeringsar") or "?"
        answer.notices.append(
            f"Skatteverket reports yearly taxed capital income for taxeringsår {year[:4]} "
            "(no monthly fact; kept in the raw envelope)"
        )
    for part in _provisional(root):
        if (part.get("provisorisk") or "").lower() != "true":
            raise PayloadError("provisional Skatteverket part is not marked provisorisk=\"true\"")
        if not allow_provisional:
            answer.notices.append("provisional Skatteverket salary part ignored (not enabled outside demo mode)")
            continue
        for month_el in children(part, "Manadsinkomst"):
            period = text(month_el, "Period")
            if period is None or len(period) != 7 or period[4] != "-" or not period.replace("-", "").isdigit():
                raise PayloadError("provisional Manadsinkomst/Period is not YYYY-MM")
            try:
                first, last = month_bounds(period)
            except ValueError:
                raise PayloadError("provisional Manadsinkomst/Period is not a real month") from None
            gross = kronor_text_to_ore(text(month_el, "Bruttolon"), "provisional Bruttolon")
            tax = kronor_text_to_ore(text(month_el, "AvdragenSkatt") or "0", "provisional AvdragenSkatt")
            answer.payments.append(
                Payment(IncomeKind.SALARY, gross - tax, first, last, None, "finaid:SKV-provisorisk")
            )
        answer.notices.append("salary from finaid's PROVISIONAL Skatteverket dialect (sandbox), not from SSBTEK v10")
    return answer
