"""The sandbox's inline-XML agency parts: Arbetsförmedlingen, the unemployment funds (SO),
Skatteverket (a document in a string), Migrationsverket and Transportstyrelsen.

Written from the public v10 schemas' element names (docs/registry.md): every schema-required element,
the question's echo, processor elements and, now and then, an element a later schema version might
add — so the client meets what real answers carry.
"""

from __future__ import annotations

from datetime import timedelta

from lxml import etree

from adapters.devtools.sandbox.common import Ctx, el, kr, months
from adapters.driven.ssbtek.model import NS_AF, NS_FINAID_SKV, NS_SO, NS_TNS

NS_FORDON = "http://schema.transportstyrelsen.se/ssbtek/fordon/1"
NS_SKV_DOC = "http://xmls.skatteverket.se/se/skatteverket/zg/instans/standardiseradInformation/1.0"
NS_SKV_BESKO = "http://xmls.skatteverket.se/se/skatteverket/zg/komponent/infoForBeskattning/1.0"
NS_SKV_FOLKO = "http://xmls.skatteverket.se/se/skatteverket/zg/komponent/infoForFolkbokforing/1.0"
FUND = "Syntetiska arbetslöshetskassan"
PROCESSOR = ("162021004748", "Syntetiska Personuppgiftsbiträdet AB")
LAGPARAGRAF = "15 kap. 10-12 §§ socialtjänstlagen (2025:400)"


def af(ctx: Ctx, data: etree._Element) -> None:
    q, r = ctx.q, ctx.record
    shift = ctx.shift("AF")

    def a(parent: etree._Element, tag: str, value: str | None = None) -> etree._Element:
        return el(parent, f"{{{NS_AF}}}{tag}", value)

    fraga = a(data, "Fraga")
    for tag, value in (
        ("OrganisationsnummerForIngivare", q.ingivare.get("organisationsnummer", "")),
        ("NamnPaIngivare", q.ingivare.get("namn", "")),
        ("KontonamnForHandlaggare", q.ingivare.get("handlaggare", "")),
        ("Referensnummer", q.case_id),
        ("From", (q.period_from + shift).isoformat()),
        ("Tom", (q.period_to + shift).isoformat()),
        ("SyfteMedFraga", q.syfte or "Handläggning"),
        ("LagParagraf", q.lagtext or LAGPARAGRAF),
    ):
        a(fraga, tag, value)
    if ctx.style == 2:
        a(fraga, "OrganisationsnummerForPersonuppgiftsbitrade", PROCESSOR[0])
        a(fraga, "NamnPaPersonuppgiftsbitrade", PROCESSOR[1])
    a(fraga, "IdentitetsbeteckningFysiskPerson", ctx.who("AF"))
    svar = a(data, "Svar")
    a(svar, "Schemaversion", "2")
    a(svar, "Referensnummer", q.case_id)
    a(svar, "LagParagraf", q.lagtext or LAGPARAGRAF)
    a(svar, "IdentitetsbeteckningFysiskPerson", ctx.who("AF"))
    known = r is not None and r.known
    if known and r is not None and not r.protected:
        a(svar, "Fornamn", r.first_name)
        a(svar, "Efternamn", r.last_name)
    if known and r is not None and r.protected:
        a(svar, "Sekretessmarkering", "true")
    if known and r is not None and r.af_registered is not None:
        info = a(svar, "ArbetssokandeInfo")
        a(info, "Arbetssokande", "true" if r.af_registered else "false")
        if r.af_registered:
            a(info, "ArbetssokandeSKAT", "11")
            a(info, "ArbetssokandeRegistrerad", (q.period_from - timedelta(days=200)).isoformat())
            a(info, "ArbetssokandeOmfattning", "100")
        rapport = a(info, "AktivetetsRapportDatum")
        a(rapport, "AktivitetsRapportMeddelande", "Inga uppgifter")
        if r.af_registered:
            a(svar, "Akassetillhorighet", FUND)
    a(svar, "StatusSokandeinformationKod", "0")
    a(svar, "StatusSokandeinformationKodText", "Sökandeinformation hämtad")
    if ctx.style == 1:
        a(svar, "Handlaggningsstatus", "AKTUELL")  # an element a later version might add (xs:any)


def so(ctx: Ctx, data: etree._Element) -> None:
    q = ctx.q
    shift = ctx.shift("SO")

    def u(parent: etree._Element, tag: str, value: str | None = None) -> etree._Element:
        return el(parent, f"{{{NS_SO}}}{tag}", value)

    u(data, "OrganisationsnummerIngivare", q.ingivare.get("organisationsnummer", ""))
    u(data, "NamnIngivare", q.ingivare.get("namn", ""))
    u(data, "KontonamnHandlaggare", q.ingivare.get("handlaggare", ""))
    u(data, "Referensnummer", q.case_id)
    u(data, "From", (q.period_from + shift).isoformat())
    u(data, "Tom", (q.period_to + shift).isoformat())
    u(data, "Syfte", q.syfte or "Handläggning av ansökan om ekonomiskt bistånd")
    u(data, "Paragraf", q.lagtext or LAGPARAGRAF)
    if ctx.style != 0:
        u(data, "OrganisationsnummerPersonuppgiftsbitrade", PROCESSOR[0])
        u(data, "NamnPersonuppgiftsbitrade", PROCESSOR[1])
    u(data, "IdentificationNumber", ctx.who("SO"))
    lista = u(data, "ArbetsloshetsersattningLista")
    benefits = ctx.benefits("SO")
    if not benefits:
        return
    fund = u(lista, "Arbetsloshetsersattning")
    u(fund, "SvarandeOrganisation", FUND)
    u(fund, "StatusSvarandeOrganisation", "0")
    for b in benefits:
        for first, last in months(q.period_from, q.period_to):
            half = b.net_ore // 2
            for (start, end), amount in (((first, first.replace(day=15)), half),
                                         ((first.replace(day=16), last), b.net_ore - half)):
                paid = end + timedelta(days=5)
                if not ctx.in_window(paid):
                    continue
                pay = u(fund, "Utbetalningar")
                u(pay, "Utbetalningsdatum", ctx.day(paid + shift))
                u(pay, "NettoEfterSkatt", kr(amount))
                u(pay, "NettoEfterAvdrag", kr(amount - 18_000 if amount > 18_000 else amount))
                u(pay, "Ersattningsdagar", "11")
                u(pay, "AvserFrom", (start + shift).isoformat())
                u(pay, "AvserTom", (end + shift).isoformat())
    if ctx.style == 2:
        ansokt = u(fund, "AnsoktOmErsattning")
        u(ansokt, "BeslutOmRattTillErsattning", (q.period_from - timedelta(days=120)).isoformat())
        u(ansokt, "AnsokanOmUtbetalningInlamnad", "true")


def skv(ctx: Ctx, data: etree._Element) -> None:
    """Skatteverket's document, as the one public example names it, carried as a string."""
    q, r = ctx.q, ctx.record
    root = etree.Element(
        f"{{{NS_SKV_DOC}}}SvarBeskattningsuppgifterEnligtSFS2008-975",
        nsmap={None: NS_SKV_DOC, "besko": NS_SKV_BESKO, "folko": NS_SKV_FOLKO},  # type: ignore[dict-item]
    )
    lista = el(root, f"{{{NS_SKV_DOC}}}PersonuppgiftLista")
    person = el(lista, f"{{{NS_SKV_DOC}}}Personuppgift")
    el(person, f"{{{NS_SKV_FOLKO}}}IdentitetsbeteckningFysiskPerson", ctx.who("SKV"))
    if r is not None and r.known and not r.protected:
        el(person, f"{{{NS_SKV_FOLKO}}}Fornamn", r.first_name)
        el(person, f"{{{NS_SKV_FOLKO}}}Efternamn", r.last_name)
    el(person, f"{{{NS_SKV_DOC}}}StatusPersonuppgiftKod", "0")
    if r is not None and r.known:
        for year, kronor in r.capital_income:
            cap = el(person, f"{{{NS_SKV_DOC}}}Kapitaluppgift")
            el(cap, f"{{{NS_SKV_BESKO}}}Taxeringsar", str(year))
            el(cap, f"{{{NS_SKV_BESKO}}}SummaIntakterPaKapital", str(kronor))
            el(cap, f"{{{NS_SKV_BESKO}}}OverskottPaKapital", str(kronor))
    salary = ctx.benefits("SKV")
    if salary:
        part = etree.SubElement(
            root, f"{{{NS_FINAID_SKV}}}ProvisoriskaInkomstuppgifter", nsmap={"p": NS_FINAID_SKV}, provisorisk="true"
        )
        for b in salary:
            for first, _last in months(q.period_from, q.period_to):
                m = el(part, f"{{{NS_FINAID_SKV}}}Manadsinkomst")
                el(m, f"{{{NS_FINAID_SKV}}}Period", f"{first.year:04d}-{first.month:02d}")
                el(m, f"{{{NS_FINAID_SKV}}}Bruttolon", kr(b.net_ore + b.tax_ore))
                el(m, f"{{{NS_FINAID_SKV}}}AvdragenSkatt", kr(b.tax_ore))
    doc = etree.tostring(root, encoding="unicode")
    if ctx.style == 1:
        doc = '<?xml version="1.0" encoding="UTF-8"?>\n' + doc
    el(data, "svar", doc)


MIV_TYPES = {True: ("PUT", "PERMANENT UPPEHÅLLSTILLSTÅND"), False: ("TUT", "TIDSBEGRÄNSAT UPPEHÅLLSTILLSTÅND")}


def miv(ctx: Ctx, data: etree._Element) -> None:
    r = ctx.record
    response = el(data, "response")
    el(response, "korrelationsid", ctx.q.korrelationsid)
    el(response, "correlationid", ctx.q.korrelationsid)
    if r is None or not r.known or not r.permits:
        el(response, "personnummer", ctx.who("MIV"))
        return
    if not r.protected:
        el(response, "efternamn", r.last_name)
        el(response, "fornamn", r.first_name)
        el(response, "hemland", "XX")
    el(response, "personnummer", ctx.who("MIV"))
    collection = el(response, "svarCollection")
    for p in r.permits:
        svar = el(collection, "svar")
        el(svar, "ansokningsdatum", ctx.day(p.valid_from - timedelta(days=90)))
        el(svar, "arendeTyp", "UAT")
        el(svar, "arendeTypNamn", "UPPEHÅLLS- OCH ARBETSTILLSTÅND")
        el(svar, "beslutsKod", "BEV" if p.granted else "AVSLAG")
        el(svar, "beslutsKodNamn", "ANSÖKAN BEVILJAS" if p.granted else "ANSÖKAN AVSLÅS")
        kind, name = MIV_TYPES[p.permanent]
        el(svar, "beslutsTyp", kind)
        el(svar, "beslutsTypNamn", name)
        el(svar, "beslutsdatum", ctx.day(p.valid_from - timedelta(days=20)))
        if p.granted:
            el(svar, "fromDatum", ctx.day(p.valid_from))
            el(svar, "giltighetstid", "PERMANENT" if p.permanent else "TIDBEGRANSAT")
            if p.valid_to is not None:
                el(svar, "tomDatum", ctx.day(p.valid_to))


def tns(ctx: Ctx, data: etree._Element) -> None:
    r = ctx.record
    el(data, f"{{{NS_TNS}}}resultat", "OK")
    holding = el(data, f"{{{NS_TNS}}}fordonsinnehav")
    if r is not None and r.known:
        for regnr in r.vehicles:
            f = el(holding, f"{{{NS_FORDON}}}fordon")
            el(f, f"{{{NS_FORDON}}}regnr", regnr)
            el(f, f"{{{NS_FORDON}}}fabrikat", "Syntetisk")
            el(f, f"{{{NS_FORDON}}}fordonsar", "2012")
            el(f, f"{{{NS_FORDON}}}fordonsslag", "PB")
            el(f, f"{{{NS_FORDON}}}handelsbeteckning", "Syntetisk 1.6")


