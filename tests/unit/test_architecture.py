"""Dependencies point inward: decision/ imports no infrastructure, rules/ never imports adapters."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.unit.importgraph import graph, importers_of

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_DECISION = ("sqlalchemy", "durable", "httpx", "fastapi", "jinja2", "rules", "adapters", "audit", "lxml")
FORBIDDEN_IN_RULES = ("adapters", "audit", "sqlalchemy", "httpx", "fastapi", "jinja2")


def imported_modules(folder: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for file in folder.rglob("*.py"):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        out[str(file.relative_to(ROOT))] = names
    return out


def test_decision_imports_no_infrastructure_and_no_outer_layer() -> None:
    bad = {f: sorted(n & set(FORBIDDEN_IN_DECISION)) for f, n in imported_modules(ROOT / "decision").items()}
    assert not {f: n for f, n in bad.items() if n}


def test_rules_never_import_adapters_or_infrastructure() -> None:
    bad = {f: sorted(n & set(FORBIDDEN_IN_RULES)) for f, n in imported_modules(ROOT / "rules").items()}
    assert not {f: n for f, n in bad.items() if n}


def test_durable_rules_is_contained_in_one_module() -> None:
    users = sorted(
        f
        for folder in ("decision", "rules", "adapters", "audit")
        for f, names in imported_modules(ROOT / folder).items()
        if "durable" in names
    )
    assert users == ["rules/engine.py"]


def test_the_check_itself_sees_imports() -> None:
    # guard against a vacuous pass: the scan must find decision's own pydantic import
    assert any("pydantic" in names for names in imported_modules(ROOT / "decision").values())


FORBIDDEN_IN_AUDIT = ("adapters", "sqlalchemy", "httpx", "fastapi", "jinja2", "durable")


def test_audit_logic_depends_on_ports_never_on_adapters() -> None:
    """audit/ (chain rules, verification, why, replay, query filters) imports decision/ (and rules/ if
    needed), never the adapters — its storage is adapters/driven/db (trail.py, access.py, audit_store.py)."""
    bad = {f: sorted(n & set(FORBIDDEN_IN_AUDIT)) for f, n in imported_modules(ROOT / "audit").items()}
    assert not {f: n for f, n in bad.items() if n}
    assert any("decision" in names for names in imported_modules(ROOT / "audit").values())


def test_use_cases_and_ports_live_in_decision() -> None:
    services = imported_modules(ROOT / "decision" / "services")
    assert services and all(not (n & set(FORBIDDEN_IN_DECISION) - {"decision"}) for n in services.values())


# ------------------------------------------------------------------ the adapters' layers (README: Layout)
# adapters/driving drives finaid (CLI, web, API, batch, rule-pack lifecycle), adapters/driven is what finaid
# drives (database, registry, renderers, letters), adapters/devtools are development aids (sandbox, generator,
# demo). Every import counts here, also inside functions and under TYPE_CHECKING (tests/unit/importgraph.py).
ENTRY_POINTS = {"adapters.driving.cli.main", "adapters.driving.batch.process", "adapters.driving.web.process"}
DEVTOOLS_USERS = {"adapters.driving.cli.demo", "adapters.driving.cli.sandbox"}


def test_driven_adapters_never_import_driving_ones_or_devtools() -> None:
    bad = {m: users for m, users in {**importers_of("adapters.driving"), **importers_of("adapters.devtools")}.items()
           if m.startswith("adapters.driven.")}
    assert not bad


def test_driving_adapters_are_imported_only_by_driving_ones_and_devtools() -> None:
    bad = {m: t for m, t in importers_of("adapters.driving").items() if not m.startswith("adapters.devtools.")}
    assert not bad


def test_devtools_are_imported_only_by_the_cli_demo_and_sandbox_commands() -> None:
    assert set(importers_of("adapters.devtools")) <= DEVTOOLS_USERS


def test_only_entry_points_run_the_bootstrap() -> None:
    # other modules may name its Services type in annotations (under TYPE_CHECKING), never call it
    assert set(importers_of("adapters.bootstrap", runtime_only=True)) == ENTRY_POINTS


def test_decision_rules_and_audit_never_import_the_bootstrap_or_the_outer_layers() -> None:
    bad = {m: t for prefix in ("adapters.driving", "adapters.devtools", "adapters.bootstrap")
           for m, t in importers_of(prefix).items() if m.split(".")[0] in ("decision", "rules", "audit")}
    assert not bad


def test_the_layer_checks_see_imports() -> None:
    # guard against a vacuous pass: the known edges are in the graph
    assert "adapters.driven.db.store" in {e.target for e in graph()["adapters.driving.batch.loop"]}
    assert set(importers_of("adapters.bootstrap")) > ENTRY_POINTS  # annotation-only users exist
