"""The registry metrics (adapters/driven/metrics.py, the ``RegistryObserver`` port): a histogram of call durations
per agency and answers per agency and status; what worker processes observed merges into the same figures."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from adapters.driven.metrics import RegistryMetrics

CALLS = [
    (0.08, [("skatteverket", "ok"), ("csn", "no_data")]),
    (0.7, [("skatteverket", "ok"), ("csn", "unavailable")]),
    (45.0, [("skatteverket", "unavailable"), ("csn", "unavailable")]),
    (0.3, [("forsakringskassan", "ok"), ("pensionsmyndigheten", "ok"), ("forsakringskassan", "ok")]),
]


def samples(metrics: RegistryMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(metrics)
    text = generate_latest(registry).decode("utf-8")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def test_calls_become_a_histogram_per_agency_and_answers_per_status() -> None:
    m = RegistryMetrics()
    for seconds, answers in CALLS:
        m.observed(seconds, answers)
    got = samples(m)
    skv = (("agency", "skatteverket"),)
    assert got[("finaid_registry_call_seconds_count", skv)] == 3
    assert got[("finaid_registry_call_seconds_sum", skv)] == 0.08 + 0.7 + 45.0
    assert got[("finaid_registry_call_seconds_bucket", (*skv, ("le", "0.1")))] == 1
    assert got[("finaid_registry_call_seconds_bucket", (*skv, ("le", "1.0")))] == 2
    assert got[("finaid_registry_call_seconds_bucket", (*skv, ("le", "60.0")))] == 3
    assert got[("finaid_registry_call_seconds_bucket", (*skv, ("le", "+Inf")))] == 3
    # one call that answered twice for an agency counts the call once, the answers twice
    fk = (("agency", "forsakringskassan"),)
    assert got[("finaid_registry_call_seconds_count", fk)] == 1
    assert got[("finaid_registry_answers_total", (*fk, ("status", "ok")))] == 2
    assert got[("finaid_registry_answers_total", (("agency", "csn"), ("status", "unavailable")))] == 2
    assert got[("finaid_registry_availability_ratio", (("agency", "csn"),))] == 1 / 3
    assert got[("finaid_registry_availability_ratio", skv)] == 2 / 3


def test_what_workers_observed_merges_into_the_same_figures() -> None:
    one = RegistryMetrics()
    for seconds, answers in CALLS:
        one.observed(seconds, answers)
    first, second = RegistryMetrics(), RegistryMetrics()
    for i, (seconds, answers) in enumerate(CALLS):
        (first if i % 2 else second).observed(seconds, answers)
    merged = RegistryMetrics()
    merged.merge(first.snapshot())
    merged.merge(second.snapshot())
    assert samples(merged) == samples(one)
    assert samples(RegistryMetrics()) == {}
