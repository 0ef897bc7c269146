"""audit/spill.py: what verify's record checks hold in bounded memory — items sorted by key across runs written
to disk, the same key's items in the order they were added, and the outer merge with rows in id order."""

from __future__ import annotations

import random
from typing import Any

import pytest

from audit import spill
from audit.spill import Spill, joined


@pytest.mark.parametrize("run", [1, 3, 7, 1000])
def test_groups_are_in_key_order_with_each_keys_items_in_insertion_order(run: int) -> None:
    rng = random.Random(run)
    keys = [f"01M{rng.randrange(40):04d}" for _ in range(300)] + ["", "Ö", "a", "Z"]
    s = Spill(run)
    expected: dict[str, list[Any]] = {}
    for n, key in enumerate(keys):
        value = ("rec", n, {"row": f"sha256:{n}"})
        s.add(key, value)
        expected.setdefault(key, []).append(value)
    got = list(s.groups())
    assert [k for k, _ in got] == sorted(expected)  # Python's string order: code points
    assert dict(got) == expected


def test_runs_go_to_temporary_files_and_are_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Any] = []
    real = spill.tempfile.TemporaryFile

    def counting() -> Any:
        f = real()
        opened.append(f)
        return f

    monkeypatch.setattr(spill.tempfile, "TemporaryFile", counting)
    monkeypatch.setattr(spill, "RUN", 4)
    s = Spill()
    for n in range(10):
        s.add(str(9 - n), n)
    assert len(opened) == 2  # two full runs on disk, two items still in memory
    assert [k for k, _ in s.groups()] == [str(n) for n in range(10)]
    assert all(f.closed for f in opened)


def test_joined_is_an_outer_merge_by_key() -> None:
    rows = [("b", 1), ("c", 2), ("e", 3)]
    facts = iter([("a", ["fa"]), ("c", ["fc1", "fc2"]), ("d", ["fd"]), ("f", ["ff"])])
    got = list(joined(rows, lambda r: r[0], facts))
    assert got == [("a", None, ["fa"]), ("b", ("b", 1), []), ("c", ("c", 2), ["fc1", "fc2"]),
                   ("d", None, ["fd"]), ("e", ("e", 3), []), ("f", None, ["ff"])]


@pytest.mark.parametrize("rows", [[("b",), ("a",)], [("a",), ("a",)]])
def test_rows_out_of_id_order_stop_the_merge_instead_of_misjudging(rows: list[tuple[str]]) -> None:
    with pytest.raises(ValueError, match="not in id order"):
        list(joined(rows, lambda r: r[0], iter([("a", [1])])))
