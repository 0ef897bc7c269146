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
_new = object.__new__
# BaseModel's own slots, set through their descriptors (what object.__setattr__ ends up calling, without its
# name lookup through the class): the instance dict, the fields set, no extra, no private attributes
_SLOTS = BaseModel.__dict__
_set_dict = _SLOTS["__dict__"].__set__
_set_fields_set = _SLOTS["__pydantic_fields_set__"].__set__
_set_extra = _SLOTS["__pydantic_extra__"].__set__
_set_private = _SLOTS["__pydantic_private__"].__set__


def trusted(cls: type[_M], **values: Any) -> _M:
    """A ``cls`` holding exactly ``values`` (every field of ``cls``, each already valid), unvalidated."""
    m = _new(cls)
    _set_dict(m, values)
    _set_fields_set(m, set(values))
    _set_extra(m, None)
    _set_private(m, None)
    return m
