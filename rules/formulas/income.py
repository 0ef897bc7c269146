"""Income arithmetic: jobbstimulans and the child-income disregard (in öre)."""

from __future__ import annotations


def jobbstimulans_disregard_2013(salary: int, percent: int) -> int:
    """The part of a month's net salary not counted: floor(salary × percent / 100)."""
    if salary < 0:
        raise ValueError("salary must not be negative")
    return salary * percent // 100


def child_salary_counted_2013(amount: int, year_to_date: int, prisbasbelopp: int, multiple: int) -> int:
    """A child's salary counted: min(amount, max(0, year_to_date − multiple × prisbasbelopp))."""
    return min(amount, max(0, year_to_date - multiple * prisbasbelopp))
