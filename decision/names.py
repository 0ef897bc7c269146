"""Search by name: a household member's name as normalised tokens, stored only as keyed HMACs.

A name is never stored in the index (nor logged): each of its tokens is keyed with the same secret as the
household key and the access log's person index (a different message prefix, so a token's HMAC can never
equal a personnummer's). An HMAC matches only an identical token, so a search needs each full first or last
name — a prefix or part of a name finds nothing (docs/web.md, "Search").

Normalisation (:func:`tokens`): Unicode NFKC, then case-folded, split on white space and hyphens (every
Unicode dash). Accents are NOT stripped: å, ä and ö are letters of their own in Swedish (Åsa is not Asa).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Protocol

from decision.bundle import CaseBundle

# white space, the hyphen-minus and every Unicode dash (Pd): "Anna-Karin" is two tokens
_SPLIT = re.compile(r"[\s\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]+")


def tokens(name: str) -> list[str]:
    """The distinct normalised tokens of a name, in their first order (empty for a blank name)."""
    # NFKC again after case folding: folding can leave a sequence that is not in normal form
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    out: list[str] = []
    for part in _SPLIT.split(text):
        if part and part not in out:
            out.append(part)
    return out


def entries(bundle: CaseBundle, person_key: Callable[[str], str | None],
            name_key: Callable[[str], str | None]) -> list[tuple[str, str]]:
    """(person key, token key) of every named household member's tokens; none when no key is configured.

    Only the keyed HMACs leave this function: the clear name never reaches the repository."""
    out: list[tuple[str, str]] = []
    for member in bundle.application.household:
        name = getattr(member, "name", None)
        if not name:
            continue
        person = person_key(member.personnummer)
        if person is None:
            return []
        for token in tokens(str(name)):
            key = name_key(token)
            if key is None:
                return []
            if (person, key) not in out:
                out.append((person, key))
    return out


class NameIndex(Protocol):
    """The keyed name index (table ``name_index``): append-only for the services, removed by gallring."""

    def add(self, application_id: str, rows: Sequence[tuple[str, str]]) -> int:
        """Store (person key, token key) rows of an application not stored yet; how many were new."""
        ...
