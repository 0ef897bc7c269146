"""Pydantic models built from values finaid's own code just made (every field given, already of the right type).

What pydantic's ``model_construct`` does, without its per-field alias and default search, and without the
validation a model from outside needs: the decision basis is built from typed trace steps dozens of times
per case, and a /1 bundle read as /2 gets each adult's ``aid_history`` from fields already validated.
Never for data from outside (a bundle, a form, a stored row): those are validated.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

_M = TypeVar("_M", bound=BaseModel)
_set = object.__setattr__
_new = object.__new__


def trusted(cls: type[_M], **values: Any) -> _M:
    """A ``cls`` holding exactly ``values`` (every field of ``cls``, each already valid), unvalidated."""
    m = _new(cls)
    _set(m, "__dict__", values)
    _set(m, "__pydantic_fields_set__", set(values))
    _set(m, "__pydantic_extra__", None)
    _set(m, "__pydantic_private__", None)
    return m
