"""One error base for finaid; each error carries the field or source it is about.

The CLI and the HTTP API map these to exit codes / HTTP status in one place each.
"""

from __future__ import annotations

from dataclasses import dataclass


class FinaidError(Exception):
    """Base of every error finaid raises on purpose."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field: its path in the bundle (``application.household[1].personnummer``)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InputError(FinaidError):
    """The input is invalid; ``errors`` names every bad field by its path."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class RulesError(FinaidError):
    """A rule pack or guideline is missing, inconsistent or failed while evaluating."""


class SourceError(FinaidError):
    """A registry source could not be reached or answered something unusable."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        super().__init__(f"{source}: {message}")


class ConfigurationError(FinaidError):
    """A setting needed for this command is missing or unsafe."""
