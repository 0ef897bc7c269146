"""The sandbox's payment plans: CSN (base64 XML) and Försäkringskassan/Pensionsmyndigheten (LEFI,
base64 JSON).

Like the real services: CSN's ``UtbetalningsPlan`` is the case's plan for the whole term (spring
January–June, autumn July–December), past payments ``Utbetald`` and later ones ``Planerad``;
LEFI answers carry, beside the payments in the asked period, a preliminary payment for the month
after it, periods given as a month (child and housing allowance), and — in one serialisation style —
a field a later LEFI version might add.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from lxml import etree

from adapters.devtools.sandbox.common import Ctx, add_months, el, months, s
from adapters.driven.ssbtek.model import NS_CSN, NS_CSN_PERSON
from decision import personnummer as pnr

NS_CSN_SM = "http://schema.csn.se/v4.0/studiemedel"
NS_CSN_GEM = "http://schema.csn.se/v4.0/csntyper"
ARREARS = ("SJP", "FP", "TFP", "AS", "ET")
MONTH_PERIODS = ("ABB", "BOB")
FORMS = ("Studiemedel", "Studiehjalp", "HemutrustningsLan", "Studiestartsstod", "Omstallningsstudiestod")


def _terms(start: date, end: date) -> list[date]:
    """The first days of the terms (January–June, July–December) that meet [start, end]."""
    out: list[date] = []
    for first, _ in months(start, end):
        term = date(first.year, 1 if first.month <= 6 else 7, 1)
        if term not in out:
            out.append(term)
    return out


def csn(ctx: Ctx, data: etree._Element) -> None:
    q = ctx.q
    shift = ctx.shift("CSN")
    p, gem = NS_CSN_PERSON, NS_CSN_GEM
    root = etree.Element(f"{{{NS_CSN}}}CSNSvar", nsmap={"csn": NS_CSN, "p": p, "sm": NS_CSN_SM, "gem": gem})
    root.set("schemaVersion", "4.0")
    common = el(root, f"{{{NS_CSN}}}GemensamtSvarEkbistand")
    result = el(common, f"{{{NS_CSN}}}Resultat")
    el(result, f"{{{NS_CSN}}}ResultatKod", "0")
    el(result, f"{{{NS_CSN}}}ResultatText", "OK")
    el(root, f"{{{NS_CSN}}}GemensamtFragaEkbistand")  # the question's echo (its schema is not public)
    people = el(root, f"{{{NS_CSN}}}Personer")
    who = ctx.who("CSN")
    person = el(people, f"{{{NS_CSN}}}Person", personnummer=who[2:], sekel=who[:2])
    known = ctx.record is not None and ctx.record.known
    benefits = ctx.benefits("CSN")
    if not known or not benefits:
        person.set("Status", "Ej träff")
    elif ctx.record is not None and ctx.record.protected:
        person.set("sekretess", "J")
    forteckning = el(person, f"{{{p}}}Studiestodstypforteckning")
    for name in ("studiemedel", "studiehjalp", "hemutrustningslan", "studiestartsstod", "omstallningsstudiestod"):
        el(forteckning, f"{{{gem}}}{name}", "J" if name == "studiemedel" and benefits and known else "N")
    for form in FORMS:
        part = el(person, f"{{{p}}}{form}")
        if form != "Studiemedel" or not known or not benefits:
            continue
        arenden = el(part, f"{{{p}}}Arenden")
        for i, b in enumerate(benefits):
            arende = el(arenden, f"{{{p}}}Arende", lopnummer=str(i + 1))
            el(arende, f"{{{NS_CSN_SM}}}stodform", "GRUND")
            el(arende, f"{{{NS_CSN_SM}}}klartext", "Studiemedel")
            el(arende, f"{{{NS_CSN_SM}}}status", "BESLUTAD")
            el(arende, f"{{{NS_CSN_SM}}}soktaTider")
            el(arende, f"{{{NS_CSN_SM}}}BeviljadeTider")
            plan = el(arende, f"{{{NS_CSN_SM}}}UtbetalningsPlan")
            for term in _terms(q.period_from, q.period_to):
                for k in range(6):
                    paid = add_months(term, k).replace(day=25)
                    u = el(plan, f"{{{NS_CSN_SM}}}Utbetalning")
                    el(u, f"{{{gem}}}utbetdatum", (paid + shift).strftime("%Y%m%d"))
                    status = "Utbetald" if q.asked_at is None or paid <= q.asked_at.date() else "Planerad"
                    el(u, f"{{{gem}}}utbetstatus", status)
                    el(u, f"{{{gem}}}Utbetaldatider")
                    el(u, f"{{{gem}}}totbelopp", str(b.net_ore // 100))
    raw = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    el(data, s("svar"), ctx.b64(raw))


def _amount(ore: int) -> dict[str, Any]:
    return {"summa": ore / 100, "valuta": "SEK"}


def _asked_codes(lefi: dict[str, Any]) -> set[str]:
    asked: set[str] = set()
    for key in ("formansinformation", "utbetalningar", "preliminaraUtbetalningar"):
        value = lefi.get(key) or []
        if isinstance(value, list):
            asked.update(str(v) for v in value)
    return asked


def fk(ctx: Ctx, data: etree._Element) -> None:
    q = ctx.q
    lefi = q.lefi
    asked = _asked_codes(lefi)
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
    if states["FK"] == "OK":
        effected, planned = _fk_payments(ctx, asked)
        if effected:
            info["utbetalningsuppgift"] = effected
        if planned:
            info["preliminarautbetalningar"] = planned
    doc["formansinformation"] = info
    if states["PM"] == "OK":
        effected, planned = _pm_payments(ctx, asked)
        if effected:
            doc["utbetalningar"] = effected
        if planned:
            doc["preliminaraUtbetalningar"] = planned
    raw = json.dumps(doc, ensure_ascii=False, indent=2 if ctx.style == 1 else None).encode("utf-8")
    el(data, s("lefiJsonSvar"), ctx.b64(raw))


def _window_and_next(ctx: Ctx) -> list[tuple[date, date, bool]]:
    """The months of the asked period, then the month after it (a preliminary payment decided now)."""
    q = ctx.q
    out = [(first, last, False) for first, last in months(q.period_from, q.period_to)]
    nxt = q.period_to + timedelta(days=1)
    out.append((nxt, add_months(nxt, 1) - timedelta(days=1), True))
    return out


def _fk_payments(ctx: Ctx, asked: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    q = ctx.q
    shift = ctx.shift("FK")
    asked_on = q.asked_at.date() if q.asked_at is not None else q.period_to
    effected: list[dict[str, Any]] = []
    planned: list[dict[str, Any]] = []
    for b in ctx.benefits("FK"):
        if f"FK:{b.code}" not in asked:
            continue
        for first, last, later in _window_and_next(ctx):
            paid = (last + timedelta(days=10)) if b.code in ARREARS else first.replace(day=20)
            if not later and not ctx.in_window(paid):
                continue
            if b.code in MONTH_PERIODS:
                month = f"{(first + shift).year:04d}-{(first + shift).month:02d}"
                period = {"fran": month, "till": month}
            else:
                period = {"fran": (first + shift).isoformat(), "till": (last + shift).isoformat()}
            item: dict[str, Any] = {
                "typ": {"id": 1, "beskrivning": "Månad"},
                "foretag": {"id": 1001, "beskrivning": "Försäkringskassan"},
                "formansfamilj": {"id": b.code, "beskrivning": b.kind.value},
                "datum": (paid + shift).isoformat(),
                "period": period,
                "bruttobelopp": _amount(b.net_ore + b.tax_ore),
                "skattebelopp": _amount(b.tax_ore),
                "avdragsbelopp": _amount(b.tax_ore),
                "nettobelopp": _amount(b.net_ore),
            }
            if ctx.style == 2:
                item["utbetalningsreferens"] = f"SYN-{first:%Y%m}-{b.code}"  # a field LEFI might add
            (effected if paid <= asked_on and not later else planned).append(item)
    return effected, planned


def _pm_payments(ctx: Ctx, asked: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    q = ctx.q
    shift = ctx.shift("FK")
    asked_on = q.asked_at.date() if q.asked_at is not None else q.period_to
    effected: list[dict[str, Any]] = []
    planned: list[dict[str, Any]] = []
    for b in ctx.benefits("PM"):
        if f"PM:{b.code}" not in asked:
            continue
        for first, last, later in _window_and_next(ctx):
            paid = first.replace(day=19)
            if not later and not ctx.in_window(paid):
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
            (effected if paid <= asked_on and not later else planned).append(item)
    return effected, planned
