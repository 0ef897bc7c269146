"""The case bundle (``finaid.case-bundle/1``): one application for one month, as pydantic models.

Strict: amounts are kronor strings parsed into integer öre, personnummer carry a valid check
digit and are normalised to 12 digits, unknown fields are rejected. Cross-field rules (references
to household members, ages, duplicates) are checked in :mod:`decision.validation`, which reports
every bad field by its path.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    StringConstraints,
    Tag,
    WithJsonSchema,
)

from decision import strict
from decision.money import KRONOR_PATTERN, format_ore, parse_kronor

BUNDLE_SCHEMA = "finaid.case-bundle/1"


def _kronor_in(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError('must be a string of kronor like "6000.50", not a JSON number')
    return parse_kronor(value)


def _pnr_in(value: object) -> str:
    return strict.parse_personnummer(value)


def _month_in(value: object) -> str:
    return strict.parse_month(value)


Ore = Annotated[
    int,
    BeforeValidator(_kronor_in),
    PlainSerializer(format_ore, return_type=str),
    WithJsonSchema({"type": "string", "pattern": KRONOR_PATTERN, "description": "kronor, e.g. 6000.50"}),
]
"""An amount: kronor string on the wire, integer öre inside."""

Personnummer = Annotated[
    str,
    BeforeValidator(_pnr_in),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": strict.PERSONNUMMER_PATTERN,
            "description": "personnummer or samordningsnummer YYYYMMDDNNNN with a valid check digit",
        }
    ),
]

Month = Annotated[
    str, BeforeValidator(_month_in), WithJsonSchema({"type": "string", "pattern": strict.MONTH_PATTERN})
]


Timestamp = AwareDatetime


class Role(StrEnum):
    APPLICANT = "applicant"
    PARTNER = "partner"
    CHILD = "child"


class IncomeKind(StrEnum):
    SALARY = "salary"
    SICKNESS_BENEFIT = "sickness_benefit"
    ACTIVITY_COMPENSATION = "activity_compensation"
    PARENTAL_BENEFIT = "parental_benefit"
    UNEMPLOYMENT_BENEFIT = "unemployment_benefit"
    ACTIVITY_SUPPORT = "activity_support"
    ESTABLISHMENT_ALLOWANCE = "establishment_allowance"
    STUDENT_AID = "student_aid"
    PENSION = "pension"
    HOUSING_ALLOWANCE = "housing_allowance"
    CHILD_ALLOWANCE = "child_allowance"
    MAINTENANCE_SUPPORT = "maintenance_support"
    OTHER = "other"


class CostKind(StrEnum):
    RENT = "rent"
    HOUSEHOLD_ELECTRICITY = "household_electricity"
    WORK_TRAVEL = "work_travel"
    HOME_INSURANCE = "home_insurance"
    UNION_FEE = "union_fee"
    UNEMPLOYMENT_FUND_FEE = "unemployment_fund_fee"
    OTHER = "other"


class AssetKind(StrEnum):
    BANK_ACCOUNT = "bank_account"
    VEHICLE = "vehicle"
    PROPERTY = "property"
    SECURITIES = "securities"
    OTHER = "other"


class LabourStatus(StrEnum):
    REGISTERED_AT_AF = "registered_at_af"
    EMPLOYED = "employed"
    SICK_WITH_CERTIFICATE = "sick_with_certificate"
    PARENTAL_LEAVE = "parental_leave"
    STUDYING = "studying"
    NOT_REGISTERED = "not_registered"


class Source(StrEnum):
    SKATTEVERKET = "skatteverket"
    FORSAKRINGSKASSAN = "forsakringskassan"
    PENSIONSMYNDIGHETEN = "pensionsmyndigheten"
    ARBETSFORMEDLINGEN = "arbetsformedlingen"
    AKASSA = "akassa"
    CSN = "csn"
    MIGRATIONSVERKET = "migrationsverket"


ALL_SOURCES: tuple[Source, ...] = tuple(Source)


class AnswerStatus(StrEnum):
    OK = "ok"
    NO_DATA = "no_data"
    UNAVAILABLE = "unavailable"


class ResidenceStatus(StrEnum):
    PERMANENT = "permanent"
    TEMPORARY = "temporary"
    EXPIRED = "expired"
    NONE = "none"


# Which source confirms which income (docs/case-bundle.md, "Interpretation").
AUTHORITATIVE_SOURCE: dict[IncomeKind, Source | None] = {
    IncomeKind.SALARY: Source.SKATTEVERKET,
    IncomeKind.SICKNESS_BENEFIT: Source.FORSAKRINGSKASSAN,
    IncomeKind.PARENTAL_BENEFIT: Source.FORSAKRINGSKASSAN,
    IncomeKind.ACTIVITY_COMPENSATION: Source.FORSAKRINGSKASSAN,
    IncomeKind.ACTIVITY_SUPPORT: Source.FORSAKRINGSKASSAN,
    IncomeKind.ESTABLISHMENT_ALLOWANCE: Source.FORSAKRINGSKASSAN,
    IncomeKind.HOUSING_ALLOWANCE: Source.FORSAKRINGSKASSAN,
    IncomeKind.CHILD_ALLOWANCE: Source.FORSAKRINGSKASSAN,
    IncomeKind.MAINTENANCE_SUPPORT: Source.FORSAKRINGSKASSAN,
    IncomeKind.UNEMPLOYMENT_BENEFIT: Source.AKASSA,
    IncomeKind.PENSION: Source.PENSIONSMYNDIGHETEN,
    IncomeKind.STUDENT_AID: Source.CSN,
    IncomeKind.OTHER: None,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Member(_Strict):
    personnummer: Personnummer
    role: Role
    attends_school: bool = False
    preschool_lunch: bool = False


class Income(_Strict):
    person: Personnummer
    kind: IncomeKind
    amount: Ore
    year_to_date: Ore | None = Field(
        default=None, description="net kronor earned this calendar year including this month (a child's salary)"
    )


class Cost(_Strict):
    kind: CostKind
    amount: Ore
    description: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None


class Asset(_Strict):
    person: Personnummer
    kind: AssetKind
    value: Ore


class LabourMarket(_Strict):
    person: Personnummer
    status: LabourStatus


class PreviousAid(_Strict):
    consecutive_months: Annotated[int, Field(ge=0, le=1200)] = 0
    jobbstimulans_months_used: Annotated[int, Field(ge=0, le=1200)] = 0


class Application(_Strict):
    id: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
    municipality: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
    month: Month
    kind: Literal["first", "reapplication"]
    submitted_at: Timestamp
    household_changed: bool = False
    household: Annotated[list[Member], Field(min_length=1, max_length=30)]
    incomes: Annotated[list[Income], Field(max_length=200)] = []
    costs: Annotated[list[Cost], Field(max_length=200)] = []
    assets: Annotated[list[Asset], Field(max_length=200)] = []
    labour_market: Annotated[list[LabourMarket], Field(max_length=60)] = []
    previous_aid: PreviousAid = PreviousAid()


INCOME_FACT_KINDS = tuple(k.value for k in IncomeKind)


class IncomeFact(_Strict):
    kind: IncomeKind
    month: Month
    amount: Ore


class RegisteredFact(_Strict):
    kind: Literal["registered"]
    value: bool


class ProtectedIdentityFact(_Strict):
    kind: Literal["protected_identity"]
    value: bool


class ResidenceStatusFact(_Strict):
    kind: Literal["residence_status"]
    value: ResidenceStatus


def _fact_tag(value: Any) -> str | None:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    if kind in INCOME_FACT_KINDS:
        return "income"
    if kind in ("registered", "protected_identity", "residence_status"):
        return str(kind)
    return None


RegistryFact = Annotated[
    Annotated[IncomeFact, Tag("income")]
    | Annotated[RegisteredFact, Tag("registered")]
    | Annotated[ProtectedIdentityFact, Tag("protected_identity")]
    | Annotated[ResidenceStatusFact, Tag("residence_status")],
    Discriminator(
        _fact_tag,
        custom_error_type="unknown_fact_kind",
        custom_error_message=(
            "kind must be an income kind, 'registered', 'protected_identity' or 'residence_status'"
        ),
    ),
]
FACT_TAGS = ("income", "registered", "protected_identity", "residence_status")


class RegistryEntry(_Strict):
    source: Source
    person: Personnummer
    status: AnswerStatus
    fetched_at: Timestamp
    request_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    facts: Annotated[list[RegistryFact], Field(max_length=500)] = []
    error: Annotated[str, StringConstraints(max_length=500)] | None = None
    raw_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None


class CaseBundle(_Strict):
    schema_: Literal["finaid.case-bundle/1"] = Field(alias="schema")
    application: Application
    registry: Annotated[list[RegistryEntry], Field(max_length=400)] | None = None

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    def to_json_dict(self) -> dict[str, Any]:
        """The bundle in its wire form (kronor strings, normalised personnummer)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
