"""The e-service's catalogues are complete: every message id in its templates and modules is translated in the
Swedish and the English catalogue (a new text without a translation fails here), and both compile."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from adapters.driving.etjanst import i18n


@pytest.fixture(scope="module")
def used() -> set[str]:
    ids = i18n.extract()
    assert len(ids) > 150  # the extraction sees the templates and the modules (not a vacuous pass)
    assert "Apply for financial assistance" in ids and "Write the amount in kronor, for example 1250 or 1250,50." in ids
    return ids


@pytest.mark.parametrize("lang", sorted(i18n.LANGUAGES))
def test_every_text_is_translated(lang: str, used: set[str]) -> None:
    with i18n.po_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang)
    translated = {m.id: m.string for m in catalog if m.id}
    missing = sorted(msg for msg in used if not translated.get(msg))
    assert missing == [], f"{lang}: untranslated (run python -m adapters.driving.etjanst.i18n, then translate)"


@pytest.mark.parametrize("lang", sorted(i18n.LANGUAGES))
def test_placeholders_survive_translation(lang: str, used: set[str]) -> None:
    import re

    gettext = i18n.translations(lang).gettext
    for msg in used:
        assert set(re.findall(r"\{\w+\}", gettext(msg))) == set(re.findall(r"\{\w+\}", msg)), msg


def test_swedish_is_the_default_and_reads_swedish() -> None:
    assert i18n.pick(None) == "sv" and i18n.pick("xx") == "sv"
    assert i18n.translations("sv").gettext("Apply for financial assistance") == "Ansök om ekonomiskt bistånd"
    assert i18n.translations("en").gettext("Apply for financial assistance") == "Apply for financial assistance"
