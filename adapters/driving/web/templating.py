"""The web app's jinja2 environment: its own page templates (``templates/``), the beslutsunderlag's
filters and styles, and a municipality's overrides (``$FINAID_TEMPLATES_DIR``) first
(adapters/driven/render/templating.py)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from adapters.driven.db.casefile import amount_ore
from adapters.driven.render.templating import environment_over, month_sv
from adapters.driving.web.presentation import codes_sv, fact_value, when
from decision.money import format_kr_digits, format_kr_sv

WEB_TEMPLATES = Path(__file__).resolve().parent / "templates"

__all__ = ["WEB_TEMPLATES", "bytes_sv", "diff_kr", "environment", "kr_form", "month_sv"]


def kr_form(amount: str) -> str:
    """A kronor string (``3940.00``) as a Swedish person writes it in an amount field: ``3 940,00`` with
    no-break spaces between the thousands — what decision.strict.parse_form_kronor reads back to the same öre."""
    return format_kr_digits(amount_ore(amount))


def diff_kr(new: str, old: str) -> str:
    """The change between two kronor strings, signed (``+1 200 kr``, ``−300 kr``, ``0 kr``)."""
    ore = amount_ore(new) - amount_ore(old)
    return ("+" if ore > 0 else "") + format_kr_sv(ore)


def bytes_sv(size: int) -> str:
    """A file's size as a Swedish reader reads it: ``812 byte``, ``48,2 kB``, ``3,1 MB`` (1 kB = 1 024 byte)."""
    if size < 1024:
        return f"{size}\u00a0byte"
    value, unit = (size / 1024, "kB") if size < 1024 * 1024 else (size / (1024 * 1024), "MB")
    return f"{value:.1f}".replace(".", ",") + f"\u00a0{unit}"


def environment() -> jinja2.Environment:
    env = environment_over((WEB_TEMPLATES,))
    env.filters["diff_kr"] = diff_kr
    env.filters["when"] = when  # Stockholm time with its zone on every page
    env.filters["ore_kr"] = format_kr_sv
    env.filters["kr_ore"] = amount_ore
    env.filters["kr_form"] = kr_form
    env.filters["fact_value"] = fact_value
    env.filters["codes_sv"] = codes_sv
    env.filters["bytes_sv"] = bytes_sv
    return env
