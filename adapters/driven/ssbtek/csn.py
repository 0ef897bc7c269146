"""CSN's part: base64-encoded XML ``CSNSvar`` inside ``data/svar``.

Read: ``GemensamtSvarEkbistand/Resultat/ResultatKod`` (``0`` = answered (?)), the ``Person`` with
the asked number (``@personnummer`` 10 digits with ``@sekel``), its ``@Status`` (``Ej träff`` =
unknown to CSN → ``no_data``), ``@sekretess`` (non-blank = protected (?)) and every study-aid case's
``UtbetalningsPlan/Utbetalning`` (``utbetdatum`` YYYYMMDD, ``utbetstatus``, ``totbelopp`` whole
kronor). Study aid is not taxed: ``totbelopp`` is the net amount. CSN names no period paid for, so
a payment belongs to the month of ``utbetdatum`` (CSN pays each month's study aid in that month).
Home-equipment loans (``HemutrustningsLan``) are a one-off loan, not income: notice only.
"""

from __future__ import annotations

import re

from lxml import etree

from adapters.driven.ssbtek.model import AgencyAnswer, AgencyFailure, PayloadError, Payment, Query
from adapters.driven.ssbtek.safexml import b64decode_limited, child, children, descendants, local, parse_xml, text
from adapters.driven.ssbtek.values import month_bounds, month_of, parse_date, person_12
from decision.bundle import IncomeKind

OK_RESULT_CODES = ("0", "00")
STUDY_AID_FORMS = ("Studiemedel", "Studiehjalp", "Studiestartsstod", "Omstallningsstudiestod")
NOT_INCOME_FORMS = ("HemutrustningsLan",)
PAID_STATUSES = ("utbetald", "utbetalad", "planerad")
_WHOLE_KRONOR = re.compile(r"^-?\d{1,9}$")


def parse(data: etree._Element, query: Query, max_bytes: int) -> AgencyAnswer | AgencyFailure:
    svar = child(data, "svar")
    if svar is None:
        raise PayloadError("CSN answer has no svar")
    try:
        root = parse_xml(b64decode_limited(svar.text, max_bytes), max_bytes)
    except ValueError as e:
        raise PayloadError(f"CSN svar: {e}") from None
    if local(root) != "CSNSvar":
        raise PayloadError("CSN svar is not a CSNSvar document")
    results = descendants(root, "Resultat")
    if len(results) != 1:
        raise PayloadError("CSN svar must hold one Resultat")
    code = text(results[0], "ResultatKod")
    if code is None:
        raise PayloadError("CSN Resultat without ResultatKod")
    if code not in OK_RESULT_CODES:
        message = text(results[0], "ResultatText") or ""
        return AgencyFailure(f"CSN svarade med resultatkod {code[:20]} {message[:80]}".strip())
    personer = child(root, "Personer")
    people = children(personer, "Person") if personer is not None else []
    answer = AgencyAnswer()
    chosen: etree._Element | None = None
    for person in people:
        number = person_12(person.get("personnummer"), "CSN Person/@personnummer", person.get("sekel"))
        if number == query.person:
            chosen = person
            break
    if chosen is None:
        if len(people) == 1:
            # one person, not the one asked about: the mapping reports "another person"
            answer.person = person_12(people[0].get("personnummer"), "CSN Person", people[0].get("sekel"))
        else:
            answer.no_hit = True
        return answer
    answer.person = query.person
    if (chosen.get("Status") or "").strip().lower() == "ej träff":
        answer.no_hit = True
        return answer
    answer.protected = bool((chosen.get("sekretess") or "").strip())
    for form in chosen:
        name = local(form)
        if name in NOT_INCOME_FORMS:
            if descendants(form, "Utbetalning"):
                answer.notices.append(f"CSN {name}: a loan, not income (kept in the raw envelope)")
            continue
        if name not in STUDY_AID_FORMS:
            continue
        for payment in descendants(form, "Utbetalning"):
            status = (text(payment, "utbetstatus") or "").lower()
            if status not in PAID_STATUSES:
                answer.notices.append(f"CSN payment with unknown status {status[:20]!r} kept in the raw envelope")
                continue
            amount = text(payment, "totbelopp")
            if amount is None or not _WHOLE_KRONOR.match(amount):
                raise PayloadError("CSN totbelopp is not whole kronor")
            paid = parse_date(text(payment, "utbetdatum"), "CSN utbetdatum")
            first, last = month_bounds(month_of(paid))
            answer.payments.append(
                Payment(
                    kind=IncomeKind.STUDENT_AID,
                    amount_ore=int(amount) * 100,
                    period_from=first,
                    period_to=last,
                    paid_on=paid,
                    code=f"CSN:{name}",
                )
            )
    return answer
