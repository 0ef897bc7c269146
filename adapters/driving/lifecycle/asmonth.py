"""A stored bundle as if it applied for a later month (``finaid rules impact --as-month``).

What moves with the month, so that next year's pack is tried on last month's caseload:

- ``application.month`` becomes the as-month: ages (completed years on its first day) and the
  prisbasbelopp of its year follow from it;
- ``submitted_at`` and every registry answer's ``fetched_at`` move by the same number of months
  (staleness is kept), and registry income facts for the old month are for the as-month;
- the aid history advances as if aid had been paid every month in between: ``consecutive_months``
  grows by the shift; a jobbstimulans period already begun runs on (``jobbstimulans_months_used`` grows
  by the shift); one not yet begun begins in the month the household reaches the qualifying months;
- a child's ``year_to_date`` salary is the same monthly salary earned since January of the as-month's
  year (or added on within the same year).

Everything else (household, incomes, costs, assets, registry answers) is the stored bundle's. A
bundle that is no longer valid in the as-month (a child turns 21) is reported, not decided.
"""

from __future__ import annotations

import calendar
import copy
import json
from datetime import datetime
from typing import Any

from decision.bundle import CaseBundle
from decision.money import format_ore, parse_kronor
from decision.validation import parse_bundle

NOTE_EN = (
    "Re-decided as if each application were for {as_month}: ages and the prisbasbelopp follow the new month; "
    "submission and registry dates move by the same number of months; the aid history (consecutive months, "
    "jobbstimulans months) advances as if aid had been paid every month in between; a child's year-to-date "
    "salary is recomputed for the new month. Compared with each stored decision in its own month."
)
NOTE_SV = (
    "Omprövat som om varje ansökan gällde {as_month}: åldrar och prisbasbelopp följer den nya månaden; "
    "ansöknings- och registerdatum flyttas lika många månader; bidragshistoriken (månader i följd, "
    "jobbstimulansmånader) räknas fram som om bistånd betalats varje månad däremellan; barns inkomst hittills "
    "i år räknas om för den nya månaden. Jämförs med varje lagrat beslut i sin egen månad."
)


def months_between(month_from: str, month_to: str) -> int:
    return (int(month_to[:4]) - int(month_from[:4])) * 12 + int(month_to[5:7]) - int(month_from[5:7])


def _add_months(stamp: str, months: int) -> str:
    at = datetime.fromisoformat(stamp)
    total = at.year * 12 + at.month - 1 + months
    year, month = divmod(total, 12)
    day = min(at.day, calendar.monthrange(year, month + 1)[1])
    return at.replace(year=year, month=month + 1, day=day).isoformat()


def shift(bundle: CaseBundle, as_month: str, qualifying_months: int = 6) -> CaseBundle:
    """``bundle`` as if it applied for ``as_month`` (not before its own month); InputError if it is then invalid."""
    data: dict[str, Any] = copy.deepcopy(bundle.to_json_dict())
    app = data["application"]
    old = app["month"]
    delta = months_between(old, as_month)
    if delta < 0:
        raise ValueError(f"the as-month {as_month} is before the application's month {old}")
    app["month"] = as_month
    app["submitted_at"] = _add_months(app["submitted_at"], delta)
    aid = app.get("previous_aid") or {"consecutive_months": 0, "jobbstimulans_months_used": 0}
    used, consecutive = int(aid["jobbstimulans_months_used"]), int(aid["consecutive_months"])
    if used >= 1:
        used += delta
    else:
        begins_after = max(0, qualifying_months - consecutive)  # months until the period begins
        used = delta - begins_after if delta > begins_after else 0
    app["previous_aid"] = {"consecutive_months": consecutive + delta, "jobbstimulans_months_used": used}
    same_year = old[:4] == as_month[:4]
    for income in app.get("incomes") or []:
        if income.get("year_to_date") is not None:
            monthly = parse_kronor(income["amount"])
            ytd = parse_kronor(income["year_to_date"])
            income["year_to_date"] = format_ore(ytd + monthly * delta if same_year else monthly * int(as_month[5:7]))
    for entry in data.get("registry") or []:
        entry["fetched_at"] = _add_months(entry["fetched_at"], delta)
        for fact in entry.get("facts") or []:
            if fact.get("month") == old:
                fact["month"] = as_month
    return parse_bundle(json.dumps(data, ensure_ascii=False))
