"""The kommuniceringsbrev (förvaltningslagen 25 §): what the applicant is asked to comment on before the
decision, by when, and how to answer — rendered in Swedish from the stored kommunicering (HTML)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from adapters.driven.letters.letters import LetterParticulars
from adapters.driven.letters.templating import environment, month_sv

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def render_communication(case: Any, row: Any, particulars: LetterParticulars,
                         readable: Callable[[str], str] = str) -> str:
    """``case``: the application with its proposal; ``row``: the stored ``sent`` step (its items and text);
    ``readable``: how an item's text reads for the applicant (the caller's wording of codes)."""
    items = [{**i, "text": readable(i["text"])} for i in json.loads(row.items_json or "[]")]
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=ZoneInfo("UTC"))
    return environment().get_template("communication.html").render(
        p=particulars, app=case.app, month=month_sv(case.app.month), items=items,
        message=row.text, reply_by=row.reply_by, date=at.astimezone(STOCKHOLM).date().isoformat(),
        communication_id=row.id,
    )
