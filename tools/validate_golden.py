"""Development check: validate the golden SSBTEK envelopes (tests/golden/ssbtek/) against the public
v10 schemas, which are NOT part of finaid (read them from a checkout of the public repository
Sundsvallskommun/api-service-financial-aid, folder src/main/resources/contract/v10).

    .venv/bin/python tools/validate_golden.py --schemas /path/to/contract/v10

What it checks (docs/registry.md, "Golden envelopes"):
- each envelope's ``hamtaBastjanstInformationResponse`` against sammansatt_bastjanst_v10.xsd (which
  imports the AF, SO, SKV, TNS and MIV schemas): every inline agency part is validated;
- the CSN document inside the base64 against kommunfraga.xsd (it imports a Sambruk schema that the
  public repository does not hold: then it says so and checks nothing);
- the LEFI JSON's field names against lefi-formansinformation-v9.openapi.yaml (names only);
- Skatteverket's document has no public schema: not checked.

With ``--sandbox N`` it also validates the sandbox's answers for the first N synthetic households
(seed 1), every adult, every agency included — the sandbox must speak the schemas too.

The ``unknown-element`` variants are expected to fail where they add elements the schema forbids
(that is their point); ``answer`` and ``other-month`` are expected to pass. Exit 1 if one of those
fails. Development only: not part of ``make test``.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

from lxml import etree

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden" / "ssbtek"
SSBT = "http://schema.forsakringskassan.se/integration/ssbt/10"
SSBT_XSD = "se/forsakringskassan/schema/integration/ssbt/_10/sammansatt_bastjanst_v10.xsd"
CSN_XSD = "se/csn/schema/v4_0/kommunfraga/kommunfraga.xsd"
LEFI_YAML = "se/forsakringskassan/schema/lefi/lefi-formansinformation-v9.openapi.yaml"


def load_schema(path: Path) -> tuple[etree.XMLSchema | None, str]:
    try:
        return etree.XMLSchema(etree.parse(str(path))), ""
    except (etree.XMLSchemaParseError, OSError, etree.XMLSyntaxError) as e:
        return None, str(e).splitlines()[0][:200]


def lefi_names(path: Path) -> set[str]:
    import yaml  # development dependency only

    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                names.update(props)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    return names


def json_keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node).union(*(json_keys(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(json_keys(v) for v in node)) if node else set()
    return set()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=Path, required=True, help="the contract/v10 folder of the public repository")
    parser.add_argument("--sandbox", type=int, default=0, help="also validate the sandbox's answers for N households")
    args = parser.parse_args()
    ssbt, why = load_schema(args.schemas / SSBT_XSD)
    if ssbt is None:
        print(f"cannot load {SSBT_XSD}: {why}")
        return 2
    csn, csn_why = load_schema(args.schemas / CSN_XSD)
    lefi = lefi_names(args.schemas / LEFI_YAML)
    failed = 0
    for envelope in sorted(GOLDEN.glob("*/*.xml")):
        if envelope.name.endswith((".csnsvar.xml",)):
            continue
        variant = envelope.stem
        must_pass = variant != "unknown-element"
        root = etree.parse(str(envelope)).getroot()
        response = next(e for e in root.iter(f"{{{SSBT}}}hamtaBastjanstInformationResponse"))
        ok = ssbt.validate(etree.ElementTree(etree.fromstring(etree.tostring(response))))
        notes = [] if ok else [str(e.message)[:160] for e in ssbt.error_log][:3]
        for svar in response.iter(f"{{{SSBT}}}svar"):
            doc = etree.fromstring(base64.b64decode("".join((svar.text or "").split())))
            if csn is None:
                notes.append(f"CSN document not checked: {csn_why[:120]}")
            elif not csn.validate(etree.ElementTree(doc)):
                ok = False
                notes += [f"CSN: {str(e.message)[:160]}" for e in csn.error_log][:3]
        for svar in response.iter(f"{{{SSBT}}}lefiJsonSvar"):
            unknown = sorted(json_keys(json.loads(base64.b64decode(svar.text or ""))) - lefi)
            if unknown:
                ok = False
                notes.append(f"LEFI field names not in the OpenAPI description: {', '.join(unknown)}")
        status = "valid" if ok else "INVALID"
        if must_pass and not ok:
            failed += 1
        expect = "" if must_pass else " (expected: adds elements the schema does not list)"
        print(f"{envelope.relative_to(GOLDEN)}: {status}{expect}")
        for n in notes:
            print(f"    {n}")
    if args.sandbox:
        failed += check_sandbox(args.sandbox, ssbt, lefi)
    return 1 if failed else 0


def check_sandbox(n: int, ssbt: etree.XMLSchema, lefi: set[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from adapters.devtools import synthetic
    from adapters.devtools.sandbox import answers
    from adapters.driven.evidence import MemoryEvidenceStore
    from adapters.driven.ssbtek.client import ClientConfig, SsbtekRegistrySource
    from adapters.driven.ssbtek.envelope import build_query
    from decision.validation import parse_bundle

    people = synthetic.population(n, 1)
    config = ClientConfig(url="http://127.0.0.1:9/ssbtek", include_tns=True)
    source = SsbtekRegistrySource(config, MemoryEvidenceStore())
    bad, total = 0, 0
    messages: dict[str, int] = {}
    for raw_bundle in synthetic.generate(n, 1):
        bundle = parse_bundle(json.dumps(raw_bundle))
        for q in source.queries(bundle):
            raw = answers.answer(answers.read_request(build_query(q)), people.get(q.person), [])
            response = next(etree.fromstring(raw).iter(f"{{{SSBT}}}hamtaBastjanstInformationResponse"))
            total += 1
            ok = ssbt.validate(etree.ElementTree(etree.fromstring(etree.tostring(response))))
            for svar in response.iter(f"{{{SSBT}}}lefiJsonSvar"):
                unknown = sorted(json_keys(json.loads(base64.b64decode(svar.text or ""))) - lefi)
                if unknown:
                    messages[f"LEFI names not in the description: {', '.join(unknown)}"] = 1 + messages.get(
                        f"LEFI names not in the description: {', '.join(unknown)}", 0)
            if not ok:
                bad += 1
                for e in ssbt.error_log:
                    messages[str(e.message)[:160]] = messages.get(str(e.message)[:160], 0) + 1
    print(f"sandbox: {total - bad} of {total} answers valid against sammansatt_bastjanst_v10.xsd")
    for m, count in sorted(messages.items(), key=lambda kv: -kv[1])[:10]:
        print(f"    {count}× {m}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
