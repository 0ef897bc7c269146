"""SOAP 1.1 envelopes of SSBTEK v10: building the query and ping, reading answers and faults.

Only the envelope lives here; each agency's payload is read by its own module. Element names and
order follow the v10 schema (``SammansattBastjanstFraga`` / ``SammansattBastjanstSvar``).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from adapters.driven.ssbtek import fk_lefi
from adapters.driven.ssbtek.model import AGENCY_ELEMENTS, NS_SOAP, NS_SSBT, Query
from adapters.driven.ssbtek.safexml import MAX_ENVELOPE_BYTES, child, children, local, parse_xml, text

_NSMAP = {"soapenv": NS_SOAP, "ssbt": NS_SSBT}


def _s(name: str) -> str:
    return f"{{{NS_SSBT}}}{name}"


def _sub(parent: etree._Element, name: str, value: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, _s(name))
    if value is not None:
        el.text = value
    return el


def _envelope() -> tuple[etree._Element, etree._Element]:
    env = etree.Element(f"{{{NS_SOAP}}}Envelope", nsmap=_NSMAP)
    etree.SubElement(env, f"{{{NS_SOAP}}}Header")
    body = etree.SubElement(env, f"{{{NS_SOAP}}}Body")
    return env, body


def _bytes(env: etree._Element) -> bytes:
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def build_query(query: Query) -> bytes:
    """The ``hamtaBastjanstInformation`` request for one person."""
    env, body = _envelope()
    op = _sub(body, "hamtaBastjanstInformation")
    gen = _sub(op, "generellaFrageparametrar")
    _sub(gen, "frageTidpunkt", query.asked_at.isoformat(timespec="seconds"))
    _sub(gen, "korrelationsid", query.korrelationsid)
    _sub(gen, "fraganSkallInkluderasISvaret", "false")
    ing = _sub(gen, "ingivare")
    _sub(ing, "organisationsnummer", query.ingivare.organisationsnummer)
    _sub(ing, "namn", query.ingivare.namn)
    _sub(ing, "handlaggare", query.ingivare.handlaggare)
    _sub(gen, "personidentitet", query.person)
    _sub(gen, "arendeidentitet", query.case_id)
    period = _sub(gen, "tidsperiod")
    _sub(period, "fromDatum", query.period_from.isoformat())
    _sub(period, "tomDatum", query.period_to.isoformat())
    _sub(gen, "syfte", query.syfte)
    _sub(gen, "lagtext", query.lagtext)
    spec = _sub(op, "specifikaFrageparametrar")
    included = query.elements
    for name in AGENCY_ELEMENTS:
        el = _sub(spec, name)
        el.set("inkludera", "true" if name in included else "false")
        if name == "FK" and name in included:
            fraga = _sub(el, "fraga")
            _sub(fraga, "version", query.lefi_version)
            _sub(fraga, "aktorsid", query.aktorsid)
            _sub(fraga, "lefiJsonFraga", fk_lefi.build_question(query))
    return _bytes(env)


def build_ping() -> bytes:
    """The ``testaBastjanstInformation`` request (an empty ping)."""
    env, body = _envelope()
    _sub(body, "testaBastjanstInformation")
    return _bytes(env)


class EnvelopeError(ValueError):
    """The answer is not a readable SSBTEK envelope (a whole-call failure)."""


@dataclass(frozen=True, slots=True)
class ErrorBlock:
    kalla: str
    felkod: str
    felmeddelande: str


@dataclass(frozen=True, slots=True)
class Fault:
    felkod: str
    felmeddelande: str


@dataclass(frozen=True, slots=True)
class Answer:
    """A successful ``hamtaBastjanstInformationResponse``: one block per agency that answered."""

    korrelationsid: str | None
    data: dict[str, etree._Element]
    errors: dict[str, ErrorBlock]


@dataclass(frozen=True, slots=True)
class PingAnswer:
    called: dict[str, bool]
    errors: dict[str, ErrorBlock]


def _body(raw: bytes, max_bytes: int) -> etree._Element:
    try:
        root = parse_xml(raw, max_bytes)
    except ValueError as e:
        raise EnvelopeError(str(e)) from None
    if root.tag != f"{{{NS_SOAP}}}Envelope":
        raise EnvelopeError("not a SOAP 1.1 envelope")
    bodies = [c for c in root if c.tag == f"{{{NS_SOAP}}}Body"]
    if len(bodies) != 1:
        raise EnvelopeError("the envelope must have exactly one Body")
    payload = [c for c in bodies[0] if isinstance(c.tag, str)]
    if len(payload) != 1:
        raise EnvelopeError("the Body must hold exactly one element")
    return payload[0]


def _fault(el: etree._Element) -> Fault:
    detail = child(el, "detail")
    code, message = "", ""
    if detail is not None:
        for d in detail:
            if local(d).endswith("Fault"):
                code = text(d, "felkod") or ""
                message = "; ".join((m.text or "").strip() for m in children(d, "felmeddelande"))
    if not code:
        code = text(el, "faultcode") or "okänd"
    if not message:
        message = text(el, "faultstring") or ""
    return Fault(code, message)


def _error_block(el: etree._Element) -> ErrorBlock:
    kalla = text(el, "kalla")
    felkod = text(el, "felkod")
    if kalla is None or felkod is None:
        raise ValueError("error block without kalla or felkod")
    message = "; ".join((m.text or "").strip() for m in children(el, "felmeddelande"))
    return ErrorBlock(kalla, felkod, message)


def parse_answer(raw: bytes, max_bytes: int = MAX_ENVELOPE_BYTES) -> Answer | Fault:
    """Read a response envelope; an unreadable one raises :class:`EnvelopeError`."""
    try:
        return _parse_answer(raw, max_bytes)
    except EnvelopeError:
        raise
    except ValueError as e:
        raise EnvelopeError(f"unreadable envelope ({e})") from None


def parse_ping(raw: bytes, max_bytes: int = MAX_ENVELOPE_BYTES) -> PingAnswer | Fault:
    """Read a ``testaBastjanstInformationResponse``; an unreadable one raises :class:`EnvelopeError`."""
    try:
        return _parse_ping(raw, max_bytes)
    except EnvelopeError:
        raise
    except ValueError as e:
        raise EnvelopeError(f"unreadable envelope ({e})") from None


def _parse_answer(raw: bytes, max_bytes: int) -> Answer | Fault:
    payload = _body(raw, max_bytes)
    if payload.tag == f"{{{NS_SOAP}}}Fault":
        return _fault(payload)
    if payload.tag != _s("hamtaBastjanstInformationResponse"):
        raise EnvelopeError(f"unexpected answer element {local(payload)}")
    svarsdata = [c for c in payload if c.tag == _s("svarsdata")]
    if len(svarsdata) != 1:
        raise EnvelopeError("the answer must hold exactly one svarsdata")
    korr = [c for c in payload if c.tag == _s("korrelationsid")]
    korrelationsid = (korr[0].text or "").strip() if korr else None
    data: dict[str, etree._Element] = {}
    errors: dict[str, ErrorBlock] = {}
    for block in svarsdata[0]:
        if not isinstance(block.tag, str):
            continue
        name = local(block)
        if block.tag != _s(name) or name not in AGENCY_ELEMENTS:
            raise EnvelopeError(f"unexpected element {name} in svarsdata")
        if name in data or name in errors:
            raise EnvelopeError(f"agency block {name} occurs twice")
        kinds = [c for c in block if isinstance(c.tag, str)]
        if len(kinds) == 1 and kinds[0].tag == _s("data"):
            data[name] = kinds[0]
        elif len(kinds) == 1 and kinds[0].tag == _s("error"):
            try:
                errors[name] = _error_block(kinds[0])
            except ValueError:
                # an error block we cannot read still says the agency failed
                errors[name] = ErrorBlock("?", "?", "oläsligt felblock")
        else:
            # neither data nor error: this agency's block is garbled, the others still count
            errors[name] = ErrorBlock("finaid", "GARBLED", "blocket saknar data och error")
    return Answer(korrelationsid, data, errors)


def _parse_ping(raw: bytes, max_bytes: int) -> PingAnswer | Fault:
    payload = _body(raw, max_bytes)
    if payload.tag == f"{{{NS_SOAP}}}Fault":
        return _fault(payload)
    if payload.tag != _s("testaBastjanstInformationResponse"):
        raise EnvelopeError(f"unexpected answer element {local(payload)}")
    called: dict[str, bool] = {}
    errors: dict[str, ErrorBlock] = {}
    for block in payload:
        if not isinstance(block.tag, str) or local(block) not in AGENCY_ELEMENTS:
            continue
        name = local(block)
        called[name] = (text(block, "anropad") or "").lower() in ("true", "1")
        err = child(block, "error")
        if err is not None:
            try:
                errors[name] = _error_block(err)
            except ValueError:
                errors[name] = ErrorBlock("?", "?", "oläsligt felblock")
    return PingAnswer(called, errors)
