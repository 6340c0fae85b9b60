"""Validation helpers of :mod:`acdc`, in the style of :mod:`iht.projection.errors`.

Messages name the parameter, the allowed values and the value received; tests pin them. Integer, real
and sparsity checks are reused from the projection core (``check_int``, ``check_real``,
``check_sparsity``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from iht.validation import check_int, check_real, check_sparsity

__all__ = ["check_choice", "check_int", "check_known_names", "check_real", "check_sparsity"]


def check_choice(value: Any, name: str, allowed: Collection[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``; otherwise raise ``ValueError`` naming both."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {sorted(allowed)}; got {name}={value!r}")
    return value


def check_known_names(names: Iterable[str], name: str, known: Collection[str]) -> tuple[str, ...]:
    """Return ``names`` as a tuple after checking that each is in ``known``."""
    names = tuple(names)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"{name} has unknown name(s) {unknown}; allowed: {sorted(known)}")
    return names
