"""The e-service's pages, one module per page group; ``common`` (one level up) holds what they share."""

from __future__ import annotations

from fastapi import FastAPI

from adapters.driving.etjanst import common
from adapters.driving.etjanst.views import answer, apply, attach, cases, contact, eid, login, mydata, parts, send


def install(app: FastAPI) -> None:
    for page in (common, login, eid, apply, parts, send, attach, cases, answer, mydata, contact):
        page.install(app)
