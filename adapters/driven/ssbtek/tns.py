"""Transportstyrelsen's part (``TNS``): vehicles owned. Asked only when configured
(``FINAID_SSBTEK_INCLUDE_TNS``); vehicles have no fact kind yet, so the answer is evidence plus a
notice, never a registry entry.
"""

from __future__ import annotations

from lxml import etree

from adapters.driven.ssbtek.safexml import descendants


def notices(data: etree._Element) -> list[str]:
    results = descendants(data, "resultat")
    result = (results[0].text or "").strip() if len(results) == 1 else "?"
    if result != "OK":
        return [f"Transportstyrelsen answered resultat={result[:10]!r}: vehicles unknown (kept as evidence)"]
    count = len(descendants(data, "fordon"))
    return [f"Transportstyrelsen reports {count} vehicle(s) owned (no fact kind yet; kept as evidence)"]
