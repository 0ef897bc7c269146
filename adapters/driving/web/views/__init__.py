"""The handlers' web pages, one module per page (or page and its actions); common.py holds what they share."""

from __future__ import annotations

from fastapi import FastAPI

from adapters.driving.web.views import (
    admin,
    case,
    casework,
    common,
    etjanst,
    inspect,
    letter,
    login,
    login_sso,
    login_totp,
    mine,
    queue,
    reports,
    search,
)


def install(app: FastAPI) -> None:
    for page in (common, login, login_sso, login_totp, queue, search, mine, inspect, case, casework, etjanst, letter,
                 reports, admin):
        page.install(app)
