"""Riksnorm arithmetic: age bands and shared household costs."""

from __future__ import annotations

from collections.abc import Mapping

CHILD_BANDS_2008: tuple[tuple[int, int, str], ...] = (
    (0, 0, "child_0"),
    (1, 2, "child_1_2"),
    (3, 3, "child_3"),
    (4, 6, "child_4_6"),
    (7, 10, "child_7_10"),
    (11, 14, "child_11_14"),
    (15, 18, "child_15_18"),
    (19, 20, "young_adult_19_20"),
)
"""Age bands of the riksnorm's personal costs (in force throughout 2023–2026)."""

WITHOUT_LUNCH_MAX_AGE = 6


def child_band_2008(age: int) -> str:
    """The parameter name of the age band for a child of ``age`` completed years."""
    for low, high, name in CHILD_BANDS_2008:
        if low <= age <= high:
            return name
    raise ValueError(f"no riksnorm age band for age {age}")


def band_label_sv(band: str) -> str:
    for low, high, name in CHILD_BANDS_2008:
        if name == band:
            return f"{low} år" if low == high else f"{low}–{high} år"
    raise ValueError(band)


def shared_costs_2008(size: int, table: Mapping[int, int]) -> int:
    """Shared household costs for ``size`` persons; above 7 each extra person adds (7 − 6)."""
    if size < 1:
        raise ValueError("a household has at least one person")
    if size <= 7:
        return table[size]
    return table[7] + (size - 7) * (table[7] - table[6])


def part_month_kronor(amount: int, days: int, month_days: int) -> int:
    """A personal norm for a child living ``days`` of the month in the household (öre): amount × days ÷
    days of the month, rounded half up to whole kronor (docs/domain.md section 7b)."""
    if not 1 <= days <= month_days:
        raise ValueError("days must be 1..days of the month")
    kronor, rest = divmod(amount * days, month_days * 100)
    if 2 * rest >= month_days * 100:
        kronor += 1
    return kronor * 100
