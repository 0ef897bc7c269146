"""The systemd units in deploy/systemd (docs/operations.md "Scheduling") pass ``systemd-analyze verify``.

Only the install path differs between a server and this machine: the units name ``/opt/finaid/bin/finaid``;
the test points them at this environment's ``finaid`` and verifies them as written otherwise."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration.ops.conftest import FINAID, ROOT

UNITS = ROOT / "deploy" / "systemd"
INSTALLED = "/opt/finaid/bin/finaid"


def test_the_units_verify(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    names = sorted(p.name for p in UNITS.iterdir())
    assert names == ["finaid-backup.service", "finaid-backup.timer", "finaid-batch.service", "finaid-batch.timer",
                     "finaid-purge.service", "finaid-purge.timer", "finaid-web.service"]
    for name in names:
        text = (UNITS / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace(INSTALLED, str(FINAID)), encoding="utf-8")
    proc = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / n) for n in names)], capture_output=True,
                          text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "", proc.stderr


def test_the_purge_runs_as_the_purge_login_and_the_web_app_after_the_doctor() -> None:
    purge = (UNITS / "finaid-purge.service").read_text(encoding="utf-8")
    assert "EnvironmentFile=/etc/finaid/purge.env" in purge and 'date -d "5 years ago" +%%F' in purge
    web = (UNITS / "finaid-web.service").read_text(encoding="utf-8")
    assert f"ExecStartPre=-{INSTALLED} doctor" in web and "EnvironmentFile=/etc/finaid/runtime.env" in web
