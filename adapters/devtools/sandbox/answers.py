"""The sandbox's answers, in the SSBTEK v10 shape, built from the synthetic population.

Kept apart from the client's parsers on purpose: the client reads what real SSBTEK sends, these
modules write what the sandbox sends, and the golden envelopes in tests/golden/ssbtek/ are written by
hand from the public schemas. The sandbox speaks the real variety (docs/registry.md, "The sandbox"):
echo and processor elements, optional elements finaid does not read, whole-term CSN plans,
preliminary payments for later months, other prefixes, default namespaces, dates with zones and
base64 in lines. Timing follows how agencies pay: child and housing allowances, pensions and study
aid in the month they pay for; sickness, parental and activity benefits the month after (in
arrears); unemployment benefit per half month, a few days after each half.

This module reads the query and writes the envelope; the agencies' parts are in
:mod:`adapters.devtools.sandbox.agencies` (AF, SO, SKV, MIV, TNS) and :mod:`adapters.devtools.sandbox.payments` (CSN,
FK/PM).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import date, datetime

from lxml import etree

from adapters.devtools.sandbox import agencies, payments
from adapters.devtools.sandbox.common import Ctx, SandboxQuery, el, other_person, s
from adapters.devtools.sandbox.faults import FaultRule
from adapters.devtools.synthetic import PersonRecord
from adapters.driven.ssbtek.model import NS_AF, NS_CSN, NS_SO, NS_SOAP, NS_SSBT, NS_TNS
from adapters.driven.ssbtek.safexml import b64decode_limited, child, json_loads_limited, local, parse_xml, text

ELEMENT_ORDER = ("AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV")
__all__ = ["BadRequest", "SandboxQuery", "answer", "other_person", "ping_answer", "read_request", "soap_fault"]


class BadRequest(ValueError):
    """The request is not a query the sandbox understands (answered with a SOAP Fault)."""


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
        q.syfte = text(gen, "syfte") or ""
        q.lagtext = text(gen, "lagtext") or ""
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


# ------------------------------------------------------------------------------ envelopes

_ENV_PREFIX = ("soapenv", "soap", "S")
_SSBT_MAP: tuple[dict[str | None, str], ...] = (
    {"ssbt": NS_SSBT},
    {None: NS_SSBT},
    {"ns2": NS_SSBT, "ns3": NS_SO, "ns4": NS_AF, "ns5": NS_TNS, "ns6": NS_CSN},
)


_UNQUALIFIED = re.compile(rb"<(SKV|MIV)><data><([A-Za-z]+)([ >])")


def envelope(payload: etree._Element, style: int = 0) -> bytes:
    env = etree.Element(f"{{{NS_SOAP}}}Envelope", nsmap={_ENV_PREFIX[style]: NS_SOAP})
    if style != 2:
        etree.SubElement(env, f"{{{NS_SOAP}}}Header")
    body = etree.SubElement(env, f"{{{NS_SOAP}}}Body")
    body.append(payload)
    raw = etree.tostring(env, xml_declaration=style != 1, encoding="UTF-8")
    if style == 1:
        # Skatteverket's and Migrationsverket's elements are unqualified: under SSBTEK's default
        # namespace they need xmlns="" (lxml leaves it out when serialising), as generated services write
        raw = _UNQUALIFIED.sub(rb'<\1><data><\2 xmlns=""\3', raw)
    return raw


def soap_fault(felkod: str, message: str) -> bytes:
    fault = etree.Element(f"{{{NS_SOAP}}}Fault")
    el(fault, "faultcode", "soapenv:Server")
    el(fault, "faultstring", message)
    detail = el(fault, "detail")
    f = el(detail, s("hamtaBastjanstInformationFault"))
    el(f, s("felkod"), felkod)
    el(f, s("felmeddelande"), message)
    return envelope(fault)


def ping_answer(faults: list[FaultRule]) -> bytes:
    resp = etree.Element(s("testaBastjanstInformationResponse"), nsmap={"ssbt": NS_SSBT})
    for name in ELEMENT_ORDER:
        block = el(resp, s(name))
        failed = next((f for f in faults if f.fault in ("error_ssbt", "error_bt") and f.agency in ("*", name)), None)
        el(block, s("anropad"), "true")
        if failed is not None:
            _error(block, failed)
    return envelope(resp)


def _error(block: etree._Element, rule: FaultRule) -> None:
    err = el(block, s("error"))
    kalla = "SSBT" if rule.fault == "error_ssbt" else "BT"
    el(err, s("kalla"), kalla)
    el(err, s("felkod"), "SSBT-TIMEOUT" if kalla == "SSBT" else "BT-500")
    el(err, s("felmeddelande"), "Tjänsten svarade inte i tid" if kalla == "SSBT" else "Tekniskt fel i bastjänsten")


BUILDERS: dict[str, Callable[[Ctx, etree._Element], None]] = {
    "AF": agencies.af,
    "CSN": payments.csn,
    "FK": payments.fk,
    "SKV": agencies.skv,
    "SO": agencies.so,
    "TNS": agencies.tns,
    "MIV": agencies.miv,
}


def answer(q: SandboxQuery, record: PersonRecord | None, faults: list[FaultRule]) -> bytes:
    """The ``hamtaBastjanstInformationResponse`` for one query, agency-level faults applied."""
    ctx = Ctx(q, record, faults)
    # a default namespace (None) is legal in lxml; its stubs only know prefixed maps
    resp = etree.Element(s("hamtaBastjanstInformationResponse"), nsmap=_SSBT_MAP[ctx.style])  # type: ignore[arg-type]
    if q.asked_at is not None:
        el(resp, s("frageTidpunkt"), q.asked_at.isoformat())
    el(resp, s("korrelationsid"), q.korrelationsid)
    svarsdata = el(resp, s("svarsdata"))
    for name in ELEMENT_ORDER:
        if name not in q.included or ctx.fault("missing_block", name):
            continue
        block = el(svarsdata, s(name))
        err = ctx.fault("error_ssbt", name) or ctx.fault("error_bt", name)
        if err is not None:
            _error(block, err)
            continue
        data = el(block, s("data"))
        garbage = ctx.fault("garbage", name)
        if garbage is not None:
            _garbage(name, data, garbage.mode)
            continue
        BUILDERS[name](ctx, data)
    return envelope(resp, ctx.style)


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
        el(data, s(inner), payload)
    elif name == "SKV":
        el(data, "svar", "<Beskattningsuppgifter><Personnummer>" if mode != "bytes" else junk)
    elif name == "MIV":
        # the person is read strictly: a garbled person number is no answer
        el(el(data, "response"), "personnummer", junk)
    else:
        el(data, "Obegripligt", junk)
