"""The nightly run's metrics for node_exporter's textfile collector (``FINAID_METRICS_TEXTFILE``;
docs/operations.md "Health checks and metrics"): written once at the end of ``finaid batch run``, replacing
the previous run's.

Nothing is pushed anywhere: node_exporter reads the file on each scrape. The file holds the run's figures and
the registry calls its workers made and the applicants they notified (merged from every worker process), never
personal data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from adapters.driven.metrics import NotifyMetrics, RegistryMetrics, write_textfile
from adapters.driving.batch.config import BatchOutcome

STATUSES = ("decided", "failed", "failed_permanent", "lease_lost")


class RunCollector(Collector):
    def __init__(self, outcome: BatchOutcome) -> None:
        self.outcome = outcome

    def collect(self) -> Iterator[Metric]:
        o = self.outcome
        seconds = max(0.0, (o.finished_at - o.started_at).total_seconds())
        cases = len(o.results)
        by_status = GaugeMetricFamily("finaid_batch_run_cases", "cases the run handled, by how each ended",
                                      labels=["status"])
        for status in sorted({*STATUSES, *(r.status for r in o.results)}):
            by_status.add_metric([status], float(sum(1 for r in o.results if r.status == status)))
        yield by_status
        for name, doc, value in (
            ("finaid_batch_run_seconds", "how long the run took", seconds),
            ("finaid_batch_run_cases_per_second", "the run's throughput", cases / seconds if seconds > 0 else 0.0),
            ("finaid_batch_run_finished_timestamp_seconds", "when the run finished (Unix time)",
             o.finished_at.timestamp()),
            ("finaid_batch_run_exit_code", "the run's exit code (0 all decided or routed to a handler, 3 not)",
             float(o.exit_code)),
            ("finaid_batch_run_db_unreachable_seconds", "the longest a worker waited for the database",
             o.db_unreachable_s),
            ("finaid_batch_run_manual_cases", "cases decided MANUAL (a handler must judge)",
             float(sum(1 for r in o.results if r.outcome == "MANUAL"))),
        ):
            g = GaugeMetricFamily(name, doc)
            g.add_metric([], value)
            yield g


def write_run_metrics(path: Path, outcome: BatchOutcome) -> None:
    registry = RegistryMetrics()
    for snapshot in outcome.registry:
        registry.merge(snapshot)
    told = NotifyMetrics()  # the applicants told by the night's automated decisions (adapters/driven/notify.py)
    told.merge(outcome.notifications)
    write_textfile(path, [RunCollector(outcome), registry, told])
