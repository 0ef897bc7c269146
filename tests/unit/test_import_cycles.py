"""No import circles among finaid's own modules (decision, rules, adapters, audit): every import counts, also
the ones inside functions and under ``if TYPE_CHECKING`` (tests/unit/importgraph.py)."""

from __future__ import annotations

from tests.unit.importgraph import graph


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _path(edges: dict[str, set[str]], component: list[str]) -> str:
    """One circle through the component's first module, for the failure message (a → b → a)."""
    members = set(component)
    start = component[0]
    trail = [start]
    seen = {start}
    node = start
    while True:
        nxt = sorted(w for w in edges[node] if w in members)
        back = [w for w in nxt if w == start]
        if back and len(trail) > 1:
            return " → ".join([*trail, start])
        fresh = [w for w in nxt if w not in seen]
        if not fresh:
            return " ↔ ".join(component)
        node = fresh[0]
        seen.add(node)
        trail.append(node)


def test_no_import_cycles() -> None:
    edges = {m: {e.target for e in imports} for m, imports in graph().items()}
    found = cycles(edges)
    assert not found, "import circles: " + "; ".join(_path(edges, c) for c in found)


def test_the_cycle_finder_finds_a_circle() -> None:
    # guard against a vacuous pass: a made-up circle is found and named
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _path({"a": {"b"}, "b": {"a"}}, ["a", "b"]) == "a → b → a"


def test_the_graph_sees_function_local_and_type_checking_imports() -> None:
    edges = graph()
    main = {e.target for e in edges["adapters.driving.cli.main"]}
    # the command groups are imported by name when they run (adapters/driving/cli/lazy.py), not by main
    assert "adapters.bootstrap" in main and "adapters.driving.cli.lazy" in main
    case = {e.target for e in edges["adapters.driving.cli.case"]}
    assert "decision.services.deciding" in case or "adapters.driven.render.html" in case  # imported inside the command
    assert any(e.type_checking for e in edges["adapters.driving.cli.common"])
