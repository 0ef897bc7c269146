"""Search by name: the normalised tokens of a name, and the keyed index rows made from them (never the name)."""

from __future__ import annotations

import json
from pathlib import Path

from audit.access import name_key, person_key
from decision.names import entries, tokens
from decision.validation import parse_bundle

KEY = b"finaid-unit-test-hmac-key-0123456789"
V2 = Path(__file__).resolve().parents[2] / "examples" / "bundles-v2"


def test_tokens_are_nfkc_casefolded_and_split_on_space_and_hyphens() -> None:
    assert tokens("  Anna-Karin   ÅSTRÖM ") == ["anna", "karin", "åström"]
    assert tokens("Eva\u2013Lena\tBerg\u00a0Ek") == ["eva", "lena", "berg", "ek"]  # en dash, tab, no-break space
    assert tokens("Ｌｉｎｎéa") == ["linnéa"]  # full-width letters (NFKC)
    assert tokens("A\u030asa") == tokens("Åsa") == ["åsa"]  # a decomposed å is the same letter
    assert tokens("Anna anna ANNA") == ["anna"]
    assert tokens(" - ") == [] and tokens("") == []


def test_swedish_letters_are_not_folded_to_their_base_letter() -> None:
    assert tokens("Åsa Öberg") != tokens("Asa Oberg")
    assert name_key(KEY, "åsa") != name_key(KEY, "asa")


def test_a_token_key_is_keyed_and_never_a_person_key() -> None:
    assert name_key(KEY, "anna") == name_key(KEY, "anna") != name_key(b"another-key-0123456789abc", "anna")
    assert len(name_key(KEY, "anna")) == 64 and "anna" not in name_key(KEY, "anna")
    assert name_key(KEY, "198507092388") != person_key(KEY, "198507092388")


def test_entries_hold_only_keys_one_row_per_person_and_token() -> None:
    bundle = parse_bundle(next(V2.glob("21-*.json")).read_bytes())
    rows = entries(bundle, lambda p: person_key(KEY, p), lambda t: name_key(KEY, t))
    members = bundle.application.household
    expected = {(person_key(KEY, m.personnummer), name_key(KEY, t)) for m in members for t in tokens(str(m.name))}
    assert set(rows) == expected and len(rows) == len(expected)
    text = json.dumps(rows).casefold()
    for m in members:  # neither a name, nor a token, nor a personnummer in clear
        assert m.personnummer not in text
        assert all(t not in text for t in tokens(str(m.name)))


def test_no_rows_without_a_key_or_without_names() -> None:
    bundle = parse_bundle(next(V2.glob("21-*.json")).read_bytes())
    assert entries(bundle, lambda p: None, lambda t: name_key(KEY, t)) == []
    assert entries(bundle, lambda p: person_key(KEY, p), lambda t: None) == []
    raw = json.loads(next(V2.glob("21-*.json")).read_text())
    for m in raw["application"]["household"]:
        m.pop("name", None)
    unnamed = parse_bundle(json.dumps(raw).encode())
    assert entries(unnamed, lambda p: person_key(KEY, p), lambda t: name_key(KEY, t)) == []
