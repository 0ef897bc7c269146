"""Which registry sources a municipality consults: policy read from its guideline
(``guideline.registry_sources``) for the bundle's month, as of the decision's date (docs/rule-packs.md)."""

from __future__ import annotations

from datetime import date

from decision.bundle import CaseBundle, Source
from decision.validation import first_of_month
from rules.catalog import Catalog


def consulted_sources(catalog: Catalog, bundle: CaseBundle, day: date) -> tuple[Source, ...]:
    """The sources the guideline in force on ``day`` for the bundle's municipality consults in its month;
    every source when the guideline does not say."""
    guideline = catalog.guideline_for(bundle.application.municipality, day)
    param = guideline.parameters.get("guideline.registry_sources")
    value = param.at(first_of_month(bundle.application.month)) if param else None
    if value is None or not isinstance(value.value, tuple):
        return tuple(Source)
    return tuple(Source(v) for v in value.value)
