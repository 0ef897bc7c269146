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
