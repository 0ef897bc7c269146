"""The application's files as the case bundle names them: a cost's ``document`` and ``application.attachments``
(docs/etjanst.md "Attachments"); re-exported by ``forms``."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from decision.bundle_parts import ATTACHMENT_LABEL_MAX, CONTROL_CATEGORIES, DOCUMENT_HASH


def document_ref(attachment_id: str, sha256: str) -> str:
    """A cost's /2 ``document``: the attachment's id and the sha256 of its stored content,
    ``<id>:sha256:<hex>`` — so the document's hash is part of the bundle and of the revision's content hash (a
    komplettering that only adds or replaces a document is a new revision)."""
    return f"{attachment_id}{DOCUMENT_HASH}{sha256}"


def bundle_label(label: str | None) -> str | None:
    """What the applicant called a file, as a bundle takes it: control characters and line breaks become spaces,
    runs of spaces one, at most ATTACHMENT_LABEL_MAX characters; None when nothing is left."""
    text = "".join(" " if unicodedata.category(ch) in CONTROL_CATEGORIES else ch for ch in label or "")
    return " ".join(text.split())[:ATTACHMENT_LABEL_MAX].strip() or None


def attachment_entries(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """The bundle's ``application.attachments`` of stored files (each with ``id``, ``sha256``, ``media_type``,
    ``size``, ``label``), in the order given (the store's: by id, the order added)."""
    out = []
    for r in rows:
        label = bundle_label(r.label)
        out.append({"id": r.id, "sha256": r.sha256, "media_type": r.media_type, "size": r.size,
                    **({"label": label} if label else {})})
    return out
