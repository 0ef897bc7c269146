"""Reading a form with a file within limits: a file part is kept only up to one byte over the upload limit (the
rest is read and dropped), so a file far over the limit gets its message beside the file field — with the
other fields as typed — instead of an error page. Only a request over the absolute cap (``ABSOLUTE_FACTOR`` times
the upload limit) is refused whole (413)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from starlette.datastructures import FormData, Headers
from starlette.formparsers import MultiPartException, MultiPartParser

ABSOLUTE_FACTOR = 20  # a request body above 20 × the upload limit (200 MiB by default) is refused whole


class RequestTooLarge(Exception):
    """The request's body is over the absolute cap."""


class _Capped(MultiPartParser):
    def __init__(self, headers: Headers, stream: AsyncGenerator[bytes, None], file_limit: int, **kw: Any) -> None:
        super().__init__(headers, stream, **kw)
        self.file_limit = file_limit
        self._kept: dict[int, int] = {}

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._current_part
        if part.file is None:
            super().on_part_data(data, start, end)
            return
        kept = self._kept.get(id(part), 0)
        room = self.file_limit + 1 - kept  # one byte over: the check then says the file is too large
        if room <= 0:
            return
        end = min(end, start + room)
        self._kept[id(part)] = kept + (end - start)
        super().on_part_data(data, start, end)


async def _capped(stream: AsyncGenerator[bytes, None], cap: int) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > cap:
            raise RequestTooLarge()
        yield chunk


async def read_files_form(headers: Headers, stream: AsyncGenerator[bytes, None], file_limit: int, form_limit: int,
                          max_files: int) -> FormData:
    """A multipart form whose files are cut one byte over ``file_limit``; raises :class:`RequestTooLarge` over the
    absolute cap and ``ValueError`` for a broken body."""
    cap = form_limit + ABSOLUTE_FACTOR * file_limit
    parser = _Capped(headers, _capped(stream, cap), file_limit, max_files=max_files, max_fields=2000,
                     max_part_size=form_limit)
    try:
        return await parser.parse()
    except MultiPartException as e:
        raise ValueError(e.message) from None
