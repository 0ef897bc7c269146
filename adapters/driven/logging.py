"""structlog, configured once: JSON lines in batch/server mode, readable in a terminal.

A processor redacts, whatever the caller passes:

* personnummer (any 10/12-digit number shaped like one, with or without '-'), in any string;
* names BY FIELD: the value of any key ``name``/``namn`` (or ending in ``_name``/``namn``, e.g.
  ``full_name``, ``efternamn``) at any depth, whatever it holds — case bundle /2 carries people's names
  (``household[].name``, ``others_in_dwelling[].name``) and no list of known names can hold them all;
* any pydantic model passed as a value (a bundle member, a whole bundle), which is logged as its JSON
  form with the two rules above applied (never its ``repr``, which would show a name);
* and, as before, the synthetic population's fictitious names in free text (``register_names``).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog
from pydantic import BaseModel

_PNR = re.compile(r"(?<!\d)(\d{2})?(\d{2})(\d{2})(\d{2})[-+]?\d{4}(?!\d)")
_names: set[str] = set()


def register_names(names: Iterable[str]) -> None:
    """Names that must never reach a log line (the synthetic population's fictitious names)."""
    _names.update(n for n in names if n)


def redact_text(text: str) -> str:
    text = _PNR.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}{m.group(3)}xx-xxxx", text)
    for name in _names:
        if name in text:
            text = text.replace(name, "[namn]")
    return text


NAME_REDACTED = "[namn]"


def is_name_key(key: object) -> bool:
    """A field that holds a person's name: ``name``, ``namn``, ``*_name``, ``*namn`` (any case)."""
    if not isinstance(key, str):
        return False
    k = key.lower()
    return k in ("name", "namn") or k.endswith(("_name", "namn", "-name"))


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, BaseModel):  # a bundle, a member: its wire form, never its repr
        return _redact(value.model_dump(mode="json", by_alias=True, exclude_none=True))
    if isinstance(value, dict):
        return {k: (NAME_REDACTED if is_name_key(k) and v is not None else _redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact(v) for v in value]
    return value


def redact_processor(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event.keys()):
        event[key] = NAME_REDACTED if is_name_key(key) and event[key] is not None else _redact(event[key])
    return event


def configure(json_logs: bool | None = None, level: int = logging.INFO) -> None:
    """Configure structlog once; JSON when not on a terminal (or when asked)."""
    if json_logs is None:
        json_logs = not sys.stderr.isatty()
    renderer: Any = structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )


def get_logger(**bind: Any) -> Any:
    return structlog.get_logger().bind(**bind)
