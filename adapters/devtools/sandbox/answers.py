"""The sandbox's answers, in the SSBTEK v10 shape, built from the synthetic population.

Kept apart from the client's parsers on purpose: the client reads what real SSBTEK sends, this
module writes what the sandbox sends, and the golden envelopes in tests/ are written by hand from
ssbtek.md. Timing follows how agencies pay: child and housing allowances, pensions and study aid in
the month they pay for; sickness, parental and activity benefits the month after (in arrears);
unemployment benefit per half month, a few days after each half.
"""

from __future__ import annotations

import base64
import calendar
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from lxml import etree

from adapters.devtools.sandbox.faults import FaultRule
from adapters.devtools.synthetic import Benefit, PersonRecord
from adapters.driven.ssbtek.model import (
    NS_AF,
    NS_CSN,
    NS_CSN_PERSON,
    NS_FINAID_SKV,
    NS_SO,
    NS_SOAP,
    NS_SSBT,
    NS_TNS,
)
from adapters.driven.ssbtek.safexml import b64decode_limited, child, json_loads_limited, local, parse_xml, text
from decision import personnummer as pnr

NS_CSN_SM = "http://schema.csn.se/v4.0/studiemedel"
NS_CSN_GEM = "http://schema.csn.se/v4.0/csntyper"
NS_FORDON = "http://schema.transportstyrelsen.se/ssbtek/fordon/1"
ARREARS = ("SJP", "FP", "TFP", "AS", "ET")
ELEMENT_ORDER = ("AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV")
FUND = "Syntetiska arbetslöshetskassan"


class BadRequest(ValueError):
    """The request is not a query the sandbox understands (answered with a SOAP Fault)."""


@dataclass
class SandboxQuery:
    operation: str
    korrelationsid: str = ""
    person: str = ""
    case_id: str = ""
    period_from: date = date(2000, 1, 1)
    period_to: date = date(2000, 1, 1)
    asked_at: datetime | None = None
    included: set[str] = field(default_factory=set)
    lefi: dict[str, Any] = field(default_factory=dict)
    ingivare: dict[str, str] = field(default_factory=dict)


def read_request(raw: bytes) -> SandboxQuery:
    try:
        root = parse_xml(raw, 1024 * 1024)
    except ValueError as e:
        raise BadRequest(str(e)) from None
    body = [c for c in root if c.tag == f"{{{NS_SOAP}}}Body"]
    if root.tag != f"{{{NS_SOAP}}}Envelope" or len(body) != 1 or len(body[0]) != 1:
        raise BadRequest("not a SOAP 1.1 envelope with one body element")
    op = body[0][0]
    if op.tag == f"{{{NS_SSBT}}}testaBastjanstInformation":
        return SandboxQuery("testa")
    if op.tag != f"{{{NS_SSBT}}}hamtaBastjanstInformation":
        raise BadRequest(f"unknown operation {local(op)}")
    try:
        gen = child(op, "generellaFrageparametrar")
        spec = child(op, "specifikaFrageparametrar")
        if gen is None or spec is None:
            raise BadRequest("generellaFrageparametrar and specifikaFrageparametrar are required")
        q = SandboxQuery("hamta")
        q.korrelationsid = text(gen, "korrelationsid") or ""
        q.person = text(gen, "personidentitet") or ""
        q.case_id = text(gen, "arendeidentitet") or ""
        period = child(gen, "tidsperiod")
        if period is None or not q.person.isdigit() or len(q.person) != 12:
            raise BadRequest("personidentitet (12 digits) and tidsperiod are required")
        q.period_from = date.fromisoformat(text(period, "fromDatum") or "")
        q.period_to = date.fromisoformat(text(period, "tomDatum") or "")
        asked = text(gen, "frageTidpunkt")
        q.asked_at = datetime.fromisoformat(asked) if asked else None
        ing = child(gen, "ingivare")
        if ing is not None:
            q.ingivare = {k: text(ing, k) or "" for k in ("organisationsnummer", "namn", "handlaggare")}
        names = [local(c) for c in spec if isinstance(c.tag, str)]
        if names != list(ELEMENT_ORDER):
            raise BadRequest("specifikaFrageparametrar must hold AF, CSN, FK, SKV, SO, TNS, MIV in that order")
        for el in spec:
            if (el.get("inkludera") or "").lower() == "true":
                q.included.add(local(el))
        if "FK" in q.included:
            fk = child(spec, "FK")
            fraga = child(fk, "fraga") if fk is not None else None
            if fraga is None:
                raise BadRequest("FK with inkludera=true needs fraga")
            q.lefi = json_loads_limited(b64decode_limited(text(fraga, "lefiJsonFraga")))
            if not isinstance(q.lefi, dict):
                raise BadRequest("lefiJsonFraga is not a JSON object")
    except (ValueError, TypeError) as e:
        if isinstance(e, BadRequest):
            raise
        raise BadRequest(f"unreadable query ({type(e).__name__})") from None
    return q


# ------------------------------------------------------------------------------ helpers


def _months(start: date, end: date) -> list[tuple[date, date]]:
    out = []
    cur = start.replace(day=1)
    while cur <= end:
        last = cur.replace(day=calendar.monthrange(cur.year, cur.month)[1])
        out.append((cur, last))
        cur = last + timedelta(days=1)
    return out


def _kr(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    ore = abs(ore)
    return f"{sign}{ore // 100}.{ore % 100:02d}"


def other_person(person: str) -> str:
    """A different valid personnummer (the day after, same serial)."""
    born = pnr.birth_date(person) + timedelta(days=1)
    return pnr.make(born, int(person[8:11]))


def _el(parent: etree._Element, tag: str, value: str | None = None, **attrs: str) -> etree._Element:
    e = etree.SubElement(parent, tag, attrs)
    if value is not None:
        e.text = value
    return e


def _s(name: str) -> str:
    return f"{{{NS_SSBT}}}{name}"


@dataclass
class _Ctx:
    q: SandboxQuery
    record: PersonRecord | None
    faults: list[FaultRule]

    def fault(self, kind: str, agency: str) -> FaultRule | None:
        for f in self.faults:
            if f.fault == kind and f.agency in ("*", agency):
                return f
        return None

    def who(self, agency: str) -> str:
        return other_person(self.q.person) if self.fault("other_person", agency) else self.q.person

    def shift(self, agency: str) -> timedelta:
        return timedelta(days=-365) if self.fault("other_period", agency) else timedelta(0)

    def benefits(self, element: str) -> list[Benefit]:
        if self.record is None or not self.record.known:
            return []
        return [b for b in self.record.benefits if b.element == element]

    def in_window(self, day: date) -> bool:
        return self.q.period_from <= day <= self.q.period_to


# ------------------------------------------------------------------------------ envelopes


def envelope(payload: etree._Element) -> bytes:
    env = etree.Element(f"{{{NS_SOAP}}}Envelope", nsmap={"soapenv": NS_SOAP, "ssbt": NS_SSBT})
    etree.SubElement(env, f"{{{NS_SOAP}}}Header")
    body = etree.SubElement(env, f"{{{NS_SOAP}}}Body")
    body.append(payload)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def soap_fault(felkod: str, message: str) -> bytes:
    fault = etree.Element(f"{{{NS_SOAP}}}Fault")
    _el(fault, "faultcode", "soapenv:Server")
    _el(fault, "faultstring", message)
    detail = _el(fault, "detail")
    f = _el(detail, _s("hamtaBastjanstInformationFault"))
    _el(f, _s("felkod"), felkod)
    _el(f, _s("felmeddelande"), message)
    return envelope(fault)


def ping_answer(faults: list[FaultRule]) -> bytes:
    resp = etree.Element(_s("testaBastjanstInformationResponse"), nsmap={"ssbt": NS_SSBT})
    for name in ELEMENT_ORDER:
        block = _el(resp, _s(name))
        failed = next((f for f in faults if f.fault in ("error_ssbt", "error_bt") and f.agency in ("*", name)), None)
        _el(block, _s("anropad"), "true")
        if failed is not None:
            _error(block, failed)
    return envelope(resp)


def _error(block: etree._Element, rule: FaultRule) -> None:
    err = _el(block, _s("error"))
    kalla = "SSBT" if rule.fault == "error_ssbt" else "BT"
    _el(err, _s("kalla"), kalla)
    _el(err, _s("felkod"), "SSBT-TIMEOUT" if kalla == "SSBT" else "BT-500")
    _el(err, _s("felmeddelande"), "Tjänsten svarade inte i tid" if kalla == "SSBT" else "Tekniskt fel i bastjänsten")


def answer(q: SandboxQuery, record: PersonRecord | None, faults: list[FaultRule]) -> bytes:
    """The ``hamtaBastjanstInformationResponse`` for one query, agency-level faults applied."""
    ctx = _Ctx(q, record, faults)
    resp = etree.Element(_s("hamtaBastjanstInformationResponse"), nsmap={"ssbt": NS_SSBT})
    if q.asked_at is not None:
        _el(resp, _s("frageTidpunkt"), q.asked_at.isoformat())
    _el(resp, _s("korrelationsid"), q.korrelationsid)
    svarsdata = _el(resp, _s("svarsdata"))
    builders = {"AF": _af, "CSN": _csn, "FK": _fk, "SKV": _skv, "SO": _so, "TNS": _tns, "MIV": _miv}
    for name in ELEMENT_ORDER:
        if name not in q.included or ctx.fault("missing_block", name):
            continue
        block = _el(svarsdata, _s(name))
        err = ctx.fault("error_ssbt", name) or ctx.fault("error_bt", name)
        if err is not None:
            _error(block, err)
            continue
        data = _el(block, _s("data"))
        garbage = ctx.fault("garbage", name)
        if garbage is not None:
            _garbage(name, data, garbage.mode)
            continue
        builders[name](ctx, data)
    return envelope(resp)


def _garbage(name: str, data: etree._Element, mode: str) -> None:
    junk = "\u00e5\u00e4\u00f6 <inte> xml & inte heller base64 %%%"
    if name in ("CSN", "FK"):
        inner = "svar" if name == "CSN" else "lefiJsonSvar"
        payload = {
            "bytes": junk,
            "base64": base64.b64encode(b"\x00\xff\xfe garbage \x01").decode(),
            "xml": base64.b64encode(b"<CSNSvar><Resultat><ResultatKod>0</Resultat>").decode(),
            "json": base64.b64encode(b'{"utlamnare": [{"utlamnare": {"kod": "FK"}, "tillstand": 7}').decode(),
        }[mode]
        _el(data, _s(inner), payload)
    elif name == "SKV":
        _el(data, "svar", "<Beskattningsuppgifter><Personnummer>" if mode != "bytes" else junk)
    else:
        _el(data, "Obegripligt", junk)


# ------------------------------------------------------------------------------ agencies


def _af(ctx: _Ctx, data: etree._Element) -> None:
    q, r = ctx.q, ctx.record
    shift = ctx.shift("AF")
    fraga = _el(data, f"{{{NS_AF}}}Fraga")
    for tag, value in (
        ("OrganisationsnummerForIngivare", q.ingivare.get("organisationsnummer", "")),
        ("NamnPaIngivare", q.ingivare.get("namn", "")),
        ("KontonamnForHandlaggare", q.ingivare.get("handlaggare", "")),
        ("Referensnummer", q.case_id),
        ("From", (q.period_from + shift).isoformat()),
        ("Tom", (q.period_to + shift).isoformat()),
        ("SyfteMedFraga", "Handläggning"),
        ("LagParagraf", "Sekretessbrytande bestämmelse"),
        ("IdentitetsbeteckningFysiskPerson", ctx.who("AF")),
    ):
        _el(fraga, f"{{{NS_AF}}}{tag}", value)
    svar = _el(data, f"{{{NS_AF}}}Svar")
    _el(svar, f"{{{NS_AF}}}Schemaversion", "2")
    _el(svar, f"{{{NS_AF}}}Referensnummer", q.case_id)
    _el(svar, f"{{{NS_AF}}}LagParagraf", "Sekretessbrytande bestämmelse")
    _el(svar, f"{{{NS_AF}}}IdentitetsbeteckningFysiskPerson", ctx.who("AF"))
    known = r is not None and r.known
    if known and r is not None and not r.protected:
        _el(svar, f"{{{NS_AF}}}Fornamn", r.first_name)
        _el(svar, f"{{{NS_AF}}}Efternamn", r.last_name)
    if known and r is not None and r.protected:
        _el(svar, f"{{{NS_AF}}}Sekretessmarkering", "true")
    if known and r is not None and r.af_registered is not None:
        info = _el(svar, f"{{{NS_AF}}}ArbetssokandeInfo")
        _el(info, f"{{{NS_AF}}}Arbetssokande", "true" if r.af_registered else "false")
        if r.af_registered:
            _el(info, f"{{{NS_AF}}}ArbetssokandeRegistrerad", (q.period_from - timedelta(days=200)).isoformat())
            _el(info, f"{{{NS_AF}}}ArbetssokandeOmfattning", "100")
        rapport = _el(info, f"{{{NS_AF}}}AktivetetsRapportDatum")
        _el(rapport, f"{{{NS_AF}}}AktivitetsRapportMeddelande", "Inga uppgifter")
    _el(svar, f"{{{NS_AF}}}StatusSokandeinformationKod", "0")
    _el(svar, f"{{{NS_AF}}}StatusSokandeinformationKodText", "Sökandeinformation hämtad")


def _so(ctx: _Ctx, data: etree._Element) -> None:
    q = ctx.q
    shift = ctx.shift("SO")

    def so(parent: etree._Element, tag: str, value: str | None = None) -> etree._Element:
        return _el(parent, f"{{{NS_SO}}}{tag}", value)

    so(data, "OrganisationsnummerIngivare", q.ingivare.get("organisationsnummer", ""))
    so(data, "Referensnummer", q.case_id)
    so(data, "From", (q.period_from + shift).isoformat())
    so(data, "Tom", (q.period_to + shift).isoformat())
    so(data, "IdentificationNumber", ctx.who("SO"))
    benefits = ctx.benefits("SO")
    if not benefits:
        return
    lista = so(data, "ArbetsloshetsersattningLista")
    fund = so(lista, "Arbetsloshetsersattning")
    so(fund, "SvarandeOrganisation", FUND)
    so(fund, "StatusSvarandeOrganisation", "0")
    for b in benefits:
        for first, last in _months(q.period_from, q.period_to):
            half = b.net_ore // 2
            for (start, end), amount in (((first, first.replace(day=15)), half),
                                         ((first.replace(day=16), last), b.net_ore - half)):
                paid = end + timedelta(days=5)
                if not ctx.in_window(paid):
                    continue
                pay = so(fund, "Utbetalningar")
                so(pay, "Utbetalningsdatum", (paid + shift).isoformat())
                so(pay, "NettoEfterSkatt", _kr(amount))
                so(pay, "NettoEfterAvdrag", _kr(amount))
                so(pay, "Ersattningsdagar", "11")
                so(pay, "AvserFrom", (start + shift).isoformat())
                so(pay, "AvserTom", (end + shift).isoformat())


def _csn(ctx: _Ctx, data: etree._Element) -> None:
    q = ctx.q
    shift = ctx.shift("CSN")
    root = etree.Element(f"{{{NS_CSN}}}CSNSvar", nsmap={"csn": NS_CSN, "p": NS_CSN_PERSON, "sm": NS_CSN_SM,
                                                         "gem": NS_CSN_GEM})
    root.set("schemaVersion", "4.0")
    common = _el(root, f"{{{NS_CSN}}}GemensamtSvarEkbistand")
    result = _el(common, f"{{{NS_CSN}}}Resultat")
    _el(result, f"{{{NS_CSN}}}ResultatKod", "0")
    _el(result, f"{{{NS_CSN}}}ResultatText", "OK")
    people = _el(root, f"{{{NS_CSN}}}Personer")
    who = ctx.who("CSN")
    person = _el(people, f"{{{NS_CSN}}}Person", personnummer=who[2:], sekel=who[:2])
    known = ctx.record is not None and ctx.record.known
    benefits = ctx.benefits("CSN")
    if not known or not benefits:
        person.set("Status", "Ej träff")
    else:
        if ctx.record is not None and ctx.record.protected:
            person.set("sekretess", "J")
        p = NS_CSN_PERSON
        forteckning = _el(person, f"{{{p}}}Studiestodstypforteckning")
        for name in ("studiemedel", "studiehjalp", "hemutrustningslan", "studiestartsstod", "omstallningsstudiestod"):
            _el(forteckning, f"{{{NS_CSN_GEM}}}{name}", "J" if name == "studiemedel" else "N")
        sm = _el(person, f"{{{p}}}Studiemedel")
        arenden = _el(sm, f"{{{p}}}Arenden")
        for i, b in enumerate(benefits):
            arende = _el(arenden, f"{{{p}}}Arende", lopnummer=str(i + 1))
            _el(arende, f"{{{NS_CSN_SM}}}stodform", "GRUND")
            _el(arende, f"{{{NS_CSN_SM}}}klartext", "Studiemedel")
            _el(arende, f"{{{NS_CSN_SM}}}status", "BESLUTAD")
            _el(arende, f"{{{NS_CSN_SM}}}soktaTider")
            _el(arende, f"{{{NS_CSN_SM}}}BeviljadeTider")
            plan = _el(arende, f"{{{NS_CSN_SM}}}UtbetalningsPlan")
            for first, _last in _months(q.period_from, q.period_to):
                paid = first.replace(day=25)
                if not ctx.in_window(paid):
                    continue
                u = _el(plan, f"{{{NS_CSN_SM}}}Utbetalning")
                _el(u, f"{{{NS_CSN_GEM}}}utbetdatum", (paid + shift).strftime("%Y%m%d"))
                status = "Utbetald" if q.asked_at is None or paid <= q.asked_at.date() else "Planerad"
                _el(u, f"{{{NS_CSN_GEM}}}utbetstatus", status)
                _el(u, f"{{{NS_CSN_GEM}}}Utbetaldatider")
                _el(u, f"{{{NS_CSN_GEM}}}totbelopp", str(b.net_ore // 100))
    raw = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    _el(data, _s("svar"), base64.b64encode(raw).decode("ascii"))


def _amount(ore: int) -> dict[str, Any]:
    return {"summa": ore / 100, "valuta": "SEK"}


def _fk(ctx: _Ctx, data: etree._Element) -> None:
    q = ctx.q
    lefi = q.lefi
    shift = ctx.shift("FK")
    asked: set[str] = set()
    for key in ("formansinformation", "utbetalningar", "preliminaraUtbetalningar"):
        value = lefi.get(key) or []
        if isinstance(value, list):
            asked.update(str(v) for v in value)
    fk_asked = any(c.startswith("FK:") for c in asked)
    pm_asked = any(c.startswith("PM:") for c in asked)
    state = ctx.fault("lefi_state", "FK")
    states = {"FK": "OK", "PM": "OK"}
    if state is not None:
        states[state.utlamnare] = state.state
    doc: dict[str, Any] = {"utlamnare": [], "avvikelser": {}}
    for kod, name, wanted in (("FK", "Försäkringskassan", fk_asked), ("PM", "Pensionsmyndigheten", pm_asked)):
        if wanted:
            doc["utlamnare"].append(
                {"utlamnare": {"kod": kod, "namn": name},
                 "tillstand": {"kod": states[kod], "beskrivning": "Tillgänglig" if states[kod] == "OK" else "Fel"}}
            )
    avvikelse = ctx.fault("lefi_avvikelse", "FK")
    if avvikelse is not None:
        key = "formansinformation" if avvikelse.group.startswith("FK:") else "utbetalningar"
        doc["avvikelser"][key] = [
            {"avvikelse": {"kod": avvikelse.code, "beskrivning": "Delsystemet svarade inte"},
             "formansgrupp": {"kod": avvikelse.group, "beskrivning": avvikelse.group}}
        ]
    info: dict[str, Any] = {}
    record = ctx.record
    if record is not None and record.known and "FK:GEPI" in (lefi.get("ovrigInformation") or []) and fk_asked:
        born = pnr.birth_date(record.personnummer)
        info["generellPersoninformation"] = [
            {"personnummer": ctx.who("FK"), "foddes": born.isoformat(),
             "namn": f"{record.first_name} {record.last_name}", "skyddad": record.protected}
        ]
    effected: list[dict[str, Any]] = []
    planned: list[dict[str, Any]] = []
    asked_on = q.asked_at.date() if q.asked_at is not None else q.period_to
    if states["FK"] == "OK":
        for b in ctx.benefits("FK"):
            if f"FK:{b.code}" not in asked:
                continue
            for first, last in _months(q.period_from, q.period_to):
                paid = (last + timedelta(days=10)) if b.code in ARREARS else first.replace(day=20)
                if not ctx.in_window(paid):
                    continue
                item = {
                    "typ": {"id": 1, "beskrivning": "Månad"},
                    "foretag": {"id": 1001, "beskrivning": "Försäkringskassan"},
                    "formansfamilj": {"id": b.code, "beskrivning": b.kind.value},
                    "datum": (paid + shift).isoformat(),
                    "period": {"fran": (first + shift).isoformat(), "till": (last + shift).isoformat()},
                    "bruttobelopp": _amount(b.net_ore + b.tax_ore),
                    "skattebelopp": _amount(b.tax_ore),
                    "avdragsbelopp": _amount(b.tax_ore),
                    "nettobelopp": _amount(b.net_ore),
                }
                (effected if paid <= asked_on else planned).append(item)
    if effected:
        info["utbetalningsuppgift"] = effected
    if planned:
        info["preliminarautbetalningar"] = planned
    doc["formansinformation"] = info
    pm_effected: list[dict[str, Any]] = []
    pm_planned: list[dict[str, Any]] = []
    if states["PM"] == "OK":
        for b in ctx.benefits("PM"):
            if f"PM:{b.code}" not in asked:
                continue
            for first, last in _months(q.period_from, q.period_to):
                paid = first.replace(day=19)
                if not ctx.in_window(paid):
                    continue
                gross = (b.net_ore + b.tax_ore) // 100
                tax = b.tax_ore // 100
                item = {
                    "utbetalningsdatum": (paid + shift).isoformat(),
                    "utbetalningsperiod": {"from": (first + shift).isoformat(), "tom": (last + shift).isoformat()},
                    "bruttobelopp": gross,
                    "nettobelopp": gross - tax,
                    "avdrag": [{"belopp": tax, "avdragstyp": {"kod": "PM:PS", "beskrivning": "Preliminär skatt"}}],
                    "utbetalningsrader": [
                        {"formansgrupp": {"kod": f"PM:{b.code}", "beskrivning": b.kind.value}, "belopp": gross}
                    ],
                }
                (pm_effected if paid <= asked_on else pm_planned).append(item)
    if pm_effected:
        doc["utbetalningar"] = pm_effected
    if pm_planned:
        doc["preliminaraUtbetalningar"] = pm_planned
    raw = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    _el(data, _s("lefiJsonSvar"), base64.b64encode(raw).decode("ascii"))


def _skv(ctx: _Ctx, data: etree._Element) -> None:
    q, r = ctx.q, ctx.record
    root = etree.Element("Beskattningsuppgifter")
    person = _el(root, "Person")
    _el(person, "Personnummer", ctx.who("SKV"))
    if r is not None and r.known:
        for year, kronor in r.capital_income:
            cap = _el(person, "Kapitaluppgift")
            _el(cap, "Taxeringsar", str(year))
            _el(cap, "SummaIntakterPaKapital", str(kronor))
            _el(cap, "OverskottPaKapital", str(kronor))
    salary = ctx.benefits("SKV")
    if salary:
        part = etree.SubElement(
            root, f"{{{NS_FINAID_SKV}}}ProvisoriskaInkomstuppgifter", nsmap={"p": NS_FINAID_SKV}, provisorisk="true"
        )
        for b in salary:
            for first, _last in _months(q.period_from, q.period_to):
                m = _el(part, f"{{{NS_FINAID_SKV}}}Manadsinkomst")
                _el(m, f"{{{NS_FINAID_SKV}}}Period", f"{first.year:04d}-{first.month:02d}")
                _el(m, f"{{{NS_FINAID_SKV}}}Bruttolon", _kr(b.net_ore + b.tax_ore))
                _el(m, f"{{{NS_FINAID_SKV}}}AvdragenSkatt", _kr(b.tax_ore))
    _el(data, "svar", etree.tostring(root, encoding="unicode"))


def _miv(ctx: _Ctx, data: etree._Element) -> None:
    r = ctx.record
    response = _el(data, "response")
    _el(response, "korrelationsid", ctx.q.korrelationsid)
    _el(response, "correlationid", ctx.q.korrelationsid)
    if r is None or not r.known or not r.permits:
        _el(response, "personnummer", ctx.who("MIV"))
        return
    if not r.protected:
        _el(response, "efternamn", r.last_name)
        _el(response, "fornamn", r.first_name)
    _el(response, "personnummer", ctx.who("MIV"))
    collection = _el(response, "svarCollection")
    for p in r.permits:
        svar = _el(collection, "svar")
        _el(svar, "arendeTyp", "UT")
        _el(svar, "arendeTypNamn", "Uppehållstillstånd")
        _el(svar, "beslutsTyp", "BIFALL" if p.granted else "AVSLAG")
        _el(svar, "beslutsdatum", (p.valid_from - timedelta(days=20)).isoformat())
        if p.granted:
            _el(svar, "fromDatum", p.valid_from.isoformat())
            _el(svar, "giltighetstid", "PERMANENT" if p.permanent else "TIDBEGRANSAT")
            if p.valid_to is not None:
                _el(svar, "tomDatum", p.valid_to.isoformat())


def _tns(ctx: _Ctx, data: etree._Element) -> None:
    r = ctx.record
    _el(data, f"{{{NS_TNS}}}resultat", "OK")
    holding = _el(data, f"{{{NS_TNS}}}fordonsinnehav")
    if r is not None and r.known:
        for regnr in r.vehicles:
            f = _el(holding, f"{{{NS_FORDON}}}fordon")
            _el(f, f"{{{NS_FORDON}}}regnr", regnr)
            _el(f, f"{{{NS_FORDON}}}fabrikat", "Syntetisk")
            _el(f, f"{{{NS_FORDON}}}fordonsar", "2012")
            _el(f, f"{{{NS_FORDON}}}fordonsslag", "PB")
