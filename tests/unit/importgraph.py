"""The import graph of finaid's own modules, read from the source (AST), for the architecture tests.

Every import statement anywhere in a module counts — top level, inside functions, under ``if TYPE_CHECKING``
— unless ``runtime_only`` asks for the imports that run (then ``if TYPE_CHECKING:`` blocks are skipped).
An import of ``a.b.c`` names the deepest first-party module it reaches (``from adapters.driven import clock``
names ``adapters.driven.clock``; ``from adapters.driven.clock import SystemClock`` names it too).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("decision", "rules", "adapters", "audit")


@dataclass(frozen=True)
class Import:
    target: str  # the first-party module imported
    line: int
    type_checking: bool


def module_files(packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Dotted module name → file, for every .py under the packages (``pkg/__init__.py`` is ``pkg``)."""
    out: dict[str, Path] = {}
    for pkg in packages:
        for file in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(file.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = file
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []

    def visit(node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for stmt in node.body:
                visit(stmt, True)
            for stmt in node.orelse:
                visit(stmt, guarded)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append((node, guarded))
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    visit(tree, False)
    return found


@lru_cache(maxsize=1)
def graph() -> dict[str, tuple[Import, ...]]:
    """Module → the first-party modules it imports."""
    files = module_files()

    def resolve(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    out: dict[str, tuple[Import, ...]] = {}
    for module, file in files.items():
        package = module if file.name == "__init__.py" else module.rpartition(".")[0]
        edges: list[Import] = []
        for node, guarded in _imports(ast.parse(file.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join([*parts, *([node.module] if node.module else [])])
                names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base for alias in node.names]
            for name in names:
                target = resolve(name)
                if target is not None and target != module:
                    edges.append(Import(target, node.lineno, guarded))
        out[module] = tuple(edges)
    return out


def importers_of(prefix: str, runtime_only: bool = False) -> dict[str, list[str]]:
    """Modules (outside ``prefix`` itself) that import ``prefix`` or a module under it → what they import."""
    out: dict[str, list[str]] = {}
    for module, edges in graph().items():
        if module == prefix or module.startswith(prefix + "."):
            continue
        hits = sorted({e.target for e in edges if (e.target == prefix or e.target.startswith(prefix + "."))
                       and not (runtime_only and e.type_checking)})
        if hits:
            out[module] = hits
    return out
