"""The case bundle (``finaid.case-bundle/1`` and ``/2``): one application for one month, as pydantic models.

One model accepts both versions; every /2 addition is optional with the default ``None``, so a /1
bundle dumps byte-identically. The scalar types and the /2 parts are in :mod:`decision.bundle_parts`.

Strict: amounts are kronor strings parsed into integer öre, personnummer carry a valid check
digit and are normalised to 12 digits, unknown fields are rejected. Cross-field rules (references
to household members, ages, duplicates) are checked in :mod:`decision.validation`, which reports
every bad field by its path.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Discriminator, Field, StringConstraints, Tag

from decision.bundle_parts import (
    ATTACHMENTS_MAX,
    BUNDLE_SCHEMA_V1,
    BUNDLE_SCHEMA_V2,
    AidHistory,
    ApplicationKind,
    Attachment,
    Day,
    DocumentRef,
    IndividualPlan,
    Month,
    Name,
    NormAdjustment,
    Ore,
    OtherInDwelling,
    Personnummer,
    Timestamp,
    _Strict,
)

BUNDLE_SCHEMA = BUNDLE_SCHEMA_V1
"""The first version of the contract (still accepted; see also ``BUNDLE_SCHEMA_V2``)."""
BundleSchema = Literal["finaid.case-bundle/1", "finaid.case-bundle/2"]


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
    # finaid.case-bundle/2 only (livsföring i övrigt):
    MEDICAL_CARE = "medical_care"
    PRESCRIPTION_MEDICINE = "prescription_medicine"
    EMERGENCY_DENTAL_CARE = "emergency_dental_care"
    GLASSES = "glasses"
    PRESCHOOL_FEE = "preschool_fee"
    AFTER_SCHOOL_FEE = "after_school_fee"


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


class Member(_Strict):
    personnummer: Personnummer
    role: Role
    attends_school: bool = False
    preschool_lunch: bool = False
    name: Name | None = None
    days_in_household: Annotated[int, Field(ge=1, le=31)] | None = Field(
        default=None, description="a child only: days of the month the child lives in the household (None: all)"
    )


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
    document: DocumentRef | None = Field(
        default=None, description="an attachment id or the municipality's own reference"
    )
    person: Personnummer | None = Field(default=None, description="whose cost (a household member)")


class Asset(_Strict):
    person: Personnummer
    kind: AssetKind
    value: Ore


class LabourMarket(_Strict):
    person: Personnummer
    status: LabourStatus
    individual_plan: IndividualPlan | None = Field(
        default=None, description="the individual plan of the activity requirement (prop. 2025/26:207)"
    )


class PreviousAid(_Strict):
    consecutive_months: Annotated[int, Field(ge=0, le=1200)] = 0
    jobbstimulans_months_used: Annotated[int, Field(ge=0, le=1200)] = 0


class Application(_Strict):
    id: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
    municipality: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
    month: Month
    kind: ApplicationKind
    submitted_at: Timestamp
    household_changed: bool = False
    household: Annotated[list[Member], Field(min_length=1, max_length=30)]
    incomes: Annotated[list[Income], Field(max_length=200)] = []
    costs: Annotated[list[Cost], Field(max_length=200)] = []
    assets: Annotated[list[Asset], Field(max_length=200)] = []
    labour_market: Annotated[list[LabourMarket], Field(max_length=60)] = []
    previous_aid: PreviousAid = PreviousAid()
    # finaid.case-bundle/2 only (previous_aid is then replaced by aid_history):
    aid_history: Annotated[list[AidHistory], Field(max_length=30)] | None = None
    norm_adjustments: Annotated[list[NormAdjustment], Field(max_length=30)] | None = None
    rent_above_guideline_notified_on: Day | None = Field(
        default=None, description="the day the household was told its rent is above the guideline"
    )
    others_in_dwelling: Annotated[list[OtherInDwelling], Field(max_length=20)] | None = Field(
        default=None, description="persons living in the dwelling who are not part of the household"
    )
    attachments: Annotated[list[Attachment], Field(max_length=ATTACHMENTS_MAX)] | None = Field(
        default=None, description="the files that are part of the application (their content fixed by sha256)"
    )


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
    schema_: BundleSchema = Field(alias="schema")
    application: Application
    registry: Annotated[list[RegistryEntry], Field(max_length=400)] | None = None

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    def to_json_dict(self) -> dict[str, Any]:
        """The bundle in its wire form (kronor strings, normalised personnummer), in its own version.

        A /2 bundle has no ``previous_aid`` (replaced by ``aid_history``): its default is not dumped.
        """
        if self.schema_ == BUNDLE_SCHEMA_V2:
            return self.model_dump(
                mode="json", by_alias=True, exclude_none=True, exclude={"application": {"previous_aid"}}
            )
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    @property
    def version(self) -> int:
        """1 or 2: the contract version the bundle was received in (and is sealed in)."""
        return 2 if self.schema_ == BUNDLE_SCHEMA_V2 else 1


__all__ = [
    "ALL_SOURCES",
    "AUTHORITATIVE_SOURCE",
    "AidHistory",
    "AnswerStatus",
    "Application",
    "ApplicationKind",
    "Asset",
    "AssetKind",
    "Attachment",
    "BUNDLE_SCHEMA",
    "BUNDLE_SCHEMA_V1",
    "BUNDLE_SCHEMA_V2",
    "BundleSchema",
    "CaseBundle",
    "Cost",
    "CostKind",
    "Day",
    "DocumentRef",
    "FACT_TAGS",
    "INCOME_FACT_KINDS",
    "Income",
    "IncomeFact",
    "IncomeKind",
    "IndividualPlan",
    "LabourMarket",
    "LabourStatus",
    "Member",
    "Month",
    "Name",
    "NormAdjustment",
    "Ore",
    "OtherInDwelling",
    "Personnummer",
    "PreviousAid",
    "ProtectedIdentityFact",
    "RegisteredFact",
    "RegistryEntry",
    "RegistryFact",
    "ResidenceStatus",
    "ResidenceStatusFact",
    "Role",
    "Source",
    "Timestamp",
]
