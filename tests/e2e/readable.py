"""What a person reads on a rendered page: its visible text (and the labels a screen reader speaks), without
the small-type code labels; the words hunspell's Swedish dictionary and the project glossary do not know;
raw codes and Python values that leak into that text."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

GLOSSARY = Path(__file__).resolve().parent / "glossary-sv.dic"
HUNSPELL = shutil.which("hunspell")
SV_DIC = Path("/usr/share/hunspell/sv_SE.dic")
NO_HUNSPELL = "hunspell with the Swedish dictionary is missing: apt-get install -y hunspell hunspell-sv (make test)"
HAS_HUNSPELL = HUNSPELL is not None and SV_DIC.exists()

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
HIDDEN_TAGS = {"script", "style", "code"}
HIDDEN_CLASSES = {"code", "hash"}  # the small-type code label beside a Swedish label, and hashes
SPOKEN = ("aria-label", "placeholder", "title", "alt")

CODE_WORDS = re.compile(
    r"\b(True|False|None|no_data|unavailable|received|proposed|awaiting_second_signature|auto_approved|"
    r"failed|failed_permanent|second_signature_refused|signed|returned|fetched|letter_created|registry_unavailable)\b"
    r"|\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*(?:\.[a-z_]+)*\b"  # a dotted code (labour.not_registered)
    r"|\b[a-z]+_[a-z_]+\b"  # a snake_case name (protected_identity)
    r"|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"  # an ISO time as Python prints it
    r"|[+-]\d{2}:\d{2}\b"  # a UTC offset instead of the zone's name
)


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: hidden?
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        hidden = (bool(self.stack) and self.stack[-1]) or tag in HIDDEN_TAGS or bool(classes & HIDDEN_CLASSES)
        if not hidden:
            self.parts.extend(f" {a[k]} " for k in SPOKEN if a.get(k))
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.parts.append(f" {a['value']} ")
        if tag not in VOID:
            self.stack.append(hidden)
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


def raw_codes(text: str) -> list[str]:
    return sorted({m.group(0) for m in CODE_WORDS.finditer(text)} - {"m.fl", "bl.a", "t.ex", "s.k"})


# identifiers, numbers and the like are not words to spell-check
NOT_WORDS = re.compile(r"\b(?:APP|DEMO|REQ|SSBTEK|BATCH)[-\w]*|\b[\w.+-]+@[\w.-]+|https?://\S+|\S*\d\S*")
WORD = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü]+(?:-[A-Za-zÅÄÖåäöÉéÜü]+)*")


def words(text: str) -> set[str]:
    out: set[str] = set()
    for w in WORD.findall(NOT_WORDS.sub(" ", text)):
        out.update(p for p in w.split("-") if len(p) > 1)
    return out


def unknown_words(all_words: set[str]) -> list[str]:
    """The words neither hunspell's Swedish dictionary (sv_SE) nor the project glossary knows."""
    assert HUNSPELL is not None
    env = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": str(GLOSSARY.parent)}  # without HOME, -p is ignored
    run = subprocess.run([HUNSPELL, "-d", str(SV_DIC.with_suffix("")), "-p", str(GLOSSARY), "-i", "UTF-8", "-l"],
                         input="\n".join(sorted(all_words)), capture_output=True, text=True, check=True, env=env)
    return sorted(set(run.stdout.split()))
