from __future__ import annotations

import io
import json
from datetime import date

import structlog

from adapters.driven import logging as flog
from decision import personnummer as pnr


def test_personnummer_and_names_are_redacted_whatever_the_caller_passes() -> None:
    number = pnr.make(date(1985, 7, 9), 238)
    flog.register_names(["Testa Exempelsson"])
    out = io.StringIO()
    structlog.configure(
        processors=[flog.redact_processor, structlog.processors.JSONRenderer()],
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    structlog.get_logger().info(
        "fetched", person=number, note=f"för {number[:8]}-{number[8:]} Testa Exempelsson", items=[number]
    )
    line = out.getvalue()
    assert number not in line and number[2:] not in line and f"{number[:8]}-{number[8:]}" not in line
    assert "Exempelsson" not in line
    data = json.loads(line)
    assert data["person"] == "198507xx-xxxx"
    structlog.reset_defaults()


def test_names_are_redacted_by_field_not_by_a_list() -> None:
    """A name nobody registered never reaches a log line: by its key (any depth), or inside a bundle member."""
    from decision.bundle import Member

    number = pnr.make(date(1990, 1, 2), 123)
    member = Member.model_validate_json(json.dumps({"personnummer": number, "role": "applicant",
                                                    "name": "Okänd Namnesson"}))
    out = io.StringIO()
    structlog.configure(
        processors=[flog.redact_processor, structlog.processors.JSONRenderer()],
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    log = structlog.get_logger()
    log.info("case", name="Ingrid Oregistrerad", household=[{"personnummer": number, "role": "child",
                                                             "name": "Lilla Oregistrerad"}])
    log.info("member", member=member, others=({"kind": "other_adult", "namn": "Sven Svensson"},),
             full_name="Per Persson", count=2)
    lines = out.getvalue().splitlines()
    text = out.getvalue()
    for secret in ("Ingrid", "Oregistrerad", "Namnesson", "Okänd", "Sven", "Persson", number):
        assert secret not in text, secret
    first, second = (json.loads(line) for line in lines)
    assert first["name"] == "[namn]" and first["household"][0] == {
        "personnummer": "199001xx-xxxx", "role": "child", "name": "[namn]"}
    assert second["member"]["name"] == "[namn]" and second["member"]["role"] == "applicant"
    assert second["others"][0]["namn"] == "[namn]" and second["full_name"] == "[namn]" and second["count"] == 2
    structlog.reset_defaults()
