"""The registry commands as a new user runs them (real ``finaid`` processes against the sandbox)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import Sandbox

FINAID = Path(sys.executable).with_name("finaid")


def run(args: list[str], env: dict[str, str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("FINAID_")}
    return subprocess.run([str(FINAID), *args], env={**base, **env}, input=stdin, capture_output=True, timeout=60,
                          check=False)


def demo_env(sandbox: Sandbox, tmp_path: Path) -> dict[str, str]:
    return {"FINAID_MODE": "demo", "FINAID_SANDBOX_URL": sandbox.url, "FINAID_DB_URL": f"sqlite:///{tmp_path}/f.db"}


def test_ping_fetch_and_decide_against_the_sandbox(sandbox: Sandbox, tmp_path: Path) -> None:
    env = demo_env(sandbox, tmp_path)
    ping = run(["registry", "ping", "--json"], env)
    assert ping.returncode == 0, ping.stderr
    agencies = json.loads(ping.stdout)["agencies"]
    assert [a["agency"] for a in agencies if a["answers"]] == ["AF", "CSN", "FK", "SKV", "SO", "TNS", "MIV"]

    gen = run(["demo", "generate", "3", "--seed", "5", "--out", str(tmp_path / "b")], env)
    assert gen.returncode == 0, gen.stderr
    bundle = tmp_path / "b" / "SYN-5-00000.json"
    fetched = run(["case", "fetch", str(bundle)], env)
    assert fetched.returncode == 0, fetched.stderr
    sealed = json.loads(fetched.stdout)
    assert len(sealed["registry"]) == 7
    assert all(e["raw_sha256"] and ":" in e["request_id"] for e in sealed["registry"])
    assert b"xx-xxxx" in fetched.stderr  # notices name people masked only
    assert sealed["application"]["household"][0]["personnummer"].encode() not in fetched.stderr

    decided = run(["case", "decide", str(bundle), "--json"], env)
    assert decided.returncode == 0, decided.stderr
    basis = json.loads(decided.stdout)
    registry_facts = [f for f in basis["facts"] if f["source"] not in ("application",) and f.get("request_id")]
    assert registry_facts and all(f["request_id"].split(":")[1] for f in registry_facts)


def test_decide_on_demand_with_the_sandbox_down_is_manual_at_once(sandbox: Sandbox, tmp_path: Path) -> None:
    env = {**demo_env(sandbox, tmp_path), "FINAID_SANDBOX_URL": "http://127.0.0.1:9/ssbtek",
           "FINAID_SSBTEK_ATTEMPTS": "1"}
    doc = sandbox.bundle("single_unemployed").to_json_dict()  # no "registry": not fetched yet
    decided = run(["case", "decide", "-", "--json"], env, stdin=json.dumps(doc).encode())
    assert decided.returncode == 0, decided.stderr
    basis = json.loads(decided.stdout)
    assert basis["outcome"] == "MANUAL"
    assert {f["source"] for f in basis["findings"] if f["code"] == "registry.unavailable"} == {
        "skatteverket", "forsakringskassan", "pensionsmyndigheten", "arbetsformedlingen", "akassa", "csn",
        "migrationsverket",
    }


def test_outside_demo_mode_an_unfetched_bundle_is_refused_and_says_what_to_configure(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    doc = sandbox.bundle("student").to_json_dict()
    env = {"FINAID_DB_URL": f"sqlite:///{tmp_path}/f.db", "FINAID_HMAC_KEY": "k" * 32}
    out = run(["case", "decide", "-"], env, stdin=json.dumps(doc).encode())
    assert out.returncode == 1
    assert b"FINAID_SSBTEK_URL" in out.stderr and b"Traceback" not in out.stderr
    serve = run(["sandbox", "serve"], env)
    assert serve.returncode == 1 and b"demo mode" in serve.stderr
