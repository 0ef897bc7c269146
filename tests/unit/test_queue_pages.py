"""The queue's page links (adapters/driving/web/views/queue.py): first, previous, a few around, next, last;
each keeps the filter; a page past the end is the last page; a backlog beyond the count's cap says so."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from adapters.driving.web.queries import COUNT_CAP
from adapters.driving.web.views.queue import PAGE_SIZE, pages


def _page_of(href: str) -> int:
    return int(parse_qs(urlsplit(href).query)["sida"][0])


def test_one_page_has_no_other_pages() -> None:
    nav = pages(1, PAGE_SIZE, {})
    assert (nav["last"], nav["prev"], nav["next"], nav["first_row"], nav["last_row"]) == (1, None, None, 1, PAGE_SIZE)
    assert pages(1, 0, {})["first_row"] == 0


def test_links_around_the_page_keep_the_filter() -> None:
    nav = pages(7, PAGE_SIZE * 20 + 1, {"outcome": "GRANT", "finding": "", "days": "3"})
    assert nav["last"] == 21 and nav["page"] == 7
    assert [n for n, _ in nav["links"]] == [1, 5, 6, 7, 8, 9, 21]
    assert (nav["first_row"], nav["last_row"]) == (6 * PAGE_SIZE + 1, 7 * PAGE_SIZE)
    assert _page_of(nav["prev"]) == 6 and _page_of(nav["next"]) == 8
    for _, href in nav["links"]:
        query = parse_qs(urlsplit(href).query)
        assert query["outcome"] == ["GRANT"] and query["days"] == ["3"] and "finding" not in query
    assert pages(21, PAGE_SIZE * 20 + 1, {})["last_row"] == PAGE_SIZE * 20 + 1


def test_a_page_past_the_end_is_the_last_and_the_count_is_capped() -> None:
    assert pages(99, 120, {})["page"] == 3
    nav = pages(1, COUNT_CAP + 1, {})
    assert nav["more"] and nav["count"] == COUNT_CAP and nav["last"] == COUNT_CAP // PAGE_SIZE
    assert not pages(1, COUNT_CAP, {})["more"]
