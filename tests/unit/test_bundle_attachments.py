"""``application.attachments`` (finaid.case-bundle/2 only): the files that are part of an application, each by
id, sha256, media type, size and an optional label (docs/case-bundle.md, "application.attachments").

Every bad entry is refused naming the field; a /1 bundle may not carry it; a bundle without it hashes
exactly as before; the content hash changes when only a file is added; the rules do not read it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from decision.bundle_parts import ATTACHMENT_LABEL_MAX, ATTACHMENT_MAX_BYTES, ATTACHMENTS_MAX
from decision.bundle_v2 import json_schema
from decision.services.intake import bundle_hash
from decision.validation import parse_bundle
from tests.unit.test_bundle_v2 import edit, errors_of, v1, v2

SHA_A = hashlib.sha256(b"hyresavi").hexdigest()
SHA_B = hashlib.sha256(b"kvitto").hexdigest()


def entry(ident: str = "01JATTACHMENT0000000000001", sha: str = SHA_A, **more: Any) -> dict[str, Any]:
    return {"id": ident, "sha256": sha, "media_type": "application/pdf", "size": 2048, **more}


def with_files(*files: dict[str, Any]) -> dict[str, Any]:
    data = v2()
    data["application"]["attachments"] = list(files)
    return data


def test_a_v2_bundle_lists_its_files_and_dumps_them_as_received() -> None:
    data = with_files(entry(label="  Hyresavi december "), entry("01JATTACHMENT0000000000002", SHA_B,
                                                                 media_type="image/png", size=1))
    bundle = parse_bundle(json.dumps(data))
    files = bundle.application.attachments
    assert files is not None and [f.id for f in files] == ["01JATTACHMENT0000000000001", "01JATTACHMENT0000000000002"]
    assert files[0].label == "Hyresavi december" and files[1].label is None  # stripped; absent stays absent
    dumped = bundle.to_json_dict()["application"]["attachments"]
    assert dumped[0] == {"id": "01JATTACHMENT0000000000001", "sha256": SHA_A, "media_type": "application/pdf",
                         "size": 2048, "label": "Hyresavi december"}
    assert "label" not in dumped[1]
    assert parse_bundle(json.dumps(bundle.to_json_dict())).to_json_dict() == bundle.to_json_dict()


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("id", "", "application.attachments[0].id"),
        ("id", "-bilaga", "application.attachments[0].id: has the wrong format"),
        ("id", "a:sha256:b", "application.attachments[0].id: has the wrong format"),
        ("id", "x" * 65, "application.attachments[0].id"),
        ("sha256", SHA_A.upper(), "application.attachments[0].sha256: has the wrong format"),
        ("sha256", SHA_A[:-1], "application.attachments[0].sha256: has the wrong format"),
        ("sha256", ..., "application.attachments[0].sha256: is required"),
        ("media_type", "text/html", "application.attachments[0].media_type"),
        ("media_type", "application/PDF", "application.attachments[0].media_type"),
        ("size", 0, "application.attachments[0].size"),
        ("size", ATTACHMENT_MAX_BYTES + 1, "application.attachments[0].size"),
        ("size", "2048", "application.attachments[0].size: must be a whole number"),
        ("size", True, "application.attachments[0].size: must be a whole number"),
        ("label", "", "application.attachments[0].label: must not be empty"),
        ("label", "x" * (ATTACHMENT_LABEL_MAX + 1), f"application.attachments[0].label: must be at most "
                                                     f"{ATTACHMENT_LABEL_MAX}"),
        ("label", "Hyra\nJanuari", "application.attachments[0].label: must not contain control"),
        ("filename", "hyra.pdf", "application.attachments[0].filename: unknown field"),
    ],
)
def test_a_bad_attachment_is_refused_naming_its_field(path: str, value: Any, expected: str) -> None:
    data = edit(with_files(entry()), f"application/attachments/0/{path}", value)
    assert any(e.startswith(expected) for e in errors_of(data)), errors_of(data)


def test_the_list_is_a_list_within_its_limit() -> None:
    assert any(e.startswith("application.attachments: must be a list")
               for e in errors_of(edit(v2(), "application/attachments", "bilaga")))
    many = [entry(f"bilaga-{i}") for i in range(ATTACHMENTS_MAX + 1)]
    assert any(e.startswith("application.attachments") for e in errors_of(with_files(*many)))
    parse_bundle(json.dumps(with_files(*many[:ATTACHMENTS_MAX])))


def test_a_file_listed_twice_and_a_document_with_another_hash_are_refused() -> None:
    twice = with_files(entry(), entry(sha=SHA_B))
    assert "application.attachments[1].id: this attachment is listed twice" in errors_of(twice)
    data = with_files(entry())
    data["application"]["costs"][0]["document"] = f"01JATTACHMENT0000000000001:sha256:{SHA_B}"
    assert any(e.startswith("application.costs[0].document: names an attachment") for e in errors_of(data))
    data["application"]["costs"][0]["document"] = f"01JATTACHMENT0000000000001:sha256:{SHA_A}"
    parse_bundle(json.dumps(data))  # the same hash: fine
    data["application"]["costs"][0]["document"] = f"01JOTHER:sha256:{SHA_B}"
    parse_bundle(json.dumps(data))  # a document not listed (an earlier file, a municipality's reference): fine


def test_a_v1_bundle_may_not_carry_attachments() -> None:
    data = v1()
    data["application"]["attachments"] = [entry()]
    assert "application.attachments: finns bara i finaid.case-bundle/2" in errors_of(data)
    data["application"]["attachments"] = []
    assert "application.attachments: finns bara i finaid.case-bundle/2" in errors_of(data)


def test_without_attachments_the_hash_is_as_before_and_a_file_alone_changes_it() -> None:
    data = v2()
    before = bundle_hash(parse_bundle(json.dumps(data)))
    assert "attachments" not in parse_bundle(json.dumps(data)).to_json_dict()["application"]
    one = bundle_hash(parse_bundle(json.dumps(with_files(entry()))))
    two = bundle_hash(parse_bundle(json.dumps(with_files(entry(), entry("bilaga-2", SHA_B)))))
    other_content = bundle_hash(parse_bundle(json.dumps(with_files(entry(sha=SHA_B)))))
    assert len({before, one, two, other_content}) == 4
    assert bundle_hash(parse_bundle(json.dumps(with_files(entry())))) == one  # deterministic


def test_the_schemas_show_attachments_in_v2_only() -> None:
    two, one = json_schema(2), json_schema(1)
    assert "attachments" in two["$defs"]["Application"]["properties"]
    spec = two["$defs"]["Attachment"]
    assert spec["properties"]["media_type"]["enum"] == ["application/pdf", "image/jpeg", "image/png"]
    assert spec["properties"]["size"]["maximum"] == ATTACHMENT_MAX_BYTES
    assert "attachments" not in one["$defs"]["Application"]["properties"] and "Attachment" not in one["$defs"]


def test_the_rules_do_not_read_the_files(pipeline: Any) -> None:
    """A /2 example is decided the same with and without files (they are evidence, not input to the rules)."""
    from datetime import date
    from pathlib import Path

    example = sorted((Path(__file__).resolve().parents[2] / "examples" / "bundles-v2").glob("*.json"))[0]
    plain = json.loads(example.read_text(encoding="utf-8"))
    files = json.loads(example.read_text(encoding="utf-8"))
    files["application"]["attachments"] = [entry(), entry("bilaga-2", SHA_B, media_type="image/jpeg")]
    day = date(2026, 12, 4)
    a = pipeline.evaluate(pipeline.seal(parse_bundle(json.dumps(plain))), as_of=day)
    b = pipeline.evaluate(pipeline.seal(parse_bundle(json.dumps(files))), as_of=day)
    assert b.bundle.application.attachments is not None
    assert a.basis.canonical_json() == b.basis.canonical_json()
