"""States in one place: only the unit of work's one state writer (``SqlApplications.move`` in
adapters/driven/db/repositories.py, checked by ``decision.states.transition``) writes an application's ``state``.

The source of decision/, rules/, adapters/ and audit/ (migrations aside) is scanned: an assignment to
``<x>.state``, a ``state=`` keyword to ``Application(...)`` or ``.values(...)``, a ``"state":`` key in a
dict literal in a module that uses the ``Application`` model (unless it copies a read ``x.state``), or raw
SQL that sets ``state``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("decision", "rules", "adapters", "audit")
ALLOWED = {("adapters/driven/db/repositories.py", "SqlApplications.move")}
RAW_SQL = re.compile(r"UPDATE\s+application\s+SET\b(?:(?!\bWHERE\b)[^;])*\bstate\s*=", re.IGNORECASE | re.DOTALL)


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        out: list[ast.expr] = []
        for t in node.targets:
            out.extend(t.elts if isinstance(t, ast.Tuple | ast.List) else [t])
        return out
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    return []


def state_writes(source: str) -> list[tuple[int, str]]:
    """(line, enclosing Class.function) of every write of an application's state in ``source``."""
    tree = ast.parse(source)
    uses_model = any(isinstance(n, ast.Name) and n.id == "Application" for n in ast.walk(tree))
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, where: list[str]) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            where = [*where, node.name]
        hit = False
        if any(isinstance(t, ast.Attribute) and t.attr == "state" for t in _targets(node)):
            hit = True
        elif isinstance(node, ast.Call) and any(k.arg == "state" for k in node.keywords):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            hit = name in ("Application", "values")
        elif isinstance(node, ast.Dict) and uses_model:  # a copy of a read (``"state": row.state``) is no write
            hit = any(isinstance(k, ast.Constant) and k.value == "state"
                      and not (isinstance(v, ast.Attribute) and v.attr == "state")
                      for k, v in zip(node.keys, node.values, strict=True))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            hit = bool(RAW_SQL.search(node.value))
        if hit:
            found.append((getattr(node, "lineno", 0), ".".join(where)))
        for child in ast.iter_child_nodes(node):
            visit(child, where)

    visit(tree, [])
    return found


def _sources() -> list[Path]:
    return [p for folder in FOLDERS for p in sorted((ROOT / folder).rglob("*.py")) if "migrations" not in p.parts]


def test_only_the_one_repository_method_writes_the_state_column() -> None:
    offenders = []
    allowed_hits = 0
    for path in _sources():
        rel = str(path.relative_to(ROOT))
        for line, where in state_writes(path.read_text(encoding="utf-8")):
            if (rel, where) in ALLOWED:
                allowed_hits += 1
            else:
                offenders.append(f"{rel}:{line} ({where or 'module'})")
    assert not offenders, "state written outside SqlApplications.move: " + ", ".join(offenders)
    assert allowed_hits, "the scan must see the one writer itself (else it sees nothing)"


def test_the_scan_sees_every_kind_of_write() -> None:
    sample = '''
from adapters.driven.db.models import Application
def a(app):
    app.state = "signed"
def b(app):
    app.state, app.state_reason = "failed", None
def c(s):
    s.add(Application(id="x", state="received"))
def d(s):
    s.execute(update(Application).where(Application.id == "x").values(state="proposed"))
def e(s):
    s.execute(update(Application), [{"id": "x", "state": "proposed"}])
SQL = "UPDATE application SET claimed_by = NULL, state = 'received' WHERE id = :id"
READ = "UPDATE application SET claimed_by = :w WHERE state = 'failed'"
def g(app):
    return {"id": app.id, "state": app.state}
def f(app):
    return app.state == "signed"  # a read is fine
'''
    assert [w for _, w in state_writes(sample)] == ["a", "b", "c", "d", "e", ""]
