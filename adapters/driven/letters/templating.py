"""The letters' templates (``templates/letter.html`` and ``letter.css``), overridable per municipality
with ``$FINAID_TEMPLATES_DIR``; the template set's hash is recorded with every letter (docs/web.md)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import jinja2

from adapters.driven.render.templating import environment_over, hash_templates, month_sv

LETTER_DIR = Path(__file__).resolve().parent / "templates"
LETTER_TEMPLATES = ("letter.html", "letter.css")

__all__ = ["LETTER_DIR", "LETTER_TEMPLATES", "environment", "month_sv", "template_set_hash"]


def environment() -> jinja2.Environment:
    return environment_over((LETTER_DIR,))


def template_set_hash(names: Iterable[str] = LETTER_TEMPLATES) -> str:
    """sha256 over the letter templates as they resolve (overrides included), each path NUL bytes."""
    return hash_templates(environment(), names)
