"""The web app's jinja2 environment: its own page templates (``templates/``), the beslutsunderlag's
filters and styles, and a municipality's overrides (``$FINAID_TEMPLATES_DIR``) first
(adapters/driven/render/templating.py)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from adapters.driven.db.casefile import amount_ore
from adapters.driven.render.templating import environment_over, month_sv
from adapters.driving.web.presentation import codes_sv, fact_value, when
from decision.money import format_kr_sv

WEB_TEMPLATES = Path(__file__).resolve().parent / "templates"

__all__ = ["WEB_TEMPLATES", "diff_kr", "environment", "month_sv"]


def diff_kr(new: str, old: str) -> str:
    """The change between two kronor strings, signed (``+1 200 kr``, ``−300 kr``, ``0 kr``)."""
    ore = amount_ore(new) - amount_ore(old)
    return ("+" if ore > 0 else "") + format_kr_sv(ore)


def environment() -> jinja2.Environment:
    env = environment_over((WEB_TEMPLATES,))
    env.filters["diff_kr"] = diff_kr
    env.filters["when"] = when  # Stockholm time with its zone on every page
    env.filters["ore_kr"] = format_kr_sv
    env.filters["kr_ore"] = amount_ore
    env.filters["fact_value"] = fact_value
    env.filters["codes_sv"] = codes_sv
    return env
