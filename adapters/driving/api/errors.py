"""The API's one error shape: ``{"errors": [{"path", "message"}]}`` with the contract's field paths, never
echoing the input (anything that looks like a personnummer is redacted)."""

from __future__ import annotations

import re

from fastapi.responses import JSONResponse

_PNR_LIKE = re.compile(r"\d{6,8}[-+]?\d{4}")


class ApiError(Exception):
    def __init__(self, status: int, message: str, path: str = "", headers: dict[str, str] | None = None,
                 errors: list[dict[str, str]] | None = None) -> None:
        self.status = status
        self.errors = errors or [{"path": path, "message": message}]
        self.headers = headers


def _clean(message: str) -> str:
    return _PNR_LIKE.sub("[redacted]", message)[:500]


def error_response(status: int, errors: list[dict[str, str]], headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"errors": [{"path": e.get("path", ""), "message": _clean(e.get("message", ""))} for e in errors]}
    return JSONResponse(body, status_code=status, headers=headers)
