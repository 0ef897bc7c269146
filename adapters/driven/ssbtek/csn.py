"""CSN's part: base64-encoded XML ``CSNSvar`` inside ``data/svar`` (base64 may come in 76-character lines).

Read: ``GemensamtSvarEkbistand/Resultat/ResultatKod`` (``0`` = answered (?)), the ``Person`` with
the asked number (``@personnummer`` 10 digits with ``@sekel``), its ``@Status`` (``Ej träff`` =
unknown to CSN → ``no_data``), ``@sekretess`` (non-blank = protected (?)) and every study-aid case's
``UtbetalningsPlan/Utbetalning`` (``utbetdatum`` YYYYMMDD, ``utbetstatus``, ``totbelopp`` whole
kronor). ``UtbetalningsPlan`` is the case's payment *plan* — up to 50 payments, typically a whole
term — so payments in other months are normal: they stay evidence, only those of the month applied
for count. Study aid is not taxed: ``totbelopp`` is the net amount. CSN names no period paid for, so
a payment belongs to the month of ``utbetdatum`` (CSN pays each month's study aid in that month (?)).
Home-equipment loans (``HemutrustningsLan``) are a one-off loan, not income: notice only.

Money finaid cannot place — a payment with a status outside the schema's ``Utbetald``, ``UTBETALAD``,
``Planerad``, or payments under a study-aid form the schema does not list — is never ignored: it
becomes a payment of unknown kind (a MANUAL matter in the month applied for). Other elements are
tolerated and named in a notice.
"""

from __future__ import annotations

from lxml import etree

from adapters.driven.ssbtek import inventory
from adapters.driven.ssbtek.model import AgencyAnswer, AgencyFailure, PayloadError, Payment, Query
from adapters.driven.ssbtek.safexml import b64decode_limited, child, children, descendants, local, parse_xml, text
from adapters.driven.ssbtek.values import month_bounds, month_of, parse_date, parse_int, person_12
from decision.bundle import IncomeKind

OK_RESULT_CODES = ("0", "00")
STUDY_AID_FORMS = ("Studiemedel", "Studiehjalp", "Studiestartsstod", "Omstallningsstudiestod")
NOT_INCOME_FORMS = ("HemutrustningsLan",)
KNOWN_PERSON_PARTS = ("Studiestodstypforteckning",)
PAID_STATUSES = ("utbetald", "utbetalad", "planerad")
MAX_KRONOR = 9_999_999  # csngem:belopp is at most 7 characters


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
    answer.tolerated = inventory.unknown_elements(data, inventory.CSN, "data") + inventory.unknown_elements(
        root, inventory.CSN_DOCUMENT
    )
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
        if not isinstance(form.tag, str):
            continue
        name = local(form)
        if name in NOT_INCOME_FORMS:
            if descendants(form, "Utbetalning"):
                answer.notices.append(f"CSN {name}: a loan, not income (kept in the raw envelope)")
            continue
        if name in KNOWN_PERSON_PARTS:
            continue
        known_form = name in STUDY_AID_FORMS
        for payment in descendants(form, "Utbetalning"):
            answer.payments.append(_payment(payment, name, known_form))
    return answer


def _payment(payment: etree._Element, form: str, known_form: bool) -> Payment:
    status = (text(payment, "utbetstatus") or "").strip()
    amount = text(payment, "totbelopp")
    if amount is None:
        raise PayloadError("CSN Utbetalning without totbelopp")
    kronor = parse_int(amount, "CSN totbelopp")
    if abs(kronor) > MAX_KRONOR:
        raise PayloadError("CSN totbelopp is implausibly large")
    paid = parse_date(text(payment, "utbetdatum"), "CSN utbetdatum")
    first, last = month_bounds(month_of(paid))
    kind: IncomeKind | None = IncomeKind.STUDENT_AID
    code = f"CSN:{form}"
    if not known_form:
        kind = None
    elif status.lower() not in PAID_STATUSES:
        kind = None
        code = f"CSN:{form} utbetstatus {status[:20] or '(tom)'}"
    return Payment(kind=kind, amount_ore=kronor * 100, period_from=first, period_to=last, paid_on=paid, code=code)
