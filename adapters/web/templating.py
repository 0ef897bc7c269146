"""The web app's jinja2 environment: its own templates, the beslutsunderlag's filters and styles, and
a municipality's overrides (``$FINAID_TEMPLATES_DIR``) first — no fork needed to change a letter.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import jinja2

from adapters.render.html import TEMPLATE_DIR as BASIS_TEMPLATES
from adapters.render.html import environment as basis_environment

WEB_TEMPLATES = Path(__file__).resolve().parent / "templates"
LETTER_TEMPLATES = ("letter.html", "letter.css")

MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")


def month_sv(month: str) -> str:
    return f"{MONTHS_SV[int(month[5:7]) - 1]} {month[:4]}"


def diff_kr(new: str, old: str) -> str:
    """The change between two kronor strings, signed (``+1 200 kr``, ``−300 kr``, ``0 kr``)."""
    from adapters.web.casefile import amount_ore
    from decision.money import format_kr_sv

    ore = amount_ore(new) - amount_ore(old)
    return ("+" if ore > 0 else "") + format_kr_sv(ore)


@lru_cache(maxsize=4)
def _env(override: str | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if override:
        loaders.append(jinja2.FileSystemLoader(override))
    loaders += [jinja2.FileSystemLoader(str(WEB_TEMPLATES)), jinja2.FileSystemLoader(str(BASIS_TEMPLATES))]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(basis_environment().filters)
    env.filters["month_sv"] = month_sv
    env.filters["diff_kr"] = diff_kr
    return env


def environment() -> jinja2.Environment:
    return _env(os.environ.get("FINAID_TEMPLATES_DIR") or None)


def template_set_hash(names: Iterable[str] = LETTER_TEMPLATES) -> str:
    """sha256 over the templates as they resolve (overrides included), each path NUL bytes."""
    env = environment()
    digest = hashlib.sha256()
    assert env.loader is not None
    for name in sorted(names):
        source, _, _ = env.loader.get_source(env, name)
        digest.update(name.encode("utf-8") + b"\0" + source.encode("utf-8") + b"\0")
    return "sha256:" + digest.hexdigest()
