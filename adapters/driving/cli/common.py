"""What the command modules share: the services handed down by ``main``, reading a bundle file, option types."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

from decision.errors import FieldError, InputError
from decision.jsonload import MAX_BYTES

if TYPE_CHECKING:
    from adapters.bootstrap import Services

PurposeOpt = Annotated[
    str,
    typer.Option(help="Why you read this (access log): handlaggning, uppfoljning, revision, tillsyn, registerutdrag."),
]


def services(ctx: typer.Context) -> Services:
    """The services ``main`` built once for this command (typer's ``ctx.obj``)."""
    obj = ctx.find_root().obj if ctx.obj is None else ctx.obj
    if obj is None:  # pragma: no cover - main() always hands them down
        raise RuntimeError("finaid's commands run through adapters.driving.cli.main:main")
    found: Services = obj
    return found


def read_file(path: Path) -> bytes:
    try:
        with path.open("rb") as f:  # one byte past the limit is enough for parse_bundle to refuse it
            return f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError([FieldError("", f"file not found: {path}")]) from None
    except IsADirectoryError:
        raise InputError([FieldError("", f"is a directory, not a bundle file: {path}")]) from None
    except OSError as e:
        raise InputError([FieldError("", f"cannot read {path}: {e.strerror}")]) from None


def read_bundle_bytes(bundle: Path) -> bytes:
    """The bundle's bytes; ``-`` reads stdin."""
    return sys.stdin.buffer.read(MAX_BYTES + 1) if str(bundle) == "-" else read_file(bundle)


def month(value: str | None, name: str) -> str | None:
    if value is not None and not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", value):
        raise InputError([FieldError(name, "must be a month YYYY-MM")])
    return value


def day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError([FieldError(name, "must be a date YYYY-MM-DD")]) from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def stockholm(at: datetime | str) -> str:
    """A time as a person in Sweden reads it: Stockholm time with its zone (``2026-12-03 14:05:00 CET``); a
    time stored without a zone is UTC. For output meant for people; JSON output keeps ISO 8601."""
    t = datetime.fromisoformat(at) if isinstance(at, str) else at
    local = (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(ZoneInfo("Europe/Stockholm"))
    return local.strftime("%Y-%m-%d %H:%M:%S ") + (local.tzname() or "")
