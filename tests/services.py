"""The tests' one services object: tests are an entry point like the CLI's ``main``, so they may build it
(adapters/bootstrap.py); one per test process keeps one rule catalog and evaluator (durable_rules hosts are
per process)."""

from __future__ import annotations

from adapters.bootstrap import bootstrap

SERVICES = bootstrap()
