"""The unemployment funds' part (``SO``, Akassornas samorganisation): inline XML,
``GetUnemploymentBenefitPaymentResponseType`` of the v10 schema.

Read strictly: ``IdentificationNumber`` (whom the answer is about, required), ``From``/``Tom`` (the
period echoed, required) and ``ArbetsloshetsersattningLista/Arbetsloshetsersattning*/Utbetalningar*``
with ``NettoEfterSkatt`` (the amount that counts: net after tax, before other deductions such as the
fund fee), ``AvserFrom``/``AvserTom`` (the period paid for: it decides the month) and
``Utbetalningsdatum``. Everything else — the question's echo (``Syfte``, ``Paragraf``, ingivare,
``Referensnummer``), processor elements (``…Personuppgiftsbitrade``), suspensions, and any element a
later schema adds — is tolerated and named in a notice (adapters/driven/ssbtek/inventory.py).
"""

from __future__ import annotations

from lxml import etree

from adapters.driven.ssbtek import inventory
from adapters.driven.ssbtek.model import AgencyAnswer, PayloadError, Payment, Query
from adapters.driven.ssbtek.safexml import children, text
from adapters.driven.ssbtek.values import kronor_text_to_ore, optional_date, person_12
from decision.bundle import IncomeKind


def _one(data: etree._Element, name: str) -> str | None:
    found = children(data, name)
    if len(found) > 1:
        raise PayloadError(f"SO {name} occurs more than once")
    if not found:
        return None
    return (found[0].text or "").strip() or None


def parse(data: etree._Element, query: Query) -> AgencyAnswer:
    answer = AgencyAnswer()
    answer.tolerated = inventory.unknown_elements(data, inventory.SO, "data")
    who = _one(data, "IdentificationNumber")
    if who is None:
        raise PayloadError("SO answer does not say whom it is about (IdentificationNumber)")
    answer.person = person_12(who, "SO IdentificationNumber")
    start = optional_date(_one(data, "From"), "SO From")
    end = optional_date(_one(data, "Tom"), "SO Tom")
    if start is not None and end is not None:
        answer.echoed_period = (start, end)
    lists = children(data, "ArbetsloshetsersattningLista")
    if len(lists) > 1:
        raise PayloadError("SO ArbetsloshetsersattningLista occurs more than once")
    if not lists:
        return answer
    for fund in children(lists[0], "Arbetsloshetsersattning"):
        for pay in children(fund, "Utbetalningar"):
            net = text(pay, "NettoEfterSkatt")
            if net is None:
                raise PayloadError("SO payment without NettoEfterSkatt")
            answer.payments.append(
                Payment(
                    kind=IncomeKind.UNEMPLOYMENT_BENEFIT,
                    amount_ore=kronor_text_to_ore(net, "SO NettoEfterSkatt", answer.notices),
                    period_from=optional_date(text(pay, "AvserFrom"), "SO AvserFrom"),
                    period_to=optional_date(text(pay, "AvserTom"), "SO AvserTom"),
                    paid_on=optional_date(text(pay, "Utbetalningsdatum"), "SO Utbetalningsdatum"),
                    code="SO:ALE",
                )
            )
    return answer
