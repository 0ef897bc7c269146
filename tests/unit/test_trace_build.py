"""The fast builders of the trace's frozen dataclasses give the very objects the dataclasses' own constructors give."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from decision.trace import FactRecord, Severity, StepKind, TraceStep, fact_record, trace_step


def _steps() -> list[tuple[TraceStep, TraceStep]]:
    return [
        (
            trace_step("norm.shared", "p_v4", StepKind.LINE, ("/a", "param:x"), "Gemensamma.", "SoL", 123),
            TraceStep(rule="norm.shared", pack="p_v4", kind=StepKind.LINE, inputs=("/a", "param:x"),
                      reason="Gemensamma.", legal_reference="SoL", amount=123),
        ),
        (
            trace_step("f.x", "p", StepKind.FINDING, (), "R.", None, code="c", severity=Severity.MANUAL,
                       source="csn", person="applicant", value="v"),
            TraceStep("f.x", "p", StepKind.FINDING, (), "R.", None, None, "c", Severity.MANUAL, "csn", "applicant",
                      "v"),
        ),
    ]


def _facts() -> list[tuple[FactRecord, FactRecord]]:
    return [
        (
            fact_record("/application/household/0", "age", "application", person="applicant", value=34,
                        fetched_at="2026-01-02T10:00:00+01:00", request_id="A-1"),
            FactRecord(id="/application/household/0", kind="age", source="application", person="applicant",
                       value=34, fetched_at="2026-01-02T10:00:00+01:00", request_id="A-1"),
        ),
        (
            fact_record("/registry/1/facts/0", "salary", "skatteverket", "partner", 1234500, None, "2026-01", "t", "r"),
            FactRecord("/registry/1/facts/0", "salary", "skatteverket", "partner", 1234500, None, "2026-01", "t", "r"),
        ),
        (fact_record("param:x", "parameter", "regelpaket p"), FactRecord("param:x", "parameter", "regelpaket p")),
    ]


@pytest.mark.parametrize(("fast", "slow"), [*_steps(), *_facts()])
def test_built_fast_is_the_same_frozen_object(fast: TraceStep | FactRecord, slow: TraceStep | FactRecord) -> None:
    assert type(fast) is type(slow)
    assert fast == slow
    assert hash(fast) == hash(slow)
    assert repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert pickle.loads(pickle.dumps(fast)) == slow
    assert copy.deepcopy(fast) == slow
    assert dataclasses.replace(fast) == slow
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.source = "changed"  # type: ignore[misc]
    assert not hasattr(fast, "__dict__")


def test_the_builders_take_every_field_in_order() -> None:
    """A field added to TraceStep or FactRecord must be added to its builder too (same names, same order)."""
    import inspect

    for cls, build in ((TraceStep, trace_step), (FactRecord, fact_record)):
        assert list(inspect.signature(build).parameters) == [f.name for f in dataclasses.fields(cls)]
        for f in dataclasses.fields(cls):
            default = inspect.signature(build).parameters[f.name].default
            expected = inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
            assert default == expected, f.name
