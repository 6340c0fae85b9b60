"""Argument checks shared by :mod:`iht` and :mod:`acdc`, with one message grammar.

Every check returns the value it accepts (converted: ``int``, ``float``, ``tuple``) and raises

- ``TypeError`` for a value of the wrong type: ``"NAME must be TYPE; got VALUE (TYPE NAME)"``, e.g.
  ``k must be an integer; got 2.0 (float)``. ``bool`` is not a number here, although Python treats it
  as one: ``True`` for a count or a rate is a mistake, never an intent.
- ``ValueError`` for a value of the right type outside its allowed set:
  ``"NAME must be ALLOWED; got NAME=VALUE"``, e.g. ``n_iter must be >= 1; got n_iter=0``.

Array checks (dtype, shape, NaN, masks) live with the arrays in :mod:`iht.projection.errors`. This
module imports numpy only, never torch. Tests pin the messages (``tests/iht/test_validation.py``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Collection, Iterable
from typing import Any

__all__ = [
    "as_int",
    "as_real",
    "check_choice",
    "check_each",
    "check_fraction",
    "check_int",
    "check_known_names",
    "check_nonnegative",
    "check_positive",
    "check_probability",
    "check_real",
    "check_sparsity",
]


def as_int(value: Any, name: str) -> int:
    """Return ``value`` as int; ``TypeError`` unless it is an integer (numpy integers included, bool not)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} ({type(value).__name__})")
    return int(value)


def as_real(value: Any, name: str, allowed: str = "a real number") -> float:
    """Return ``value`` as float; ``TypeError`` unless it is a real number (bool excluded).

    ``allowed`` is how the accepted values are named in the message.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {allowed}; got {value!r} ({type(value).__name__})")
    return float(value)


def check_int(value: Any, name: str, low: int, high: int | None = None) -> int:
    """Return ``value`` as int if it is an integer in ``[low, high]`` (``high=None``: unbounded)."""
    value = as_int(value, name)
    if value < low or (high is not None and value > high):
        allowed = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {allowed}; got {name}={value}")
    return value


def check_real(value: Any, name: str, low: float, high: float | None = None, *,
               strict: bool = False, strict_high: bool = False) -> float:
    """Return ``value`` as float if it is a finite real number ``>= low`` (``> low`` if ``strict``).

    ``high`` bounds it from above when given: ``<= high``, or ``< high`` if ``strict_high``.
    """
    number = as_real(value, name)
    below = number <= low if strict else number < low
    above = high is not None and (number >= high if strict_high else number > high)
    if not math.isfinite(number) or below or above:
        allowed = f"> {low}" if strict else f">= {low}"
        if high is not None:
            allowed += f" and < {high}" if strict_high else f" and <= {high}"
        raise ValueError(f"{name} must be finite and {allowed}; got {name}={value!r}")
    return number


def check_positive(value: Any, name: str) -> float:
    """Return ``value`` as float if it is a finite real number ``> 0``."""
    return check_real(value, name, 0.0, strict=True)


def check_nonnegative(value: Any, name: str) -> float:
    """Return ``value`` as float if it is a finite real number ``>= 0``."""
    return check_real(value, name, 0.0)


def check_fraction(value: Any, name: str) -> float:
    """Return ``value`` as float if it is a real number in the closed interval ``[0, 1]``."""
    return check_real(value, name, 0.0, 1.0)


def check_probability(value: Any, name: str) -> float:
    """Return ``value`` as float if it is a real number in the open interval ``(0, 1)``."""
    return check_real(value, name, 0.0, 1.0, strict=True, strict_high=True)


def check_sparsity(sparsity: Any, name: str = "sparsity") -> float:
    """Return ``sparsity`` (the fraction of zeros) as float after checking it is in ``[0, 1)``.

    A sparsity of 1 would keep no entry; the conversion to a count of kept entries is
    :func:`iht.projection.sparsity.k_from_sparsity`.
    """
    value = as_real(sparsity, name, allowed="a real number in [0, 1)")
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1) (fraction of zeros); got {name}={sparsity!r}")
    return value


def _listing(allowed: Iterable[Any]) -> list[Any]:
    """``allowed`` as a sorted list for messages (in its own order when the values do not sort)."""
    try:
        return sorted(allowed)
    except TypeError:
        return list(allowed)


def check_choice(value: Any, name: str, allowed: Collection[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``.

    Raises ``TypeError`` when every allowed value is a str and ``value`` is not one (``None``, a
    number), ``ValueError`` when ``value`` is of the right type but not allowed.
    """
    listing = _listing(allowed)
    if all(isinstance(a, str) for a in listing) and not isinstance(value, str):
        raise TypeError(f"{name} must be one of {listing}; got {name}={value!r} "
                        f"({type(value).__name__})")
    if value not in listing:
        raise ValueError(f"{name} must be one of {listing}; got {name}={value!r}")
    return value


def check_known_names(names: Iterable[str], name: str, known: Collection[str]) -> tuple[str, ...]:
    """Return ``names`` as a tuple after checking that each one is in ``known``."""
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise TypeError(f"{name} must be a collection of names from {_listing(known)}; "
                        f"got {names!r} ({type(names).__name__})")
    names = tuple(names)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"{name} must be names from {_listing(known)}; got unknown name(s) {unknown} "
                         f"in {name}={list(names)}")
    return names


def check_each(values: Iterable[Any], name: str, check: Callable[[Any, str], Any]) -> None:
    """``check(value, name)`` for each of ``values`` (another check of this module); ``values`` must be a
    non-empty sequence (``TypeError`` for a str or a non-iterable, ``ValueError`` when empty)."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a sequence of values; got {values!r} ({type(values).__name__})")
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} must hold at least one value; got {name}=()")
    for value in values:
        check(value, name)
