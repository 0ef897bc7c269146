"""The wheel holds every module and every data file the app reads (templates, catalogues, migrations, rule packs).

Cheap stand-in for building the wheel (``python -m pip wheel --no-deps -w /tmp/whl .``, checked by hand, see
CHANGELOG): setuptools' own discovery with pyproject.toml's settings must find the package of every module
under the four top-level packages (decision.services was once left out of the wheel), and pyproject's
package-data globs must cover every other file there that git tracks."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parents[2]
TOPS = ("decision", "rules", "adapters", "audit")


def tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files", *TOPS], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [Path(p) for p in out.split()]


def settings() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_module_is_in_a_package_the_wheel_takes() -> None:
    find = settings()["packages"]["find"]
    assert find["namespaces"] is True
    packages = set(find_namespace_packages(str(ROOT), include=find["include"]))
    needed = {".".join(p.parent.parts) for p in tracked() if p.suffix == ".py"}
    assert "decision.services" in needed
    assert needed <= packages, sorted(needed - packages)


def test_every_data_file_is_package_data() -> None:
    covered: set[Path] = set()
    for package, patterns in settings()["package-data"].items():
        base = ROOT / Path(*package.split("."))
        for pattern in patterns:
            covered |= {p.relative_to(ROOT) for p in base.glob(pattern) if p.is_file()}
    data = [p for p in tracked() if p.suffix != ".py"]
    assert any(p.suffix == ".po" for p in data) and any(p.name == "packs.lock" for p in data)
    assert [p for p in data if p not in covered] == []
