"""The unemployment funds' part (``SO``, Akassornas samorganisation): inline XML.

Read: ``IdentificationNumber`` (whom the answer is about), ``From``/``Tom`` (the period echoed) and
``ArbetsloshetsersattningLista/Arbetsloshetsersattning*/Utbetalningar*`` with ``Utbetalningsdatum``,
``NettoEfterSkatt`` (the amount that counts: net after tax, before other deductions such as the
fund fee), ``AvserFrom``/``AvserTom`` (the period paid for). An answer that does not name its
person (``IdentificationNumber``) or holds elements finaid does not know is garbled, never "nothing".
"""

from __future__ import annotations

from lxml import etree

from adapters.driven.ssbtek.model import AgencyAnswer, PayloadError, Payment, Query
from adapters.driven.ssbtek.safexml import children, descendants, local, text
from adapters.driven.ssbtek.values import kronor_text_to_ore, optional_date, person_12
from decision.bundle import IncomeKind


def _first_text(data: etree._Element, name: str) -> str | None:
    found = descendants(data, name)
    if len(found) > 1:
        raise PayloadError(f"SO {name} occurs more than once")
    if not found:
        return None
    return (found[0].text or "").strip() or None


KNOWN = frozenset(
    {
        "OrganisationsnummerIngivare", "NamnIngivare", "KontonamnHandlaggare", "Referensnummer", "From", "Tom",
        "IdentificationNumber", "ArbetsloshetsersattningLista", "SyfteMedFraga", "LagParagraf",
    }
)
"""Elements of the SO answer finaid knows; anything else means the payload is not what it seems."""


def parse(data: etree._Element, query: Query) -> AgencyAnswer:
    unknown = sorted({local(c) for c in data if isinstance(c.tag, str)} - KNOWN)
    if unknown:
        raise PayloadError(f"SO answer holds unexpected element {unknown[0][:40]}")
    answer = AgencyAnswer()
    who = _first_text(data, "IdentificationNumber")
    if who is None:
        raise PayloadError("SO answer does not say whom it is about (IdentificationNumber)")
    answer.person = person_12(who, "SO IdentificationNumber")
    start = optional_date(_first_text(data, "From"), "SO From")
    end = optional_date(_first_text(data, "Tom"), "SO Tom")
    if start is not None and end is not None:
        answer.echoed_period = (start, end)
    lists = descendants(data, "ArbetsloshetsersattningLista")
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
                    amount_ore=kronor_text_to_ore(net, "SO NettoEfterSkatt"),
                    period_from=optional_date(text(pay, "AvserFrom"), "SO AvserFrom"),
                    period_to=optional_date(text(pay, "AvserTom"), "SO AvserTom"),
                    paid_on=optional_date(text(pay, "Utbetalningsdatum"), "SO Utbetalningsdatum"),
                    code="SO:ALE",
                )
            )
    return answer
