"""The real ``finaid`` command, run as a subprocess: exit codes, stdout, stderr and files.

Each test runs in its own temporary directory with its own SQLite database (``FINAID_DB_URL``), so
nothing is written into the repository and runs do not see each other's stored decisions.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.driven.clock import utc_now
from decision.pipeline import Pipeline, decision_day
from decision.validation import parse_bundle
from rules.catalog import Catalog

FINAID = Path(sys.executable).parent / "finaid"
ROOT = Path(__file__).resolve().parents[2]
WORKED = ROOT / "examples" / "bundles" / "01-worked-example-couple-two-children.json"
PNR_RE = re.compile(r"\d{12}|\d{8}-\d{4}")
ERROR_LINE = re.compile(r"^error: (?P<path>[A-Za-z_][\w.\[\]]*): (?P<message>\S.*)$")
Run = Callable[..., "subprocess.CompletedProcess[bytes]"]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
    env["FINAID_DB_URL"] = f"sqlite:///{tmp_path / 'finaid.db'}"
    env["FINAID_ACTOR"] = "e2e-test"

    def _run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [str(FINAID), *args], input=stdin, capture_output=True, cwd=tmp_path, env=env, timeout=120, check=False
        )

    return _run


def test_finaid_is_installed_beside_the_interpreter() -> None:
    assert FINAID.exists(), f"{FINAID} is missing: install the project into the venv (pip install -e .)"


def test_help_tells_what_finaid_is_for(run: Run) -> None:
    out = run("--help")
    assert out.returncode == 0
    text = out.stdout.decode()
    assert "case" in text and "schema" in text
    assert "Traceback" not in out.stderr.decode()


def test_valid_bundle_prints_the_decision_basis_as_json(run: Run, pipeline: Pipeline) -> None:
    out = run("case", "decide", str(WORKED), "--json")
    assert out.returncode == 0, out.stderr.decode()
    basis = json.loads(out.stdout)
    # `case decide` decides as of today: from 2026-12-04 the packs that take /2 and write basis /2
    pack = Catalog().pack_for(basis["month"], decision_day(utc_now()))
    assert basis["rules"]["pack"] == pack.id
    assert basis["schema"] == ("finaid.decision-basis/2" if pack.accepts("finaid.case-bundle/2")
                               else "finaid.decision-basis/1")
    assert list(basis)[:3] == ["schema", "application_id", "month"], "--json keeps the contract's key order"
    assert basis["outcome"] == "GRANT"
    assert basis["amounts"]["proposed"] == "8360.00"
    # the CLI prints exactly what the pipeline decides in-process
    assert out.stdout.decode() == pipeline.decide(parse_bundle(WORKED.read_bytes())).basis.to_json()


def test_the_same_bundle_twice_gives_byte_identical_stdout(run: Run) -> None:
    first = run("case", "decide", str(WORKED), "--json")
    second = run("case", "decide", str(WORKED), "--json")
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout


def test_a_bundle_on_stdin_decides_like_the_file(run: Run) -> None:
    from_file = run("case", "decide", str(WORKED), "--json")
    from_stdin = run("case", "decide", "-", "--json", stdin=WORKED.read_bytes())
    assert from_stdin.returncode == 0, from_stdin.stderr.decode()
    assert from_stdin.stdout == from_file.stdout


def test_an_invalid_bundle_exits_2_naming_each_field(run: Run, tmp_path: Path) -> None:
    bundle = json.loads(WORKED.read_text(encoding="utf-8"))
    partner = bundle["application"]["household"][1]
    partner["personnummer"] = partner["personnummer"][:-1] + str((int(partner["personnummer"][-1]) + 1) % 10)
    bundle["application"]["costs"][0]["amount"] = 8200.5
    bundle["application"]["nickname"] = "x"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bundle), encoding="utf-8")
    out = run("case", "decide", str(bad), "--json")
    assert out.returncode == 2
    assert out.stdout == b""
    err = out.stderr.decode()
    assert "Traceback" not in err
    assert not PNR_RE.search(err), "an error echoes a personnummer"
    lines = err.strip().splitlines()
    parsed = [ERROR_LINE.match(line) for line in lines]
    assert all(parsed), f"every stderr line is 'error: path: message': {lines}"
    by_path = {m["path"]: m["message"] for m in parsed if m}
    assert by_path["application.household[1].personnummer"] == "check digit is wrong"
    assert "application.costs[0].amount" in by_path
    assert by_path["application.nickname"] == "unknown field"


def test_a_missing_file_exits_2(run: Run) -> None:
    out = run("case", "decide", "no-such-bundle.json")
    assert out.returncode == 2
    err = out.stderr.decode()
    assert "not found" in err and "no-such-bundle.json" in err
    assert "Traceback" not in err


def test_malformed_json_exits_2_naming_line_and_column(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "malformed.json"
    bad.write_text('{\n  "schema": "finaid.case-bundle/1",\n  "application": {,\n}\n', encoding="utf-8")
    out = run("case", "decide", str(bad))
    assert out.returncode == 2
    err = out.stderr.decode()
    assert re.search(r"line 3, column \d+", err), err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", ["case-bundle", "decision-basis"])
def test_schema_prints_a_json_schema(run: Run, name: str) -> None:
    out = run("schema", name)
    assert out.returncode == 0, out.stderr.decode()
    schema = json.loads(out.stdout)
    assert "properties" in schema
    assert "schema" in schema["properties"]
    assert ("application" if name == "case-bundle" else "outcome") in schema["properties"]


def test_html_writes_a_swedish_beslutsunderlag(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "out.html"
    out = run("case", "decide", str(WORKED), "--html", str(target))
    assert out.returncode == 0, out.stderr.decode()
    html = target.read_text(encoding="utf-8")
    assert "Beslutsunderlag" in html
    assert 'lang="sv"' in html
    assert "8\u00a0360" in html or "8 360" in html, "the proposed amount in Swedish form"


@pytest.mark.parametrize("args", [("batch", "status", "--no-such-option"), ("case", "decide", "--nosuch"),
                                  ("registry", "nosuchcommand")])
def test_a_bad_option_or_command_exits_2_naming_it(run: Run, args: tuple[str, ...]) -> None:
    """typer parses with its own copy of click: its usage errors are still exit 2 with click's message."""
    proc = run(*args)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.decode()
    assert "Error: No such" in err and "failed unexpectedly" not in err and "Traceback" not in err
