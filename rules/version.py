"""The code version recorded with every decision: package version + a hash of the rule code.

The hash covers the Python code that shapes a decision outside the packs (decision/ and rules/;
packs, drafts and guidelines excluded: a pack's hash covers its own formula module): replay tells
"different because the code changed" from "different with the same code" by comparing it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def package_version() -> str:
    try:
        return metadata.version("finaid")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


@lru_cache(maxsize=1)
def code_hash() -> str:
    h = hashlib.sha256()
    for folder in ("decision", "rules"):
        base = _ROOT / folder
        for file in sorted(base.rglob("*.py")):
            rel = file.relative_to(_ROOT)
            if rel.parts[1:2] in (("packs",), ("guidelines",), ("drafts",)) or "__pycache__" in rel.parts:
                continue
            h.update(rel.as_posix().encode("utf-8") + b"\0" + file.read_bytes())
    return h.hexdigest()[:16]


def code_version() -> str:
    return f"{package_version()}+{code_hash()}"
