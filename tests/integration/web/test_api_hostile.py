"""Issue 18 through the HTTP API: hostile bundles answer 422 (never 500) and store nothing; big sums are 202."""

from __future__ import annotations

import json
import re

import pytest

from adapters.driving.api.routes import add_token
from tests.integration.web.conftest import EXAMPLES, Web

ANY_PNR = re.compile(r"\d{6,8}[-+]?\d{4}")
PNR = "198507092388"
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _bundle() -> dict[str, object]:
    data = json.loads(next(EXAMPLES.glob("01-*.json")).read_text())
    data["application"]["id"] = "APP-2023-HOSTILE-1"
    del data["registry"]
    return data  # type: ignore[no-any-return]


def _headers(web: Web) -> dict[str, str]:
    _, token = add_token(web.db, "e-tjanst", ["submit"], "cli:test", None)
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _hostile() -> dict[str, bytes]:
    month = _bundle()
    month["application"]["month"] = "２０２６-１０"  # type: ignore[index]
    arabic = _bundle()
    member = arabic["application"]["household"][1]  # type: ignore[index]
    member["personnummer"] = member["personnummer"].translate(ARABIC)
    text = json.dumps(_bundle())
    return {
        "month in full-width digits": json.dumps(month, ensure_ascii=False).encode(),
        "personnummer in Arabic-Indic digits": json.dumps(arabic, ensure_ascii=False).encode(),
        "deep nesting": b"[" * 50_000 + b"]" * 50_000,
        "personnummer key twice": text.replace('"schema"', f'"{PNR}": 1, "{PNR}": 2, "schema"', 1).encode(),
    }


@pytest.mark.parametrize("name", list(_hostile()))
def test_a_hostile_bundle_answers_422_and_stores_nothing(web: Web, name: str) -> None:
    before = web.scalar("SELECT count(*) FROM application_revision")
    r = web.client().post("/api/v1/applications", content=_hostile()[name], headers=_headers(web))
    assert r.status_code == 422, r.text
    assert r.json()["errors"] and not ANY_PNR.search(r.text), r.text
    assert web.scalar("SELECT count(*) FROM application_revision") == before


def test_a_bundle_proposing_more_than_the_contract_limit_is_accepted(web: Web) -> None:
    data = _bundle()
    data["application"]["costs"].append({"kind": "union_fee", "amount": "999999999.99"})  # type: ignore[index]
    r = web.client().post("/api/v1/applications", content=json.dumps(data), headers=_headers(web))
    assert r.status_code == 202, r.text
