"""What finaid asks SSBTEK and what an agency's part of the answer says, before it becomes registry entries.

The agency modules (af, csn, fk_lefi, skv, akassa, migrationsverket, tns) turn their payloads into
these neutral values; :mod:`adapters.ssbtek.mapping` turns them into the contract's registry
entries (month attribution, identity and period checks, status).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from decision.bundle import IncomeKind, Source

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_SSBT = "http://schema.forsakringskassan.se/integration/ssbt/10"
NS_AF = "http://api.arbetsformedlingen.se/arbetssokande/ersattningsstod/v2"
NS_SO = "http://INT014.UBPService.Schemas"
NS_TNS = "http://schema.transportstyrelsen.se/ssbtek/hamtauppgifterresponder/1"
NS_MIV = "http://schema.migrationsverket.se/ssbtek/1/"
NS_SKV = "http://beskattningws.ws.service.bs.zg.rsv.se/"
NS_CSN = "http://schema.csn.se/v4.0/kommunfraga"
NS_CSN_PERSON = "http://schema.csn.se/v4.0/person"
NS_FINAID_SKV = "urn:finaid:ssbtek:skv-provisional:1"
"""finaid's own, documented, provisional Skatteverket salary dialect (docs/registry.md); never real SSBTEK."""

AGENCY_ELEMENTS: tuple[str, ...] = ("AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV")
"""The seven request/answer elements, in the order the v10 schema requires."""

ELEMENT_SOURCES: dict[str, tuple[Source, ...]] = {
    "AF": (Source.ARBETSFORMEDLINGEN,),
    "CSN": (Source.CSN,),
    "FK": (Source.FORSAKRINGSKASSAN, Source.PENSIONSMYNDIGHETEN),
    "SKV": (Source.SKATTEVERKET,),
    "SO": (Source.AKASSA,),
    "TNS": (),
    "MIV": (Source.MIGRATIONSVERKET,),
}
SOURCE_ELEMENT: dict[Source, str] = {s: el for el, sources in ELEMENT_SOURCES.items() for s in sources}

REQUEST_SUFFIX: dict[Source, str] = {
    Source.SKATTEVERKET: "SKV",
    Source.FORSAKRINGSKASSAN: "FK",
    Source.PENSIONSMYNDIGHETEN: "PM",
    Source.ARBETSFORMEDLINGEN: "AF",
    Source.AKASSA: "SO",
    Source.CSN: "CSN",
    Source.MIGRATIONSVERKET: "MIV",
}
"""request_id = ``<korrelationsid>:<suffix>``: one SSBTEK call, one request id per agency answered."""


@dataclass(frozen=True, slots=True)
class Ingivare:
    organisationsnummer: str
    namn: str
    handlaggare: str


@dataclass(frozen=True, slots=True)
class Query:
    """One ``hamtaBastjanstInformation`` call: one person, one application."""

    korrelationsid: str
    person: str
    case_id: str
    month: str
    period_from: date
    period_to: date
    sources: tuple[Source, ...]
    ingivare: Ingivare
    syfte: str
    lagtext: str
    aktorsid: str
    lefi_version: str
    asked_at: datetime
    include_tns: bool = False

    @property
    def elements(self) -> frozenset[str]:
        """The agency elements sent with ``inkludera="true"``."""
        out = {SOURCE_ELEMENT[s] for s in self.sources}
        if self.include_tns:
            out.add("TNS")
        return frozenset(out)

    def request_id(self, source: Source) -> str:
        return f"{self.korrelationsid}:{REQUEST_SUFFIX[source]}"


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment (or planned payment) as the agency reports it, already net after tax, in öre."""

    kind: IncomeKind
    amount_ore: int
    period_from: date | None
    period_to: date | None
    paid_on: date | None
    code: str


@dataclass(frozen=True, slots=True)
class Permit:
    """One Migrationsverket decision (``svar``)."""

    granted: bool
    permanent: bool
    valid_from: date | None
    valid_to: date | None
    decided_on: date | None


@dataclass(slots=True)
class AgencyAnswer:
    """What one agency's ``data`` says about the person, in neutral form."""

    person: str | None = None
    """The person the agency says it answered for (12 digits), when it says."""
    echoed_period: tuple[date, date] | None = None
    payments: list[Payment] = field(default_factory=list)
    registered: bool | None = None
    protected: bool = False
    permits: list[Permit] | None = None
    no_hit: bool = False
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AgencyFailure:
    """The agency (or SSBTEK for it) reports that it could not answer; ``reason`` is shown to the handler."""

    reason: str


class PayloadError(ValueError):
    """An agency payload that cannot be read: the agency is ``unavailable``, never guessed."""


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the handler or operator should know that is not a fact (kept out of the bundle)."""

    source: str
    person: str
    """masked (``198507xx-xxxx``)"""
    text: str

    def __str__(self) -> str:
        return f"{self.source} ({self.person}): {self.text}"
