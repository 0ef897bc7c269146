"""Every finding a rule pack or guideline can raise has a Swedish label for the workbench and the morning report.

The handler reads the label in the queue, on the case page and in the morning report
(``adapters/driving/batch/report.py: FINDING_SV``); a code without one would show raw (the browser test
``test_no_page_shows_a_code…`` finds that only for the findings its example households happen to raise).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from adapters.driving.batch.report import FINDING_SV

RULES = Path(__file__).resolve().parents[2] / "rules"


def finding_codes(node: Any) -> set[str]:
    """The ``code`` of every entry of kind ``finding`` anywhere in a manifest."""
    found: set[str] = set()
    if isinstance(node, dict):
        if node.get("kind") == "finding" and isinstance(node.get("code"), str):
            found.add(node["code"])
        for value in node.values():
            found |= finding_codes(value)
    elif isinstance(node, list):
        for value in node:
            found |= finding_codes(value)
    return found


def test_every_finding_of_every_pack_and_guideline_has_a_swedish_label() -> None:
    manifests = sorted(RULES.glob("packs/*/manifest.yaml")) + sorted(RULES.glob("guidelines/**/*.yaml")) + sorted(
        RULES.glob("drafts/*/manifest.yaml"))
    codes: dict[str, str] = {}
    for path in manifests:
        for code in finding_codes(yaml.safe_load(path.read_text(encoding="utf-8"))):
            codes.setdefault(code, str(path.relative_to(RULES)))
    assert "household.others_in_dwelling" in codes and len(codes) > 30  # not vacuous: the /2 packs are read
    missing = {code: where for code, where in codes.items() if code not in FINDING_SV}
    assert missing == {}, missing
    assert all(label.strip() and label != code for code, label in FINDING_SV.items())
