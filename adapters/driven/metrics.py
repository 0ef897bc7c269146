"""The operator's metrics in Prometheus form (prometheus-client; docs/operations.md "Health checks and metrics").

- :class:`RegistryMetrics` implements the ``RegistryObserver`` port (decision/ports.py): the SSBTEK client
  tells it each call's duration and every agency's answer status; it keeps a histogram of call durations per
  agency and counts of answers per agency and status. It holds plain numbers, so what a batch worker process
  observed can be handed to the run (``snapshot``/``merge``) and written to one textfile.
- :class:`FiguresCollector` turns the database's figures (adapters/driven/db/metrics.py) into metric
  families when Prometheus scrapes ``/metrics``.
- :class:`NotifyMetrics`: notifications to applicants per channel and outcome (adapters/driven/notify.py counts
  them), ``finaid_notifications_total``; plain numbers too, so a batch worker hands its counts to the run.
- :func:`write_textfile` writes collectors in node_exporter's textfile-collector format (atomically).

No label ever carries personal data: agencies, states, queues, actions, chain names and hash prefixes only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, write_to_textfile
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from adapters.driven.db.metrics import Figures

# seconds: an SSBTEK call normally answers within a second or two; the client's timeout is 30 s by default
BUCKETS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
AVAILABLE = ("ok", "no_data")  # an agency that answered, with or without data; "unavailable" did not


class RegistryMetrics(Collector):
    """Registry call durations (histogram per agency) and answers per agency and status, in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, list[int]] = {}  # agency -> count per bucket (not cumulative), +Inf last
        self._sums: dict[str, float] = {}
        self._answers: dict[tuple[str, str], int] = {}

    def observed(self, seconds: float, answers: Sequence[tuple[str, str]]) -> None:
        with self._lock:
            for agency in sorted({a for a, _ in answers}):
                slot = next((i for i, bound in enumerate(BUCKETS) if seconds <= bound), len(BUCKETS))
                self._buckets.setdefault(agency, [0] * (len(BUCKETS) + 1))[slot] += 1
                self._sums[agency] = self._sums.get(agency, 0.0) + seconds
            for pair in answers:
                self._answers[pair] = self._answers.get(pair, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        """What was observed, as plain JSON-able numbers (a batch worker process hands it to its run)."""
        with self._lock:
            return {"buckets": {a: list(b) for a, b in self._buckets.items()}, "sums": dict(self._sums),
                    "answers": [[a, s, n] for (a, s), n in sorted(self._answers.items())]}

    def merge(self, snapshot: dict[str, Any]) -> None:
        with self._lock:
            for agency, counts in snapshot.get("buckets", {}).items():
                mine = self._buckets.setdefault(agency, [0] * (len(BUCKETS) + 1))
                for i, n in enumerate(counts[: len(mine)]):
                    mine[i] += int(n)
            for agency, total in snapshot.get("sums", {}).items():
                self._sums[agency] = self._sums.get(agency, 0.0) + float(total)
            for agency, status, n in snapshot.get("answers", []):
                self._answers[(agency, status)] = self._answers.get((agency, status), 0) + int(n)

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            buckets = {a: list(b) for a, b in self._buckets.items()}
            sums, answers = dict(self._sums), dict(self._answers)
        hist = HistogramMetricFamily(
            "finaid_registry_call_seconds", "SSBTEK call durations per agency asked (one call answers for several "
            "agencies: each of them counts the call's duration)", labels=["agency"])
        for agency, counts in sorted(buckets.items()):
            cumulative, running = [], 0
            for bound, n in zip([*map(_bound, BUCKETS), "+Inf"], counts, strict=True):
                running += n
                cumulative.append((bound, float(running)))
            hist.add_metric([agency], cumulative, sums[agency])
        yield hist
        yield counter("finaid_registry_answers", "registry answers per agency and status (ok, no_data: the agency "
                      "answered; unavailable: it did not)", ["agency", "status"], answers)
        ratio = GaugeMetricFamily("finaid_registry_availability_ratio", "share of answers per agency that were "
                                  "available (ok or no_data) since this process started", labels=["agency"])
        for agency in sorted({a for a, _ in answers}):
            total = sum(n for (a, _), n in answers.items() if a == agency)
            good = sum(n for (a, s), n in answers.items() if a == agency and s in AVAILABLE)
            ratio.add_metric([agency], good / total)
        yield ratio


class NotifyMetrics(Collector):
    """Notifications per channel and outcome in this process (plain counts; no label holds personal data)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], int] = {}

    def count(self, channel: str, outcome: str) -> None:
        with self._lock:
            self._counts[(channel, outcome)] = self._counts.get((channel, outcome), 0) + 1

    def value(self, channel: str, outcome: str) -> int:
        with self._lock:
            return self._counts.get((channel, outcome), 0)

    def snapshot(self) -> list[list[Any]]:
        """The counts as plain JSON-able rows [channel, outcome, n] (a batch worker hands them to its run)."""
        with self._lock:
            return [[c, o, n] for (c, o), n in sorted(self._counts.items())]

    def since(self, before: list[list[Any]]) -> list[list[Any]]:
        """What was counted after ``before`` (a snapshot) was taken."""
        earlier = {(c, o): int(n) for c, o, n in before}
        return [[c, o, n - earlier.get((c, o), 0)] for c, o, n in self.snapshot() if n > earlier.get((c, o), 0)]

    def merge(self, rows: list[list[Any]]) -> None:
        with self._lock:
            for channel, outcome, n in rows:
                self._counts[(channel, outcome)] = self._counts.get((channel, outcome), 0) + int(n)

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            counts = dict(self._counts)
        yield counter("finaid_notifications", "notifications to applicants per channel (log, smtp, sms) and "
                      "outcome (sent, failed, no_contact, logged)", ["channel", "outcome"], counts)


def counter(name: str, doc: str, labels: list[str], counts: dict[tuple[str, str], int]) -> CounterMetricFamily:
    """A counter family with one sample per label pair (sorted: the exposition is stable)."""
    family = CounterMetricFamily(name, doc, labels=labels)
    for pair, n in sorted(counts.items()):
        family.add_metric(list(pair), float(n))
    return family


def _bound(b: float) -> str:
    return repr(float(b))


class FiguresCollector(Collector):
    """The database's figures (read on every scrape through ``read``) as metric families."""

    def __init__(self, read: Callable[[], Figures]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        from sqlalchemy.exc import SQLAlchemyError

        from decision.errors import FinaidError

        up = GaugeMetricFamily("finaid_database_up", "1 when the database answered this scrape's queries, else 0")
        try:
            found = families(self._read())
        except (SQLAlchemyError, FinaidError):  # the registry's figures are still served; /readyz says why
            up.add_metric([], 0.0)
            return iter([up])
        up.add_metric([], 1.0)
        return iter([up, *found])


def families(f: Figures) -> list[Metric]:
    """Metric families for the database's figures (docs/operations.md "Health checks and metrics" lists each)."""
    apps = GaugeMetricFamily("finaid_applications", "applications by state", labels=["state"])
    for state, n in sorted(f.by_state.items()):
        apps.add_metric([state], float(n))
    age = GaugeMetricFamily("finaid_queue_oldest_age_seconds", "how long the oldest application has waited: "
                            "signoff = a proposal awaiting a handler, batch = an application awaiting the night "
                            "(0 when none waits)", labels=["queue"])
    for queue, seconds in sorted(f.oldest_waiting_s.items()):
        age.add_metric([queue], seconds)
    signoffs = GaugeMetricFamily("finaid_signoffs_per_day", "sign-off actions per day in Europe/Stockholm "
                                 "(today so far, and all of yesterday) by action", labels=["day", "action"])
    for (day, action), n in sorted(f.signoffs.items()):
        signoffs.add_metric([day, action], float(n))
    out: list[Metric] = [apps, age, signoffs]
    if f.last_run is not None:
        r = f.last_run
        for name, doc, value in (
            ("finaid_batch_last_run_cases_per_second", "cases per second of the last finished batch run",
             r.cases_per_second),
            ("finaid_batch_last_run_cases", "cases the last finished batch run handled", float(r.cases)),
            ("finaid_batch_last_run_seconds", "how long the last finished batch run took", r.seconds),
            ("finaid_batch_last_run_finished_timestamp_seconds", "when the last batch run finished (Unix time)",
             r.finished_unix),
            ("finaid_batch_last_run_failed_cases", "cases of the last finished run that failed technically",
             float(r.failed)),
        ):
            g = GaugeMetricFamily(name, doc)
            g.add_metric([], value)
            out.append(g)
        status = GaugeMetricFamily("finaid_batch_last_run_status", "1 for how the last finished batch run ended",
                                   labels=["status"])
        status.add_metric([r.status], 1.0)
        out.append(status)
    events = GaugeMetricFamily("finaid_audit_chain_events", "entries in each hash chain (its head's sequence "
                               "number)", labels=["chain"])
    head = InfoMetricFamily("finaid_audit_chain_head", "each hash chain's head: sequence number and the first "
                            "16 hex digits of its hash (compare with the published head)", labels=["chain"])
    for chain, (seq, digest) in sorted(f.chains.items()):
        events.add_metric([chain], float(seq))
        head.add_metric([chain], {"seq": str(seq), "hash_prefix": digest[:16]})
    return [*out, events, head]


def write_textfile(path: Path, collectors: Iterable[Collector]) -> None:
    """Write ``collectors`` to ``path`` in the textfile-collector format (a temporary file renamed into place,
    so node_exporter never reads half a file)."""
    registry = CollectorRegistry(auto_describe=False)
    for c in collectors:
        registry.register(c)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_to_textfile(str(path), registry)
