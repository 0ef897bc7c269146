"""What finaid asks SSBTEK (one query per adult, children only for Skatteverket when they earn), the
envelope's shape, and the settings that must be safe before any call is made."""

from __future__ import annotations

import base64
import json
import os
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from adapters.driven.evidence import MemoryEvidenceStore
from adapters.driven.ssbtek.client import LAGTEXT_SOL_2001, LAGTEXT_SOL_2025, ClientConfig, SsbtekRegistrySource
from adapters.driven.ssbtek.envelope import build_ping, build_query
from adapters.driven.ssbtek.model import NS_SSBT
from adapters.settings import Settings
from decision.bundle import Source
from decision.errors import ConfigurationError
from decision.validation import parse_bundle

NS = {"s": NS_SSBT}


def bundle(month: str = "2023-03", child_income: bool = True) -> object:
    incomes = [{"person": "198703114424", "kind": "salary", "amount": "12000.00"}]
    if child_income:
        incomes.append({"person": "201310206725", "kind": "other", "amount": "300"})
    return parse_bundle(
        json.dumps(
            {
                "schema": "finaid.case-bundle/1",
                "application": {
                    "id": "APP-2023-000042",
                    "municipality": "1287",
                    "month": month,
                    "kind": "reapplication",
                    "submitted_at": f"{month}-01T08:12:00+01:00",
                    "household": [
                        {"personnummer": "198507092388", "role": "applicant"},
                        {"personnummer": "198703114424", "role": "partner"},
                        {"personnummer": "201811045614", "role": "child"},
                        {"personnummer": "201310206725", "role": "child"},
                    ],
                    "incomes": incomes,
                },
            }
        )
    )


def source(**kw: object) -> SsbtekRegistrySource:
    return SsbtekRegistrySource(ClientConfig(url="http://127.0.0.1:9/ssbtek", **kw), MemoryEvidenceStore())  # type: ignore[arg-type]


def test_one_query_per_adult_and_skatteverket_only_for_a_child_with_declared_income() -> None:
    queries = source().queries(bundle())  # type: ignore[arg-type]
    assert [q.person for q in queries] == ["198507092388", "198703114424", "201310206725"]
    assert queries[0].sources == tuple(Source)
    assert queries[2].sources == (Source.SKATTEVERKET,)
    assert len({q.korrelationsid for q in queries}) == 3
    assert (queries[0].period_from, queries[0].period_to) == (date(2023, 2, 1), date(2023, 4, 30))
    no_child = source().queries(bundle(child_income=False))  # type: ignore[arg-type]
    assert [q.person for q in no_child] == ["198507092388", "198703114424"]


def test_the_query_envelope_has_v10s_elements_in_order_and_inkludera_per_guideline() -> None:
    q = source().queries(bundle())[0]  # type: ignore[arg-type]
    root = etree.fromstring(build_query(q))
    gen = root.find(".//s:generellaFrageparametrar", NS)
    assert gen is not None
    assert [etree.QName(c).localname for c in gen] == [
        "frageTidpunkt", "korrelationsid", "fraganSkallInkluderasISvaret", "ingivare", "personidentitet",
        "arendeidentitet", "tidsperiod", "syfte", "lagtext",
    ]
    assert gen.findtext("s:personidentitet", namespaces=NS) == "198507092388"
    assert gen.findtext("s:arendeidentitet", namespaces=NS) == "APP-2023-000042"
    assert gen.findtext("s:lagtext", namespaces=NS) == LAGTEXT_SOL_2001
    spec = root.find(".//s:specifikaFrageparametrar", NS)
    assert spec is not None
    assert [(etree.QName(c).localname, c.get("inkludera")) for c in spec] == [
        ("AF", "true"), ("CSN", "true"), ("FK", "true"), ("SKV", "true"), ("SO", "true"), ("TNS", "false"),
        ("MIV", "true"),
    ]
    fraga = spec.find("s:FK/s:fraga", NS)
    assert fraga is not None
    assert fraga.findtext("s:version", namespaces=NS) == "v9"
    assert fraga.findtext("s:aktorsid", namespaces=NS) == "finaid-sandbox"
    lefi = json.loads(base64.b64decode(fraga.findtext("s:lefiJsonFraga", namespaces=NS) or ""))
    assert lefi["personnummer"] == "198507092388"
    assert lefi["period"] == {"from": "2023-02-01", "tom": "2023-04-30"}
    assert "FK:ABB" in lefi["formansinformation"] and "PM:AP" in lefi["utbetalningar"]
    assert lefi["ovrigInformation"] == ["FK:GEPI"]


def test_lagtext_follows_the_law_of_the_month_and_can_be_overridden() -> None:
    assert source().queries(bundle("2025-07"))[0].lagtext == LAGTEXT_SOL_2025  # type: ignore[arg-type]
    assert source().queries(bundle("2025-06"))[0].lagtext == LAGTEXT_SOL_2001  # type: ignore[arg-type]
    assert source(lagtext="egen lagtext").queries(bundle())[0].lagtext == "egen lagtext"  # type: ignore[arg-type]


def test_a_child_query_asks_skatteverket_only_and_never_transportstyrelsen() -> None:
    q = source(include_tns=True).queries(bundle())[2]  # type: ignore[arg-type]
    spec = etree.fromstring(build_query(q)).find(".//s:specifikaFrageparametrar", NS)
    assert spec is not None
    assert [c.get("inkludera") for c in spec] == ["false", "false", "false", "true", "false", "false", "false"]


def test_ping_is_an_empty_testa_request() -> None:
    root = etree.fromstring(build_ping())
    body = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    assert body is not None and len(body[0]) == 0
    assert body[0].tag == f"{{{NS_SSBT}}}testaBastjanstInformation"


# ------------------------------------------------------------------------------------ settings


def settings(**kw: object) -> Settings:
    return Settings(**kw)  # type: ignore[arg-type]


def test_outside_demo_mode_no_url_means_no_registry_and_says_what_to_set() -> None:
    with pytest.raises(ConfigurationError, match="FINAID_SSBTEK_URL"):
        ClientConfig.from_settings(settings(mode="production"))


def test_demo_mode_uses_the_loopback_sandbox_over_plain_http() -> None:
    cfg = ClientConfig.from_settings(settings(mode="demo"))
    assert cfg.url == "http://127.0.0.1:8088/ssbtek"
    assert cfg.allow_provisional_skv is True


@pytest.mark.parametrize(
    ("mode", "url", "message"),
    [
        ("production", "http://127.0.0.1:8088/ssbtek", "only in demo mode"),
        ("demo", "http://10.0.0.5:8088/ssbtek", "loopback"),
        ("demo", "ftp://127.0.0.1/ssbtek", "https"),
        ("production", "https://ssbtek.example/ssbtek", "FINAID_SSBTEK_CERT"),
    ],
)
def test_unsafe_registry_settings_are_refused(mode: str, url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        ClientConfig.from_settings(settings(mode=mode, ssbtek_url=url))


def test_the_private_key_must_have_mode_0600(tmp_path: Path) -> None:
    cert, key, ca = tmp_path / "c.pem", tmp_path / "k.pem", tmp_path / "ca.pem"
    for f in (cert, key, ca):
        f.write_text("x")
    os.chmod(key, 0o644)
    common = {
        "mode": "production",
        "ssbtek_url": "https://ssbtek.example/ssbtek",
        "ssbtek_cert": cert,
        "ssbtek_key": key,
        "ssbtek_ca": ca,
        "ssbtek_organisationsnummer": "162120000001",
        "ssbtek_aktorsid": "a-1",
    }
    with pytest.raises(ConfigurationError, match="mode 0600"):
        ClientConfig.from_settings(settings(**common))
    os.chmod(key, 0o600)
    cfg = ClientConfig.from_settings(settings(**common))
    assert cfg.key == key and cfg.allow_provisional_skv is False


def test_organisationsnummer_must_be_twelve_digits() -> None:
    with pytest.raises(ConfigurationError, match="12 digits"):
        ClientConfig.from_settings(settings(mode="demo", ssbtek_organisationsnummer="2120000001"))
