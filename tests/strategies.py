"""Generated case bundles for property tests (hypothesis) and for the benchmark (plain ``random``).

One builder, two sources of choices: :func:`build_valid_bundle` asks a :class:`Chooser` for every
decision it makes. In property tests the chooser draws from hypothesis (so failures shrink); in
``benchmarks/evaluate.py`` it is a seeded :class:`random.Random` (deterministic, no hypothesis).
Choices are written so that the value hypothesis shrinks towards (0) is the ordinary case: a
complete registry, a confirmed income, a present labour-market entry.

Every bundle :func:`build_valid_bundle` returns is valid under the contract (docs/case-bundle.md):
1–9 members in any order, months 2023-01..2026-12, every income, cost, asset and labour kind,
registry answers of every status (or no registry at all), personnummer and samordningsnummer with
and without ``-``. :func:`invalid_bundles` breaks one rule of the contract and names the field path
the error must carry.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from decision import personnummer as pnr
from decision.bundle import AUTHORITATIVE_SOURCE, Source
from decision.money import parse_kronor
from decision.validation import age_on

T = TypeVar("T")

SOURCES = tuple(src.value for src in Source)
INCOME_KINDS = (
    "salary",
    "sickness_benefit",
    "activity_compensation",
    "parental_benefit",
    "unemployment_benefit",
    "activity_support",
    "establishment_allowance",
    "student_aid",
    "pension",
    "housing_allowance",
    "child_allowance",
    "maintenance_support",
    "other",
)
# which source confirms which income (the contract's Interpretation), as strings
AUTHORITY = {k.value: v.value for k, v in AUTHORITATIVE_SOURCE.items() if v is not None}
COST_KINDS = ("rent", "household_electricity", "work_travel", "home_insurance", "union_fee",
              "unemployment_fund_fee", "other")
ASSET_KINDS = ("bank_account", "vehicle", "property", "securities", "other")
LABOUR = ("registered_at_af", "employed", "sick_with_certificate", "parental_leave", "studying", "not_registered")
RESIDENCE = ("permanent", "temporary", "expired", "none")
MUNICIPALITIES = ("1287", "0180", "1480", "1280", "0380", "2480", "0114")
FIRST_MONTH = (2023, 1)
MONTHS = 48  # 2023-01 .. 2026-12: both packs
OFFSETS = (timezone(timedelta(hours=1)), timezone(timedelta(hours=2)), UTC)
PNR_PATTERN = r"\d{12}|\d{8}-\d{4}"
"""What a personnummer looks like in text; no error message may contain one."""


# --------------------------------------------------------------------------- choosers
class Chooser(Protocol):
    def integer(self, lo: int, hi: int) -> int: ...


class RandomChooser:
    """Choices from a seeded ``random.Random`` (the benchmark's generator)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


class DrawChooser:
    """Choices drawn by hypothesis (shrinkable)."""

    def __init__(self, draw: Callable[[st.SearchStrategy[int]], int]) -> None:
        self.draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))


def _usually(c: Chooser, percent: int) -> bool:
    """True with about ``percent`` % probability; hypothesis shrinks towards True."""
    return c.integer(0, 99) < percent


def _pick(c: Chooser, items: Sequence[T]) -> T:
    return items[c.integer(0, len(items) - 1)]


def _shuffled(c: Chooser, items: list[T]) -> list[T]:
    out = list(items)
    for i in range(len(out) - 1, 0, -1):
        j = c.integer(0, i)
        out[i], out[j] = out[j], out[i]
    return out


MAX_ORE = 99_999_999_999  # 999 999 999.99 kr, the largest amount the contract's pattern allows


def _ore(c: Chooser) -> int:
    size = c.integer(0, 19)
    if size == 0:
        return 0
    if size == 1:
        return c.integer(1, 99)  # öre only
    if size == 2:
        return c.integer(0, MAX_ORE)
    return c.integer(100, 3_000_000)  # 1 .. 30 000 kr


def kronor(c: Chooser, ore: int) -> str:
    """A contract amount string for ``ore``, in one of its allowed spellings."""
    style = c.integer(0, 2)
    whole, frac = divmod(ore, 100)
    if frac == 0 and style == 0:
        return str(whole)
    if frac % 10 == 0 and style == 1:
        return f"{whole}.{frac // 10}"
    return f"{whole}.{frac:02d}"


def _month(c: Chooser) -> tuple[str, date]:
    k = c.integer(0, MONTHS - 1)
    year, month = FIRST_MONTH[0] + k // 12, FIRST_MONTH[1] + k % 12
    return f"{year:04d}-{month:02d}", date(year, month, 1)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --------------------------------------------------------------------------- valid bundles
def build_valid_bundle(c: Chooser, app_no: int = 1) -> dict[str, Any]:
    """A valid ``finaid.case-bundle/1`` as a JSON-ready dict, every choice asked of ``c``.

    About half the bundles are *tidy* (a complete registry confirming the declared incomes, every
    adult at the labour market's disposal: the re-applications a robot could decide); the rest
    deviate from that in any of the ways the contract allows, each with its own probability.
    """
    tidy = _usually(c, 50)

    def odd(percent: int) -> bool:
        """A deviation from the tidy case: never when tidy, else with ``percent`` % probability."""
        return not tidy and not _usually(c, 100 - percent)

    month, start = _month(c)
    # submitted up to 45 days before the month, or early in the month itself
    submitted = datetime(start.year, start.month, 1, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    submitted += timedelta(days=c.integer(-45, 10), seconds=c.integer(0, 86_399))
    submitted = submitted.astimezone(_pick(c, OFFSETS))
    sub_day = submitted.date()

    size = c.integer(1, 9)
    roles = ["applicant"]
    if size > 1 and _usually(c, 60):
        roles.append("partner")
    roles += ["child"] * (size - len(roles))
    roles = _shuffled(c, roles)

    members: list[dict[str, Any]] = []
    ages: list[int] = []
    spelled: list[str] = []  # how references spell each member's number (with or without '-')
    for i, role in enumerate(roles):
        if role == "child":
            oldest = _years_before(start, 21) + timedelta(days=1)
            born = date.fromordinal(c.integer(oldest.toordinal(), sub_day.toordinal()))
        else:
            born = date.fromordinal(c.integer(date(1930, 1, 1).toordinal(), _years_before(start, 18).toordinal()))
        number = pnr.make(born, i * 100 + c.integer(0, 99), coordination=odd(10))
        dashed = f"{number[:8]}-{number[8:]}"
        members.append({"personnummer": dashed if not _usually(c, 80) else number, "role": role})
        spelled.append(dashed if not _usually(c, 80) else number)
        ages.append(age_on(born, start))
        if role == "child":
            if ages[i] >= 18:
                members[-1]["attends_school"] = not odd(50)
            elif not _usually(c, 80):
                members[-1]["attends_school"] = _usually(c, 50)
            if ages[i] <= 7 and not _usually(c, 60) and (start.year >= 2026 or odd(100)):
                members[-1]["preschool_lunch"] = True
    adults = [i for i, r in enumerate(roles) if r != "child"]

    incomes: list[dict[str, Any]] = []
    for _ in range(c.integer(0, 5)):
        who = c.integer(0, size - 1) if odd(40) else _pick(c, adults)
        kind = _pick(c, INCOME_KINDS) if odd(100) or roles[who] != "child" else "salary"
        if kind == "other" and not odd(100):
            kind = "salary"
        ore = _ore(c)
        row: dict[str, Any] = {"person": spelled[who], "kind": kind, "amount": kronor(c, ore)}
        if roles[who] == "child" and kind == "salary":
            ytd = ore + _pick(c, (0, c.integer(0, 10_000_000), 5_880_000, 5_920_000))
            row["year_to_date"] = kronor(c, min(MAX_ORE, ytd))
        incomes.append(row)

    costs: list[dict[str, Any]] = []
    for _ in range(c.integer(0, 6)):
        kind = _pick(c, ("rent", *COST_KINDS))
        if kind == "other" and not odd(100):
            kind = "rent"
        row = {"kind": kind, "amount": kronor(c, _ore(c))}
        if kind == "other":
            row["description"] = _pick(c, ("Tandvård", "Glasögon", "Spis (trasig)", "Läkarvård", "Flytt"))
        costs.append(row)

    assets = [
        {"person": spelled[c.integer(0, size - 1)], "kind": _pick(c, ASSET_KINDS),
         "value": kronor(c, _pick(c, (c.integer(0, 600_000), 500_000, 500_001, _ore(c))) if odd(100)
                         else c.integer(0, 150_000))}
        for _ in range(c.integer(0, 3 if odd(100) else 1))
    ]

    labour: list[dict[str, Any]] = []
    for i in range(size):
        if roles[i] == "child":
            wanted = odd(10)
        else:
            wanted = not odd(8)
        if wanted:
            if odd(100):
                status = "registered_at_af" if _usually(c, 50) else _pick(c, LABOUR)
            else:
                status = _pick(c, ("registered_at_af", "registered_at_af", "employed", "sick_with_certificate",
                                   "parental_leave"))
            labour.append({"person": spelled[i], "status": status})

    app: dict[str, Any] = {
        "id": f"APP-GEN-{app_no:06d}",
        "municipality": _pick(c, MUNICIPALITIES) if _usually(c, 90) else f"{c.integer(0, 9999):04d}",
        "month": month,
        "kind": "first" if odd(25) else "reapplication",
        "submitted_at": submitted.isoformat(),
        "household": members,
    }
    if not _usually(c, 50):
        app["household_changed"] = odd(30)
    for key, rows in (("incomes", incomes), ("costs", costs), ("assets", assets), ("labour_market", labour)):
        if rows or not _usually(c, 50):
            app[key] = rows
    if _usually(c, 80):
        app["previous_aid"] = {
            "consecutive_months": _pick(c, (c.integer(0, 30), 5, 6)),
            "jobbstimulans_months_used": _pick(c, (0, c.integer(0, 30), 23, 24)),
        }
    bundle: dict[str, Any] = {"schema": "finaid.case-bundle/1", "application": app}

    if odd(12):
        if _usually(c, 50):
            bundle["registry"] = []
        return bundle  # registry absent: decided as []
    registry: list[dict[str, Any]] = []
    for i in range(size):
        for source in SOURCES:
            present = not odd(4) if i in adults else not _usually(c, 88)
            if not present:
                continue
            if odd(8):
                status = "unavailable"
            else:
                status = "ok" if _usually(c, 65) else "no_data"
            age_s = -c.integer(60, 86_400)  # fetched just after submission, the usual case
            if odd(15):
                age_s = _pick(c, (-3600, 0, 86_400, 30 * 86_400, 30 * 86_400 + 1, c.integer(-86_400, 50 * 86_400)))
            fetched = (submitted - timedelta(seconds=age_s)).astimezone(_pick(c, OFFSETS))
            entry: dict[str, Any] = {
                "source": source,
                "person": spelled[i],
                "status": status,
                "fetched_at": fetched.isoformat(),
                "request_id": f"{source[:3]}-{app_no}-{len(registry)}",
            }
            if status == "unavailable":
                entry["error"] = _pick(c, ("HTTP 503", "timeout after 30 s", "SOAP fault: Server"))
            if status == "ok":
                entry["facts"] = _registry_facts(c, odd, source, spelled[i], month, incomes)
            if not _usually(c, 95):
                entry["raw_sha256"] = f"{c.integer(0, 2**64 - 1):064x}"
            registry.append(entry)
    bundle["registry"] = _shuffled(c, registry) if not _usually(c, 70) else registry
    return bundle


def _registry_facts(
    c: Chooser, odd: Callable[[int], bool], source: str, person: str, month: str, incomes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    facts: list[dict[str, Any]] = []
    for inc in incomes:
        if inc["person"] != person or AUTHORITY.get(inc["kind"]) != source or odd(25):
            continue
        declared = parse_kronor(inc["amount"])
        delta = _pick(c, (0, 0, 5000, 10_000, -10_000))
        if odd(40):
            delta = _pick(c, (10_001, -10_001, c.integer(-2_000_000, 2_000_000)))
        facts.append({"kind": inc["kind"], "month": month, "amount": kronor(c, min(MAX_ORE, max(0, declared + delta)))})
    for _ in range(c.integer(1, 2) if odd(30) else 0):
        kind = _pick(c, tuple(AUTHORITY))
        other_month = month if _usually(c, 60) else "2022-12"
        facts.append({"kind": kind, "month": other_month, "amount": kronor(c, _ore(c))})
    if source == "arbetsformedlingen" and not odd(10):
        facts.append({"kind": "registered", "value": not odd(15)})
    if source == "migrationsverket" and _usually(c, 50):
        facts.append({"kind": "residence_status", "value": _pick(c, RESIDENCE) if odd(100) else "permanent"})
    if source in ("skatteverket", "forsakringskassan", "arbetsformedlingen") and _usually(c, 40):
        facts.append({"kind": "protected_identity", "value": odd(10)})
    return _shuffled(c, facts)


def random_bundles(n: int, seed: int) -> list[str]:
    """``n`` valid bundles as JSON text, the same for the same seed (the benchmark's workload)."""
    return [json.dumps(build_valid_bundle(RandomChooser(seed * 1_000_003 + k), k + 1)) for k in range(n)]


@st.composite
def valid_bundles(draw: st.DrawFn) -> dict[str, Any]:
    """A valid case bundle (a dict in wire form)."""
    return build_valid_bundle(DrawChooser(draw), draw(st.integers(1, 999_999)))


# --------------------------------------------------------------------------- invalid bundles
@dataclass(frozen=True)
class Broken:
    """A bundle with one rule of the contract broken, and the field the error must name."""

    name: str
    text: str
    path: str


def _valid_number(c: Chooser, born: date = date(1979, 4, 2)) -> str:
    return pnr.make(born, c.integer(900, 999))


def _member_index(c: Chooser, b: dict[str, Any]) -> int:
    return c.integer(0, len(b["application"]["household"]) - 1)


def _ensure(b: dict[str, Any], key: str, row: dict[str, Any]) -> int:
    rows = b["application"].setdefault(key, [])
    rows.append(row)
    return len(rows) - 1


def _applicant_number(b: dict[str, Any]) -> str:
    return str(next(m["personnummer"] for m in b["application"]["household"] if m["role"] == "applicant"))


Mutation = Callable[[Chooser, dict[str, Any]], tuple[str, str | None]]
"""Breaks the bundle in place; returns (the path the error must name, replacement JSON text or None)."""


def _bad_bool(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    b["application"]["household_changed"] = _pick(c, ("yes", 1, None, "false"))
    return "application.household_changed", None


def _float_amount(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    i = _ensure(b, "costs", {"kind": "rent", "amount": "1.00"})
    b["application"]["costs"][i]["amount"] = _pick(c, (6000.5, 6000.0, 0.1))
    return f"application.costs[{i}].amount", None


def _number_amount(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    i = _ensure(b, "incomes", {"person": _applicant_number(b), "kind": "pension", "amount": "1"})
    b["application"]["incomes"][i]["amount"] = _pick(c, (6000, 0, True))
    return f"application.incomes[{i}].amount", None


def _malformed_amount(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    i = _ensure(b, "assets", {"person": _applicant_number(b), "kind": "bank_account", "value": "1"})
    b["application"]["assets"][i]["value"] = _pick(
        c, ("-100.00", "-1", "06000", "6000,50", "1e3", "6000.505", "", " 12", "1 000", "+5", "1000000000")
    )
    return f"application.assets[{i}].value", None


def _wrong_check_digit(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    i = _member_index(c, b)
    m = b["application"]["household"][i]
    number = m["personnummer"]
    m["personnummer"] = number[:-1] + str((int(number[-1]) + c.integer(1, 9)) % 10)
    return f"application.household[{i}].personnummer", None


def _impossible_date(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    i = _member_index(c, b)
    b["application"]["household"][i]["personnummer"] = _pick(c, ("198502302381", "19851301-2385", "1985070", "x" * 12))
    return f"application.household[{i}].personnummer", None


def _unknown_field(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    where = c.integer(0, 4)
    if where == 0:
        b["comment"] = "hej"
        return "comment", None
    if where == 1:
        b["application"]["montly_income"] = "100"
        return "application.montly_income", None
    if where == 2:
        i = _member_index(c, b)
        b["application"]["household"][i]["name"] = "Anna"
        return f"application.household[{i}].name", None
    if where == 3:
        b["application"]["previous_aid"] = {"consecutive_months": 1, "months": 2}
        return "application.previous_aid.months", None
    entry = {"source": "csn", "person": _applicant_number(b), "status": "ok",
             "fetched_at": "2023-01-01T00:00:00+01:00", "request_id": "x",
             "facts": [{"kind": "student_aid", "month": "2023-01", "amount": "1", "note": "n"}]}
    b["registry"] = [entry]
    return "registry[0].facts[0].note", None


def _two_applicants(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    hh = b["application"]["household"]
    others = [i for i, m in enumerate(hh) if m["role"] != "applicant"]
    if others and _usually(c, 50):
        hh[_pick(c, others)]["role"] = "applicant"
    else:
        hh.append({"personnummer": _valid_number(c), "role": "applicant"})
    return "application.household", None


def _two_partners(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    hh = b["application"]["household"]
    hh.append({"personnummer": _valid_number(c, date(1970, 1, 1)), "role": "partner"})
    hh.append({"personnummer": _valid_number(c, date(1971, 2, 2)), "role": "partner"})
    return "application.household", None


def _empty_household(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    b["application"]["household"] = []
    return "application.household", None


def _month_without_pack(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    # earlier than every pack: moving a month earlier never makes a child too old
    b["application"]["month"] = f"{c.integer(2015, 2022)}-{c.integer(1, 12):02d}"
    return "application.month", None


def _month_malformed(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    b["application"]["month"] = _pick(c, ("2023-13", "2023-3", "202303", "March 2023", 202303))
    return "application.month", None


def _missing_required(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    key = _pick(c, ("id", "municipality", "month", "kind", "submitted_at", "household"))
    del b["application"][key]
    return f"application.{key}", None


def _no_offset(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    b["application"]["submitted_at"] = _pick(c, ("2023-02-22T08:12:00", "2023-02-22", "yesterday"))
    return "application.submitted_at", None


def _bad_municipality(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    b["application"]["municipality"] = _pick(c, ("128", "12870", "12a7", 1287))
    return "application.municipality", None


def _stranger(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    i = _ensure(b, "incomes", {"person": _valid_number(c, date(1960, 6, 6)), "kind": "pension", "amount": "100"})
    return f"application.incomes[{i}].person", None


def _member_twice(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    hh = b["application"]["household"]
    hh.append({"personnummer": hh[0]["personnummer"].replace("-", ""), "role": "child"})
    return f"application.household[{len(hh) - 1}].personnummer", None


def _answer_twice(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    entry = {"source": "akassa", "person": _applicant_number(b), "status": "no_data",
             "fetched_at": "2023-01-01T00:00:00+01:00", "request_id": "aka-1"}
    b["registry"] = [*(b.get("registry") or []), entry, dict(entry, request_id="aka-2")]
    return f"registry[{len(b['registry']) - 1}]", None


def _child_too_old(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    hh = b["application"]["household"]
    year = int(b["application"]["month"][:4])
    hh.append({"personnummer": pnr.make(date(year - c.integer(22, 40), 1, 15), 555), "role": "child"})
    return f"application.household[{len(hh) - 1}].role", None


def _child_not_born(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    hh = b["application"]["household"]
    submitted = datetime.fromisoformat(b["application"]["submitted_at"]).date()
    hh.append({"personnummer": pnr.make(submitted + timedelta(days=c.integer(1, 20)), 556), "role": "child"})
    return f"application.household[{len(hh) - 1}].personnummer", None


def _unavailable_without_error(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    entry = {"source": "csn", "person": _applicant_number(b), "status": "unavailable",
             "fetched_at": "2023-01-01T00:00:00+01:00", "request_id": "csn-1"}
    b["registry"] = [entry]
    return "registry[0].error", None


def _school_flag_on_adult(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    hh = b["application"]["household"]
    i = next(i for i, m in enumerate(hh) if m["role"] == "applicant")
    flag = _pick(c, ("attends_school", "preschool_lunch"))
    hh[i][flag] = True
    return f"application.household[{i}].{flag}", None


def _other_cost_without_description(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    i = _ensure(b, "costs", {"kind": "other", "amount": "100"})
    return f"application.costs[{i}].description", None


def _child_salary_without_ytd(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    hh = b["application"]["household"]
    hh.append({"personnummer": pnr.make(date(int(b["application"]["month"][:4]) - 16, 3, 3), 557), "role": "child"})
    i = _ensure(b, "incomes", {"person": hh[-1]["personnummer"], "kind": "salary", "amount": "1000"})
    if _usually(c, 50):
        b["application"]["incomes"][i]["year_to_date"] = "999.99"
    return f"application.incomes[{i}].year_to_date", None


def _unknown_kind(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    i = _ensure(b, "costs", {"kind": "rent", "amount": "100"})
    b["application"]["costs"][i]["kind"] = _pick(c, ("hyra", "Rent", "", "car"))
    return f"application.costs[{i}].kind", None


def _wrong_schema(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    b["schema"] = _pick(c, ("finaid.case-bundle/2", "", "finaid.decision-basis/1"))
    if b["schema"] == "finaid.case-bundle/2":
        # A /1 bundle relabelled /2 is wrong only through a /1-only field: without previous_aid it is a
        # valid /2 bundle (every /2 field is optional), decided by any pack that takes /2 (the _v3 packs,
        # published 2026-12-04). With previous_aid it is refused at schema and previous_aid, on any date.
        b["application"].setdefault("previous_aid", {"consecutive_months": 0, "jobbstimulans_months_used": 0})
    return "schema", None


def _registered_from_wrong_source(c: Chooser, b: dict[str, Any]) -> tuple[str, str | None]:
    entry = {"source": "skatteverket", "person": _applicant_number(b), "status": "ok",
             "fetched_at": "2023-01-01T00:00:00+01:00", "request_id": "skv-1",
             "facts": [{"kind": "registered", "value": True}]}
    b["registry"] = [entry]
    return "registry[0].facts[0].kind", None


MUTATIONS: dict[str, Mutation] = {
    f.__name__.lstrip("_"): f
    for f in (
        _bad_bool, _float_amount, _number_amount, _malformed_amount, _wrong_check_digit, _impossible_date,
        _unknown_field, _two_applicants, _two_partners, _empty_household, _month_without_pack,
        _month_malformed, _missing_required, _no_offset, _bad_municipality, _stranger, _member_twice,
        _answer_twice, _child_too_old, _child_not_born, _unavailable_without_error, _school_flag_on_adult,
        _other_cost_without_description, _child_salary_without_ytd, _unknown_kind, _wrong_schema,
        _registered_from_wrong_source,
    )
}


class ScriptedChooser:
    """Choices read from a list, in order (an explicit example of a mutation; 0 when it runs out)."""

    def __init__(self, choices: Sequence[int]) -> None:
        self.choices = list(choices)

    def integer(self, lo: int, hi: int) -> int:
        value = self.choices.pop(0) if self.choices else lo
        if not lo <= value <= hi:
            raise ValueError(f"scripted choice {value} outside {lo}..{hi}")
        return value


def broken_example(name: str, base: dict[str, Any], choices: Sequence[int] = ()) -> Broken:
    """The mutation ``name`` applied to ``base`` with the given choices: an ``@example`` of invalid_bundles."""
    return _broken(name, base, ScriptedChooser(choices))


def _broken(name: str, base: dict[str, Any], c: Chooser) -> Broken:
    broken = copy.deepcopy(base)
    path, text = MUTATIONS[name](c, broken)
    return Broken(name, text if text is not None else json.dumps(broken, ensure_ascii=False), path)


@st.composite
def invalid_bundles(draw: st.DrawFn) -> Broken:
    """A valid bundle with exactly one contract rule broken."""
    base = draw(valid_bundles())
    name = draw(st.sampled_from(sorted(MUTATIONS)))
    return _broken(name, base, DrawChooser(draw))
