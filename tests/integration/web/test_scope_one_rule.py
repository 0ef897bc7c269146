"""Scope in one place (issue 18, finding 7): every listing uses the case page's visibility rule. A handler
of a district-level unit (``units set vaster --municipality 1287/Väster``) sees in no listing what would
open as 404, and everything a listing shows opens."""

from __future__ import annotations

import re

from adapters.driving.web.accounts import add_user, set_unit
from adapters.driving.web.queries import QueueFilter, StatsFilter, override_statistics, queue
from adapters.driving.web.signoff import SignRequest, sign
from tests.integration.web.conftest import Web

PASSWORD = "a-long-enough-password-for-vaster"
APP_IDS = re.compile(r"APP-\d{4}-\d{6}")


def _district_handler(web: Web) -> None:
    set_unit(web.db, "vaster", "Försörjningsstöd Väster", [("1287", "Väster")], "cli:test")
    add_user(web.db, "vaster1", "Vera Väster", PASSWORD, ["handler"], ["vaster"], "cli:test")
    add_user(web.db, "vasterchef", "Vilma Väster", PASSWORD, ["supervisor"], ["vaster"], "cli:test")


def test_every_listing_as_a_district_level_handler_shows_nothing_that_opens_as_404(
        web: Web, ids: dict[str, str]) -> None:
    services = web.app.state.services
    sign(web.db, web.identity("handlaggare1"), ids["01"], SignRequest("approve", web.decision_id(ids["01"])),
         services.policy)
    _district_handler(web)
    who, municipal = web.identity("vaster1"), web.identity("handlaggare1")
    with web.db.read() as s:
        rows, codes = queue(s, who, QueueFilter())
        stats = override_statistics(s, who, StatsFilter())
        whole = override_statistics(s, municipal, StatsFilter())
    assert rows == [] and codes == []
    assert stats != whole  # the signed 1287 case counts for the municipality's unit only
    for user, paths in (("vaster1", ("/queue", "/queue?outcome=GRANT", "/queue?state=proposed")),
                        ("vasterchef", ("/queue", "/queue?state=awaiting_second_signature", "/statistics"))):
        c = web.login(user, PASSWORD)
        listed = set()
        for path in paths:
            r = c.get(path)
            assert r.status_code == 200, path
            listed |= set(APP_IDS.findall(r.text))
        assert listed == set(), user
        for app_id in ids.values():  # and each case of the municipality opens as 404 for them, as before
            assert c.get(f"/case/{app_id}").status_code == 404


def test_what_the_queue_lists_opens_for_the_same_person(web: Web) -> None:
    c = web.login("handlaggare1")
    listed = set(APP_IDS.findall(c.get("/queue").text))
    assert listed
    for app_id in listed:
        assert c.get(f"/case/{app_id}").status_code == 200, app_id
