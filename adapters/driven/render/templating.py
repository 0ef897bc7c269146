"""One way to build a jinja2 environment for finaid's HTML: a municipality's overrides
(``$FINAID_TEMPLATES_DIR``) first — no fork needed to change a letter or a page — then the caller's own
template folders, then the beslutsunderlag's templates (``adapters/driven/render/templates``) with their
filters and styles. Used by the decision letters (adapters/driven/letters) and the web app's pages.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import jinja2

from adapters.driven.render.html import TEMPLATE_DIR as BASIS_TEMPLATES
from adapters.driven.render.html import environment as basis_environment

MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")


def month_sv(month: str) -> str:
    return f"{MONTHS_SV[int(month[5:7]) - 1]} {month[:4]}"


_PROJECT_DOC = re.compile(r"\s*\((?:docs/)?[\w-]+\.md(?: avsnitt [\w.]+)?\)")


def lagrum(reference: str | None) -> str:
    """A legal reference as a person reads it: a pointer into finaid's own documentation
    (``(docs/domain.md avsnitt 3b)``, written into a published guideline) is left out."""
    return _PROJECT_DOC.sub("", reference or "")


@lru_cache(maxsize=8)
def _env(folders: tuple[str, ...], override: str | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if override:
        loaders.append(jinja2.FileSystemLoader(override))
    loaders += [jinja2.FileSystemLoader(f) for f in folders]
    loaders.append(jinja2.FileSystemLoader(str(BASIS_TEMPLATES)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(basis_environment().filters)
    env.filters["month_sv"] = month_sv
    env.filters["lagrum"] = lagrum
    return env


def environment_over(folders: Iterable[Path]) -> jinja2.Environment:
    """The environment over ``folders`` (overrides first, the basis's templates last); cached per folders."""
    return _env(tuple(str(f) for f in folders), os.environ.get("FINAID_TEMPLATES_DIR") or None)


def hash_templates(env: jinja2.Environment, names: Iterable[str]) -> str:
    """sha256 over the templates as they resolve (overrides included), each path NUL bytes."""
    digest = hashlib.sha256()
    assert env.loader is not None
    for name in sorted(names):
        source, _, _ = env.loader.get_source(env, name)
        digest.update(name.encode("utf-8") + b"\0" + source.encode("utf-8") + b"\0")
    return "sha256:" + digest.hexdigest()
