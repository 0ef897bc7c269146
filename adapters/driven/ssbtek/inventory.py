"""The element inventory of each agency's answer, as the public v10 schemas give it.

For every element finaid walks into, its children by local name with ``True`` = required by the
schema, ``False`` = optional. The readers use it to *tolerate* the rest: a child that is not listed
(a schema addition, an echo or processor element, a sibling ``xs:any`` lets in) is named in a
notice and stays in the raw envelope; it never makes a source unavailable. What the decision
depends on (person, echoed period, amounts, codes, status) is still read strictly by the agency
modules. The same inventory is committed beside the tests
(``tests/unit/registry/element_inventory.json``) and checked against this module.

Sources: SSBTEK v10 XSDs and the LEFI v9 OpenAPI description (see docs/ssbtek.md, "Read again
against the public v10 schemas", and docs/registry.md, "Golden envelopes, element inventory and schema check");
Skatteverket's document inside ``svar`` has no public schema — its names come
from the one public example and are marked ``example`` in the committed inventory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lxml import etree

from adapters.driven.ssbtek.safexml import local

Inventory = Mapping[str, Mapping[str, bool]]

SO: Inventory = {
    "data": {
        "OrganisationsnummerIngivare": True, "NamnIngivare": True, "KontonamnHandlaggare": True,
        "Referensnummer": True, "From": True, "Tom": True, "Syfte": True, "Paragraf": True,
        "OrganisationsnummerPersonuppgiftsbitrade": False, "NamnPersonuppgiftsbitrade": False,
        "IdentificationNumber": True, "ArbetsloshetsersattningLista": True,
    },
    "ArbetsloshetsersattningLista": {"Arbetsloshetsersattning": False},
    "Arbetsloshetsersattning": {
        "SvarandeOrganisation": True, "StatusSvarandeOrganisation": True, "Utbetalningar": False,
        "Avstangningar": False, "AnsoktOmErsattning": False,
    },
    "Utbetalningar": {
        "Utbetalningsdatum": True, "NettoEfterSkatt": True, "NettoEfterAvdrag": True, "Ersattningsdagar": True,
        "AvserFrom": True, "AvserTom": True,
    },
    "Avstangningar": {"AvstangdFrom": True, "AvstangdTom": True},
    "AnsoktOmErsattning": {"BeslutOmRattTillErsattning": True, "AnsokanOmUtbetalningInlamnad": True},
}

AF: Inventory = {
    "data": {"Fraga": True, "Svar": True},
    "Fraga": {
        "Test": False, "OrganisationsnummerForIngivare": True, "NamnPaIngivare": True,
        "KontonamnForHandlaggare": True, "Referensnummer": True, "From": True, "Tom": True,
        "SyfteMedFraga": True, "LagParagraf": True, "OrganisationsnummerForPersonuppgiftsbitrade": False,
        "NamnPaPersonuppgiftsbitrade": False, "IdentitetsbeteckningFysiskPerson": True,
    },
    "Svar": {
        "Schemaversion": True, "Referensnummer": True, "LagParagraf": True, "IdentitetsbeteckningFysiskPerson": True,
        "Fornamn": False, "Efternamn": False, "Sekretessmarkering": False, "ArbetssokandeInfo": False,
        "BeslutInfo": False, "Akassetillhorighet": False, "StatusSokandeinformationKod": True,
        "StatusSokandeinformationKodText": True,
    },
    "ArbetssokandeInfo": {
        "Arbetssokande": False, "ArbetssokandeSKAT": False, "ArbetssokandeRegistrerad": False,
        "ArbetssokandeOmfattning": False, "ArbetssokandeAvaktualiserad": False, "AktivetetsRapportDatum": True,
    },
    "AktivetetsRapportDatum": {"AktivitetsRapportMeddelande": True, "SenasteAktivitetsRapportDatum": False},
    "BeslutInfo": {"EkonomiskaBeslut": True},
    "EkonomiskaBeslut": {"Beslut": False},
    "Beslut": {"ErsattningTyp": True, "Omfattning": True, "BeslutFrom": True, "BeslutTom": True},
}

MIV: Inventory = {
    "data": {"response": False},
    "response": {
        "korrelationsid": False, "correlationid": True, "efternamn": False, "fornamn": False, "hemland": False,
        "inresedatum": False, "personnummer": False, "svarCollection": False,
    },
    "svarCollection": {"svar": False},
    "svar": {
        "anledning": False, "anledningNamn": False, "ansokningsdatum": False, "arendeTyp": False,
        "arendeTypNamn": False, "beslutsKod": False, "beslutsKodNamn": False, "beslutsTyp": False,
        "beslutsTypNamn": False, "beslutsdatum": False, "fromDatum": False, "giltighetstid": False, "tomDatum": False,
    },
}

SKV: Inventory = {
    "data": {"svar": True},
}

SKV_DOCUMENT: Inventory = {
    "SvarBeskattningsuppgifterEnligtSFS2008-975": {
        "PersonuppgiftLista": True,
        "ProvisoriskaInkomstuppgifter": False,  # finaid's own provisional dialect (sandbox only)
    },
    "PersonuppgiftLista": {"Personuppgift": False},
    "Personuppgift": {
        "IdentitetsbeteckningFysiskPerson": True, "Fornamn": False, "Efternamn": False,
        "StatusPersonuppgiftKod": False, "Kapitaluppgift": False,
    },
    "Kapitaluppgift": {"Taxeringsar": True, "SummaIntakterPaKapital": False, "OverskottPaKapital": False},
}
"""Skatteverket's document (no public schema: the names of the one public example)."""

CSN: Inventory = {
    "data": {"svar": True},
}

_ARENDE = {
    "stodform": True, "klartext": True, "status": True, "relarende": False, "soktaTider": False,
    "BeviljadeTider": False, "UtbetalningsPlan": True, "medlanare": False,
}
CSN_DOCUMENT: Inventory = {
    "CSNSvar": {"GemensamtSvarEkbistand": True, "GemensamtFragaEkbistand": True, "Personer": True},
    "GemensamtSvarEkbistand": {"Resultat": True},
    "Resultat": {"ResultatKod": True, "ResultatText": True},
    "Personer": {"Person": False},
    "Person": {
        "Studiestodstypforteckning": True, "Studiemedel": True, "Studiehjalp": True, "HemutrustningsLan": True,
        "Studiestartsstod": True, "Omstallningsstudiestod": True,
    },
    "Studiemedel": {"Arenden": False},
    "Studiehjalp": {"Arenden": False},
    "HemutrustningsLan": {"Arenden": False},
    "Studiestartsstod": {"Arenden": False},
    "Omstallningsstudiestod": {"Arenden": False},
    "Arenden": {"Arende": False},
    "Arende": _ARENDE,
    "UtbetalningsPlan": {"Utbetalning": False},
    "Utbetalning": {"utbetdatum": True, "utbetstatus": True, "Utbetaldatider": True, "totbelopp": True},
    "Studiestodstypforteckning": {
        "studiemedel": True, "studiehjalp": True, "hemutrustningslan": True, "studiestartsstod": True,
        "omstallningsstudiestod": True,
    },
    "soktaTider": {"soktTid": False},
    "soktTid": {"soktfrom": True, "sokttom": True, "soktomfattning": True, "soktlan": False},
    "BeviljadeTider": {"BeviljadTid": False},
    "BeviljadTid": {"starttid": True, "sluttid": True, "takt": False, "gr_takt": False, "Beloppen": True,
                    "totbelopp": True},
    "Utbetaldatider": {"Utbetaldtid": False},
    "Utbetaldtid": {"startvecka": False, "slutvecka": False, "Beloppen": True, "totbelopp": True},
    "Beloppen": {"Belopp": False},
    "Belopp": {"beloppstyp": True, "klartext": True, "belopp": True, "totbelopp": True},
}
"""CSN's ``CSNSvar`` (kommunfraga.xsd, person.xsd, the five study-aid forms, csntyper.xsd); an
``Arende``'s children are the union over the five forms (``medlanare`` only in hemutrustningslån)."""

LEFI_ANSWER: frozenset[str] = frozenset(
    {"utlamnare", "avvikelser", "formansinformation", "ansprak", "beslut", "preliminaraUtbetalningar",
     "utbetalningar", "ovrigInformation"}
)
LEFI_FK_PAYMENT: frozenset[str] = frozenset(
    {"typ", "foretag", "formansfamilj", "datum", "period", "bruttobelopp", "skattebelopp", "avdragsbelopp",
     "nettobelopp", "utbetalningsdetalj"}
)
LEFI_PM_PAYMENT: frozenset[str] = frozenset(
    {"utbetalningsdatum", "utbetalningsperiod", "bruttobelopp", "nettobelopp", "avdrag", "utbetalningsrader"}
)
LEFI_FORMANSINFORMATION: frozenset[str] = frozenset(
    {
        "generellPersoninformation", "aktivitetsstodsarende", "allmanpensionsarende", "arbetsskadeefterlevandearende",
        "arbetsskadeegenlivrantearende", "barnbidragsarende", "bostadsbidragsarende", "bostadstillaggsarende",
        "efterlevandepensionsarende", "mottagareavbarnbidrag", "foraldrapenningarende",
        "forebyggandeSjukpenningsarende", "handikappersattningsarende", "graviditetspenningsarende",
        "intjanandebehallning", "intjanandeuppgift", "levnadsintygsuppgift", "merkostnadsersattningsarende",
        "narstaendepenningarende", "omvardnadsbidragsarende", "preliminarautbetalningar", "programanvisning",
        "programersattningsarende", "programjobdagar", "rehabersattningsarende", "sjukOchAktivitetsersattningsarende",
        "sjukOchAktivitetsersattningSteglosAvrakningHistorik", "sjukOchAktivitetsersattningSteglosAvrakningNulage",
        "sjukpenningarende", "sjukpenninggrundandeInkomstuppgift", "skatteuppgift", "smittbararersattningsarende",
        "studiemedelsavisering", "tillfalligForaldrapenningarende", "totalforsvarspliktsarende", "underhallsskuld",
        "underhallsstodskrav", "underhallsstodsmottag", "utbetalningsuppgift", "vardbidragsarende",
        "yrkesskadeefterlevandearende", "yrkesskadeegenlivrantearende",
    }
)
"""LEFI v9 (lefi-formansinformation-v9.openapi.yaml): the answer's fields, ``formansinformation``'s
fields and the two payment shapes' fields."""

XML_INVENTORIES: dict[str, Inventory] = {
    "AF": AF, "SO": SO, "MIV": MIV, "SKV": SKV, "SKV document": SKV_DOCUMENT, "CSN": CSN, "CSN document": CSN_DOCUMENT,
}


def unknown_elements(root: etree._Element, inventory: Inventory, start: str | None = None) -> list[str]:
    """``parent/child`` for every element below ``root`` the inventory does not list.

    The walk goes into listed children that have their own entry; an unknown child is named and not
    entered. Comments and processing instructions are not elements.
    """
    out: list[str] = []
    stack: list[tuple[etree._Element, str]] = [(root, start or local(root))]
    while stack:
        el, name = stack.pop()
        known = inventory.get(name)
        if known is None:
            continue
        for c in el:
            if not isinstance(c.tag, str):
                continue
            child_name = local(c)
            if child_name not in known:
                out.append(f"{name}/{child_name}")
            elif child_name in inventory:
                stack.append((c, child_name))
    return sorted(set(out))


def unknown_keys(obj: Mapping[str, object], known: Iterable[str], where: str) -> list[str]:
    known_set = set(known)
    return sorted(f"{where}.{k}" for k in obj if k not in known_set)


def tolerated_notice(agency: str, names: list[str]) -> str:
    shown = ", ".join(n[:80] for n in names[:12])
    more = f" and {len(names) - 12} more" if len(names) > 12 else ""
    return f"{agency}: elements finaid does not read were tolerated (kept in the raw envelope): {shown}{more}"
