"""``finaid schema decision-basis`` shows /2 (the current packs' output) and, with --version 1, /1."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from decision.basis_schema import json_schema
from decision.validation import parse_bundle

EXAMPLE = next((Path(__file__).resolve().parents[2] / "examples" / "bundles").glob("01*.json"))


@pytest.mark.parametrize(("version", "as_of"), [(2, date(2026, 12, 4)), (1, date(2026, 12, 3))])
def test_each_versions_schema_has_exactly_the_keys_of_a_basis_of_that_version(
    pipeline: Any, version: int, as_of: date
) -> None:
    schema = json_schema(version)
    basis = pipeline.decide(parse_bundle(EXAMPLE.read_bytes()), as_of=as_of).basis.to_json_dict()
    assert basis["schema"] == f"finaid.decision-basis/{version}"
    assert schema["title"] == basis["schema"] and schema["properties"]["schema"]["const"] == basis["schema"]
    assert set(schema["properties"]) == set(basis) and set(schema["required"]) <= set(basis)
    assert ("names" in schema["properties"]) is (version == 2)
    json.dumps(schema)  # printable


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="1 or 2"):
        json_schema(3)
