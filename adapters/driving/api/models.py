"""The API's request and response models (OpenAPI 3 at ``/api/openapi.json``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorItem(BaseModel):
    path: str = Field(description="the field's path in the contract (application.household[1].personnummer)")
    message: str


class Errors(BaseModel):
    errors: list[ErrorItem]


class Submitted(BaseModel):
    id: str = Field(description="the application id")
    revision: str = Field(description="the stored revision (same content again: the same revision)")
    content_hash: str
    state: str
    created: bool = Field(description="false when this exact content was already stored")


class Status(BaseModel):
    id: str
    state: str
    state_reason: str | None
    month: str
    municipality: str
    decision_id: str | None = Field(description="the current proposal")
    outcome: str | None = Field(description="the proposal's outcome (GRANT, PARTIAL, REJECT, MANUAL)")
    signed: bool
    updated_at: str


class Listing(BaseModel):
    applications: list[Status]


ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": Errors, "description": text} for code, text in (
    (401, "no or unknown token"), (403, "the token lacks the scope"), (404, "no such application"),
    (413, "the body is too large"), (415, "not JSON"), (422, "invalid input, every bad field by its path"),
    (429, "rate limit: retry after the seconds in Retry-After"),
)}
