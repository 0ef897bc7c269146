"""Shared pieces of the sandbox's answers: the query it read, the context of one answer (faults,
the synthetic person, the serialisation style), and small XML helpers.

The sandbox speaks the variety real generated services produce (docs/registry.md, "The sandbox"):
the style of an answer — its prefixes, a default namespace with ``xmlns=""`` below, dates with a
time zone, base64 in 76-character lines — is chosen from the case and the person, so every run is
deterministic and a night meets every style.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from lxml import etree

from adapters.devtools.sandbox.faults import FaultRule
from adapters.devtools.synthetic import Benefit, PersonRecord
from adapters.driven.ssbtek.model import NS_SSBT
from decision import personnummer as pnr

STYLES = 3
"""0: ``soapenv``/``ssbt`` prefixes; 1: ``soap`` and SSBTEK's namespace as the default (unqualified
agency elements get ``xmlns=""``), dates with a zone; 2: generated prefixes (``S``, ``ns2``, ``ns3``…),
base64 in 76-character lines, dates with ``Z``."""


@dataclass
class SandboxQuery:
    operation: str
    korrelationsid: str = ""
    person: str = ""
    case_id: str = ""
    period_from: date = date(2000, 1, 1)
    period_to: date = date(2000, 1, 1)
    asked_at: datetime | None = None
    included: set[str] = field(default_factory=set)
    lefi: dict[str, Any] = field(default_factory=dict)
    ingivare: dict[str, str] = field(default_factory=dict)
    syfte: str = ""
    lagtext: str = ""


def months(start: date, end: date) -> list[tuple[date, date]]:
    out = []
    cur = start.replace(day=1)
    while cur <= end:
        last = cur.replace(day=calendar.monthrange(cur.year, cur.month)[1])
        out.append((cur, last))
        cur = last + timedelta(days=1)
    return out


def add_months(day: date, n: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 + n, 12)
    return date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def kr(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    ore = abs(ore)
    return f"{sign}{ore // 100}.{ore % 100:02d}"


def other_person(person: str) -> str:
    """A different valid personnummer (the day after, same serial)."""
    born = pnr.birth_date(person) + timedelta(days=1)
    return pnr.make(born, int(person[8:11]))


def el(parent: etree._Element, tag: str, value: str | None = None, **attrs: str) -> etree._Element:
    e = etree.SubElement(parent, tag, attrs)
    if value is not None:
        e.text = value
    return e


def s(name: str) -> str:
    return f"{{{NS_SSBT}}}{name}"


@dataclass
class Ctx:
    q: SandboxQuery
    record: PersonRecord | None
    faults: list[FaultRule]

    @property
    def style(self) -> int:
        digest = hashlib.sha256(f"{self.q.case_id}:{self.q.person}".encode()).digest()
        return digest[0] % STYLES

    def fault(self, kind: str, agency: str) -> FaultRule | None:
        for f in self.faults:
            if f.fault == kind and f.agency in ("*", agency):
                return f
        return None

    def who(self, agency: str) -> str:
        return other_person(self.q.person) if self.fault("other_person", agency) else self.q.person

    def shift(self, agency: str) -> timedelta:
        return timedelta(days=-365) if self.fault("other_period", agency) else timedelta(0)

    def benefits(self, element: str) -> list[Benefit]:
        if self.record is None or not self.record.known:
            return []
        return [b for b in self.record.benefits if b.element == element]

    def in_window(self, day: date) -> bool:
        return self.q.period_from <= day <= self.q.period_to

    def day(self, d: date) -> str:
        """An ``xs:date`` as this answer's generator writes it (with a zone in styles 1 and 2)."""
        if self.style == 1:
            return d.isoformat() + ("+02:00" if 4 <= d.month <= 10 else "+01:00")
        if self.style == 2:
            return d.isoformat() + "Z"
        return d.isoformat()

    def b64(self, raw: bytes) -> str:
        """base64 as one line, or in 76-character lines (MIME style) in style 2."""
        if self.style == 2:
            return base64.encodebytes(raw).decode("ascii")
        return base64.b64encode(raw).decode("ascii")
