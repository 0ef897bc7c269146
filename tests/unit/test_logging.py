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
