"""Done when: ``finaid case decide``, the night and a web sign-off each reach the same decide-and-store code.

A static check of the entry points (function-local imports and calls included): each calls the use case,
and no driving adapter writes through the old paths (the store's SQL, the audit chain, a state column).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _calls(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                out.add(f"{f.value.id}.{f.attr}")
            elif isinstance(f, ast.Name):
                out.add(f.id)
    return out


def test_case_decide_the_night_and_fetch_again_store_through_deciding() -> None:
    assert "deciding.decide" in _calls("adapters/driving/cli/case.py")
    assert "deciding.decide_many" in _calls("adapters/driving/batch/worker.py")
    assert "deciding.fetch_again" in _calls("adapters/driving/web/views/case.py")
    # the three reach store_decisions (decide -> store_one -> store_decisions; decide_many -> store_decisions)
    deciding = _calls("decision/services/deciding.py")
    assert {"store_decisions", "store_one", "store_bundles"} <= deciding


def test_submit_and_sign_off_go_through_their_use_cases() -> None:
    assert "intake.submit" in _calls("adapters/driving/cli/case.py")
    assert "intake.submit" in _calls("adapters/driving/api/routes.py")
    signoff = _calls("adapters/driving/web/signoff.py")
    assert {"use_case.sign", "use_case.countersign", "use_case.refuse", "use_case.return_for_information"} <= signoff
    assert "automate" in _calls("adapters/driving/web/auto.py")


def test_no_driving_adapter_appends_to_the_chain_of_a_case_itself() -> None:
    for path in ("adapters/driving/web/signoff.py", "adapters/driving/web/auto.py", "adapters/driving/batch/worker.py",
                 "adapters/driving/cli/case.py", "adapters/driving/api/routes.py"):
        calls = _calls(path)
        assert not calls & {"append_event", "append_events", "write_decisions", "add_fetched_revisions"}, path


def test_fetch_replay_and_impact_go_through_their_use_cases() -> None:
    assert "fetching.fetch" in _calls("adapters/driving/cli/case.py")
    assert {"replaying.replay", "replaying.between", "verdict"} <= _calls("adapters/driving/cli/audit.py")
    assert "redecide" in _calls("adapters/driving/lifecycle/impact_worker.py")
    assert {"impact.count", "impact.pages"} <= _calls("adapters/driving/lifecycle/impact.py")
    assert "replay_pinned" in _calls("audit/replay.py")  # audit judges; the use case decides again


def test_the_system_clock_is_read_only_in_the_clock_adapter() -> None:
    """One clock from the bootstrap: no use path reads the time itself (the registry client's ``fetched_at``
    default, a log line's own timestamp and the devtools aside; see docs/architecture.md, "The use cases")."""
    allowed = {"adapters/driven/clock.py", "adapters/driven/ssbtek/client.py", "adapters/driven/logging.py"}
    offenders = []
    for folder in ("decision", "rules", "audit", "adapters"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in allowed or rel.startswith(("adapters/devtools/", "adapters/driven/db/migrations/")):
                continue
            text = path.read_text(encoding="utf-8")
            calls = _calls(rel)
            if "utc_now" in text or "_SystemClock" in text or calls & {"datetime.now", "datetime.utcnow"}:
                offenders.append(rel)
    assert offenders == []
