"""The element inventory committed beside the tests (element_inventory.json, written from the public
v10 schemas: required/optional per element) is the one the readers tolerate by
(adapters/driven/ssbtek/inventory.py), and every element the readers read is in it."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.driven.ssbtek import inventory

COMMITTED = json.loads((Path(__file__).parent / "element_inventory.json").read_text(encoding="utf-8"))


def test_the_committed_inventory_is_the_readers_inventory() -> None:
    for name, table in inventory.XML_INVENTORIES.items():
        want = {p: {c: ("required" if r else "optional") for c, r in kids.items()} for p, kids in table.items()}
        assert COMMITTED[name]["elements"] == want, name
    fields = COMMITTED["LEFI"]["fields"]
    assert set(fields["answer"]) == inventory.LEFI_ANSWER
    assert set(fields["formansinformation"]) == inventory.LEFI_FORMANSINFORMATION
    assert set(fields["utbetalningsuppgift"]) == inventory.LEFI_FK_PAYMENT
    assert set(fields["PM utbetalning"]) == inventory.LEFI_PM_PAYMENT


def test_what_the_readers_read_is_listed() -> None:
    for name in inventory.XML_INVENTORIES:
        elements = COMMITTED[name]["elements"]
        for path in COMMITTED[name]["read"]:
            parent, child = path.split(" ")[0].split("/")
            if child.startswith("@"):
                continue  # an attribute of the listed element
            assert child in elements[parent], (name, path)


def test_the_schema_required_elements_finaid_reads_are_required() -> None:
    # the person and the echoed period are required by the schemas: their absence is no answer
    assert COMMITTED["SO"]["elements"]["data"]["IdentificationNumber"] == "required"
    assert COMMITTED["SO"]["elements"]["data"]["Syfte"] == "required"
    assert COMMITTED["SO"]["elements"]["data"]["Paragraf"] == "required"
    assert COMMITTED["AF"]["elements"]["Svar"]["IdentitetsbeteckningFysiskPerson"] == "required"
    assert COMMITTED["CSN document"]["elements"]["Utbetalning"]["totbelopp"] == "required"
