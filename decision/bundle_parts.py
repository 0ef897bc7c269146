"""The parts of the case bundle: its scalar types and the members ``finaid.case-bundle/2`` adds.

:mod:`decision.bundle` assembles them into :class:`decision.bundle.CaseBundle`. Every /2 addition is
optional with the default ``None`` (never ``[]``), so a /1 bundle dumps exactly as before. Which
values only /2 may use, and the rules between fields, are checked in :mod:`decision.bundle_checks`
(docs/case-bundle.md, "finaid.case-bundle/2").
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from decision import strict
from decision.money import KRONOR_PATTERN, format_ore, parse_kronor

BUNDLE_SCHEMA_V1 = "finaid.case-bundle/1"
BUNDLE_SCHEMA_V2 = "finaid.case-bundle/2"
BUNDLE_SCHEMAS = (BUNDLE_SCHEMA_V1, BUNDLE_SCHEMA_V2)
ONLY_V2 = "finns bara i finaid.case-bundle/2"
"""The message for a /2-only field or value in a /1 bundle (the contract's wording)."""

NAME_MAX = 200
DOCUMENT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$"
_DOCUMENT_RE = re.compile(DOCUMENT_PATTERN, re.ASCII)

# application.attachments (/2 only; docs/case-bundle.md, "application.attachments")
ATTACHMENTS_MAX = 100
"""The most attachments one application lists."""
ATTACHMENT_ID_MAX = 64
ATTACHMENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
"""An attachment id: no ``:`` or ``/``, so a cost's ``<id>:sha256:<hex>`` reads one way only."""
ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024
"""The largest size an attachment may state: the highest FINAID_ETJANST_MAX_UPLOAD_BYTES allows."""
ATTACHMENT_LABEL_MAX = 200
ATTACHMENT_MEDIA_TYPES = ("application/pdf", "image/jpeg", "image/png")
SHA256_PATTERN = r"^[0-9a-f]{64}$"
DOCUMENT_HASH = ":sha256:"
"""How a document names a file's content: ``<attachment id>:sha256:<hex>``."""


def _kronor_in(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError('must be a string of kronor like "6000.50", not a JSON number')
    return parse_kronor(value)


def _pnr_in(value: object) -> str:
    return strict.parse_personnummer(value)


def _month_in(value: object) -> str:
    return strict.parse_month(value)


def _day_in(value: object) -> date:
    if isinstance(value, date):
        return value
    return strict.parse_date(value)


CONTROL_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
"""Unicode categories a name or a label may not contain (control characters, line breaks)."""


def clean_text(value: object, max_len: int) -> str:
    """A short free text as the contract takes it: a string, stripped, 1..``max_len`` characters, no control
    characters. The message never repeats the text."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    text = value.strip()
    if not text:
        raise ValueError("must not be empty")
    if len(text) > max_len:
        raise ValueError(f"must be at most {max_len} characters")
    if any(unicodedata.category(ch) in CONTROL_CATEGORIES for ch in text):
        raise ValueError("must not contain control characters or line breaks")
    return text


def clean_name(value: object) -> str:
    """A person's name as the contract takes it: a string, stripped, 1..200 characters, no control
    characters. The message never repeats the name."""
    return clean_text(value, NAME_MAX)


def clean_label(value: object) -> str:
    """An attachment's label: as a name, at most ATTACHMENT_LABEL_MAX characters."""
    return clean_text(value, ATTACHMENT_LABEL_MAX)


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

Day = Annotated[
    date,
    BeforeValidator(_day_in),
    PlainSerializer(date.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "pattern": strict.DATE_PATTERN, "description": "a date YYYY-MM-DD"}),
]
"""A calendar date: ``YYYY-MM-DD`` (ASCII digits) on the wire, :class:`datetime.date` inside."""

Name = Annotated[
    str,
    BeforeValidator(clean_name),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": NAME_MAX,
            "description": "a person's name (stripped; no control characters); never written to a log",
        }
    ),
]

Label = Annotated[
    str,
    BeforeValidator(clean_label),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": ATTACHMENT_LABEL_MAX,
            "description": "what the applicant called the file (stripped; no control characters)",
        }
    ),
]

DocumentRef = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=DOCUMENT_PATTERN)]
"""An attachment id or the municipality's own reference for a document."""

Timestamp = AwareDatetime


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# -- the /2 additions ------------------------------------------------------------------------------

ApplicationKind = Literal["first", "reapplication", "supplementary"]
IndividualPlan = Literal["agreed", "missing", "declined"]
AdjustmentDirection = Literal["raise", "lower"]
AdjustmentReason = Literal["special_diet", "hospital_stay", "institution_stay", "other"]
DwellerKind = Literal["young_adult_separate_household", "other_adult"]


class AidHistory(_Strict):
    """One adult's history of aid before the month applied for (12 kap. 8 § SoL 2025:400: per person)."""

    person: Personnummer
    months_on_aid_in_row: Annotated[int, Field(ge=0, le=1200)] = Field(
        description="months in a row on aid BEFORE the month applied for"
    )
    jobbstimulans_first_month: Month | None = Field(
        default=None, description="the first month of the person's jobbstimulans period (None: never started)"
    )
    jobbstimulans_last_month: Month | None = Field(
        default=None, description="the period's last month when it has ended (None: still running or never started)"
    )


class NormAdjustment(_Strict):
    """A raised (special reasons) or lowered (long stay in hospital or an institution) personal norm."""

    person: Personnummer
    direction: AdjustmentDirection
    reason: AdjustmentReason
    description: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    amount: Ore | None = Field(default=None, description="raise only: the extra amount for the month")
    days: Annotated[int, Field(ge=1, le=31)] | None = Field(
        default=None, description="lower only: the days of the month spent in hospital or an institution"
    )
    document: DocumentRef | None = None


class OtherInDwelling(_Strict):
    """A person who lives in the dwelling but is NOT part of the household applying."""

    kind: DwellerKind
    personnummer: Personnummer | None = None
    name: Name | None = None


class Attachment(_Strict):
    """A file that is part of the application: named by its id, its content fixed by its sha256."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=ATTACHMENT_ID_MAX, pattern=ATTACHMENT_ID_PATTERN)]
    sha256: Annotated[str, StringConstraints(pattern=SHA256_PATTERN)] = Field(
        description="the sha256 of the stored file, lower-case hex"
    )
    media_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: Annotated[int, Field(ge=1, le=ATTACHMENT_MAX_BYTES)] = Field(description="bytes")
    label: Label | None = None


V2_ONLY_COST_KINDS = (
    "medical_care",
    "prescription_medicine",
    "emergency_dental_care",
    "glasses",
    "preschool_fee",
    "after_school_fee",
)
HEALTH_COST_KINDS = ("medical_care", "prescription_medicine", "emergency_dental_care", "glasses")
"""The cost kinds that are health data (a case using them is never decided automatically)."""


def is_document_ref(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 128 and bool(_DOCUMENT_RE.fullmatch(value))
