"""Bounded memory for verify's record checks: what the audit chain recorded of each record, sorted by the record's
id on disk, then merged with the stored rows read in the same order (docs/audit.md, "At scale").

The chain is read in ``seq`` order, the tables in id order; joining the two by holding one side in a dict grows
with the number of records. A :class:`Spill` keeps at most ``run`` items in memory: a full run is sorted and
written to an anonymous temporary file (``tempfile.TemporaryFile``: removed when closed, or by the OS if the
process dies), and :meth:`Spill.groups` merges the runs (``heapq.merge``). Items with the same key keep the order
they were added in (their insertion number is part of the sort key), so "the last event wins" reads as before.
The files hold only what audit events hold — ids, hashes, codes — never personal data.
"""

from __future__ import annotations

import heapq
import itertools
import marshal
import tempfile
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import IO, Any, TypeVar

RUN = 20_000  # items sorted in memory before a run is written out (per table: a few MB)
_CHUNK = 200  # items per marshal record in a run file (what the merge holds of each run)

R = TypeVar("R")


class Spill:
    """(key, value) items, handed back grouped by key in key order (Python's string order: code points)."""

    def __init__(self, run: int | None = None) -> None:
        self._run = run or RUN
        self._items: list[tuple[str, int, Any]] = []
        self._files: list[IO[bytes]] = []
        self._n = 0

    def add(self, key: str, value: Any) -> None:
        """``value``: what marshal writes (str, int, None, bool, tuples, lists and dicts of those)."""
        self._items.append((key, self._n, value))
        self._n += 1
        if len(self._items) >= self._run:
            self._flush()

    def _flush(self) -> None:
        self._items.sort()  # by key, then insertion number (unique: values are never compared)
        f = tempfile.TemporaryFile()
        for i in range(0, len(self._items), _CHUNK):
            marshal.dump(self._items[i:i + _CHUNK], f)
        f.seek(0)
        self._files.append(f)
        self._items = []

    def groups(self) -> Iterator[tuple[str, list[Any]]]:
        """Every key once, in order, with its values in the order they were added. Once only; closes the files."""
        self._items.sort()
        runs: list[Iterator[tuple[str, int, Any]]] = [_read(f) for f in self._files]
        merged = heapq.merge(*runs, iter(self._items)) if runs else iter(self._items)
        try:
            for key, group in itertools.groupby(merged, key=itemgetter(0)):
                yield key, [value for _, _, value in group]
        finally:
            self.close()

    def close(self) -> None:
        for f in self._files:
            f.close()
        self._files, self._items = [], []


def _read(f: IO[bytes]) -> Iterator[tuple[str, int, Any]]:
    while True:
        try:
            chunk = marshal.load(f)  # noqa: S302 - a file this process wrote, never one it was given
        except EOFError:
            return
        yield from chunk


def joined(rows: Iterable[R], key: Callable[[R], str],
           groups: Iterator[tuple[str, list[Any]]]) -> Iterator[tuple[str, R | None, list[Any]]]:
    """Stored rows (in strictly increasing key order) merged with grouped facts (in key order): (key, the row or
    None when no row has that key, its facts — [] when none). Rows out of order would make the merge lie, so they
    stop it (ValueError)."""
    pending = next(groups, None)
    last: str | None = None
    for row in rows:
        k = key(row)
        if last is not None and not last < k:
            raise ValueError(f"stored rows are not in id order ({last!r} before {k!r}): cannot verify")
        last = k
        while pending is not None and pending[0] < k:
            yield pending[0], None, pending[1]
            pending = next(groups, None)
        if pending is not None and pending[0] == k:
            yield k, row, pending[1]
            pending = next(groups, None)
        else:
            yield k, row, []
    while pending is not None:
        yield pending[0], None, pending[1]
        pending = next(groups, None)
