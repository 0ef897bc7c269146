"""Typed arithmetic shared by rule packs; each pack's ``formulas.py`` names the functions it applies.

Every function works in integer öre. A formula that changes over time gets a new function named
by the date it takes effect, never an ``if year >= …`` branch.
"""
