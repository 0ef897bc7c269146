"""The e-service's languages: gettext catalogues (``locale/<lang>/LC_MESSAGES/etjanst.po``), read with Babel.

The message ids are the English texts; Swedish (klarspråk) is the default language. The ``.po`` files are
committed; they are compiled into memory when the app starts (no ``.mo`` files to build or ship). Adding a
language is a new catalogue and a line in :data:`LANGUAGES` — no code. ``python -m
adapters.driving.etjanst.i18n`` re-extracts the message ids into ``locale/etjanst.pot`` and merges them into
each catalogue (new entries empty: ``tests/unit/etjanst/test_i18n.py`` fails until they are translated).
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parent / "locale"
DOMAIN = "etjanst"
LANGUAGES = {"sv": "Svenska", "en": "English"}
DEFAULT = "sv"


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.GNUTranslations:
    """The compiled catalogue of a language (compiled from its .po once per process)."""
    if lang not in LANGUAGES:
        lang = DEFAULT
    with po_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def pick(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT


def extract() -> set[str]:
    """Every message id in the e-service's templates and Python modules."""
    from babel.messages.extract import extract_from_dir

    root = Path(__file__).resolve().parent
    method_map = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
    return {msg for _f, _l, msg, _c, _ctx in extract_from_dir(str(root), method_map, keywords={"_": None, "N_": None})
            if isinstance(msg, str) and msg}


def _update() -> None:  # pragma: no cover - a maintainer's tool
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    ids = sorted(extract())
    for lang in LANGUAGES:
        path = po_path(lang)
        old = {}
        if path.exists():
            with path.open("rb") as f:
                old = {m.id: m.string for m in read_po(f, locale=lang) if m.id}
        cat = Catalog(locale=lang, domain=DOMAIN, project="finaid e-tjänst")
        for msgid in ids:
            cat.add(msgid, old.get(msgid, msgid if lang == "en" else ""))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, cat, width=120, omit_header=False, sort_output=True)


if __name__ == "__main__":  # pragma: no cover
    _update()
