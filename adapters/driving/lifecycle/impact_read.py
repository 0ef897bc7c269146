"""Reading a stored case's bundle in an impact worker: fast where its recorded content hash proves the bytes are ours.

A bundle is stored as a revision only after ``parse_bundle`` accepted it (size, depth and duplicate keys, the
schema, the cross-field checks: decision/validation.py), under its content hash — the sha256 of its canonical JSON
(decision/services/intake.py, ``bundle_hash``). A stored decision that today's code made (the case whose stored
decision is its own baseline) was decided from those very bytes. So for such a case the worker:

1. parses the stored text once with orjson (the same values as json for what finaid stores) — the person keys of
   the run's access entry are read from it too;
2. recomputes the content hash from it and compares it with the revision's recorded one;
3. only when they agree, builds the bundle with the schema's own validation (``CaseBundle.model_validate_json``:
   every type, enum and format is still checked, nothing is constructed unchecked) and leaves out what intake
   already checked of these bytes (``decision.jsonload`` and the cross-field checks).

Anything else — no recorded hash, a hash that does not agree (altered bytes), a decision made by other code, a
text orjson refuses, a schema error — is read with ``parse_bundle`` as before, every check again.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import ValidationError

from decision.basis import canonical_json
from decision.bundle import CaseBundle
from decision.uow import ImpactCase
from decision.validation import parse_bundle


def content_hash(data: Any) -> str:
    """The content hash intake records for a bundle with this JSON value (``decision.services.intake.bundle_hash``)."""
    return "sha256:" + hashlib.sha256(canonical_json(data)).hexdigest()


def verified(case: ImpactCase, data: Any) -> bool:
    """The stored bytes are the ones recorded: their content hash is the revision's."""
    return case.content_hash is not None and content_hash(data) == case.content_hash


def read_stored(data: Any, case: ImpactCase) -> CaseBundle:
    """``case``'s bundle (``data``: its stored text already parsed): the schema checked, the rest of intake's checks
    only when its content hash is not the recorded one."""
    if verified(case, data):
        try:
            return CaseBundle.model_validate_json(case.bundle_json)
        except ValidationError:
            pass  # parse_bundle names every bad field, as for any other stored bundle
    return parse_bundle(case.bundle_json)


def household_personnummer(data: Any) -> list[str]:
    return [str(m["personnummer"]) for m in data["application"]["household"]]
