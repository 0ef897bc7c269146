"""Golden hashes: the evaluator decides exactly as it did when the hashes were recorded.

Every example household (examples/bundles), a few hundred synthetic households from the one seeded
generator (adapters/devtools/synthetic.py, sealed with the registry answers their people would get, so no
network: tests/caseload.py) and a few hundred random valid bundles (tests/strategies.py) are decided
under EVERY published pack with the municipality's guideline; the sha256 of the canonical basis JSON
and of the trace JSON of each must equal the recorded ones (an evaluation that fails records its
error message instead). Replay of stored decisions rests on this: a refactor of the evaluator must
reproduce every hash. The hashes were written once, before rules/evaluator.py became a package:

    .venv/bin/python -m tests.unit.test_evaluator_golden --write

Never rewrite them to make a failing refactor pass; a new pack adds its own entries.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from decision.basis import build_basis, canonical_json
from decision.errors import FinaidError
from decision.validation import parse_bundle
from rules.catalog import Catalog, RulePack
from rules.evaluator import PackEvaluator
from tests.caseload import seal
from tests.strategies import random_bundles

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden" / "evaluator_hashes.json"
SYNTHETIC = (300, 20261203)  # households, seed
RANDOM = (200, 4711)  # bundles, seed


def bundles() -> Iterator[tuple[str, str]]:
    """(name, bundle JSON text) for every case of the golden set, in a fixed order."""
    from adapters.devtools.synthetic import households

    for file in sorted((ROOT / "examples" / "bundles").glob("*.json")):
        yield f"example:{file.name}", file.read_text(encoding="utf-8")
    for i, h in enumerate(households(*SYNTHETIC)):
        yield f"synthetic:{i}:{h.archetype}", json.dumps(seal(h), ensure_ascii=False)
    for i, text in enumerate(random_bundles(*RANDOM)):
        yield f"random:{i}", text


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(evaluator: PackEvaluator, catalog: Catalog, text: str, pack: RulePack) -> dict[str, str]:
    bundle = parse_bundle(text)
    # the guideline in force when the pack was published (the _v1 packs: default_v1, as recorded)
    guideline = catalog.guideline_for(bundle.application.municipality, pack.published_at)
    try:
        evaluation = evaluator.evaluate_with(bundle, pack, guideline)
        basis = build_basis(bundle, evaluation)
    except FinaidError as e:
        return {"error": f"{type(e).__name__}: {e}"}
    trace = canonical_json([s.to_json() for s in evaluation.trace])
    return {"basis": _sha(basis.canonical_json()), "trace": _sha(trace)}


def compute_all() -> dict[str, dict[str, str]]:
    catalog = Catalog()
    evaluator = PackEvaluator(catalog)
    packs = [catalog.packs[k] for k in sorted(catalog.packs) if catalog.packs[k].published]
    out: dict[str, dict[str, str]] = {}
    for name, text in bundles():
        for pack in packs:
            out[f"{name}|{pack.id}"] = digest(evaluator, catalog, text, pack)
    return out


@pytest.fixture(scope="module")
def golden() -> dict[str, dict[str, str]]:
    recorded: dict[str, dict[str, str]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return recorded


def test_every_basis_and_trace_hash_is_reproduced(golden: dict[str, dict[str, str]]) -> None:
    now = compute_all()
    assert sorted(now) == sorted(golden), "the golden set of cases changed"
    differ = [k for k in golden if now[k] != golden[k]]
    assert differ == [], f"{len(differ)} of {len(golden)} differ, e.g. {differ[:5]}"


def test_the_golden_set_is_substantial(golden: dict[str, dict[str, str]]) -> None:
    decided = [k for k, v in golden.items() if "basis" in v]
    assert len(golden) >= 2 * (15 + SYNTHETIC[0] + RANDOM[0])
    assert len(decided) >= len(golden) // 2
    assert {k.rsplit("|", 1)[1] for k in decided} == {
        "sol2001_453_v1", "sol2025_400_v1", "sol2001_453_v2", "sol2025_400_v2", "sol2001_453_v3", "sol2025_400_v3",
        "sol2001_453_v4", "sol2025_400_v4"}


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python -m tests.unit.test_evaluator_golden --write")
    GOLDEN.write_text(json.dumps(compute_all(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
