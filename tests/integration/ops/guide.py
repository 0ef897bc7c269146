"""The operations guide's command blocks (docs/operations.md), extracted as written and run.

A block follows an ``<!-- step: NAME -->`` marker: ```sql blocks run in ``psql`` as the administrator,
```console blocks run their ``$ `` lines in one ``bash -e`` (so ``export`` carries to the next line).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.integration.ops.conftest import ROOT, Cluster

GUIDE = ROOT / "docs" / "operations.md"
STEP = re.compile(r"<!-- step: ([\w-]+) -->\n```(\w+)\n(.*?)\n```", re.S)


def steps() -> dict[str, tuple[str, str]]:
    found = {name: (kind, body) for name, kind, body in STEP.findall(GUIDE.read_text(encoding="utf-8"))}
    assert found, f"no steps in {GUIDE}"
    return found


def run_step(cluster: Cluster, name: str, workdir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    kind, body = steps()[name]
    if kind == "sql":
        return cluster.psql(body)
    assert kind == "console", f"step {name}: a {kind} block"
    lines = [line[2:] for line in body.splitlines() if line.startswith("$ ")]
    assert lines, f"step {name} has no commands"
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", "\n".join(lines)], capture_output=True, text=True,
                          cwd=workdir, env=cluster.env(**env), check=False, timeout=600)


def ok(proc: subprocess.CompletedProcess[str], name: str) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, f"step {name} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    return proc
