"""Errors and argument checks of the FLOPs counter; messages name the parameter, allowed values and value."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any


class InputShapeError(ValueError):
    """``input_shape`` is not a shape of positive integers, or the model cannot run on it."""


class UnknownLayerError(TypeError):
    """Strict counting met modules that have no FLOPs formula (their type names are in the message)."""


class UnknownLayerWarning(UserWarning):
    """Non-strict counting met modules that have no FLOPs formula; their FLOPs may be missing."""


def check_input_shape(input_shape: Any) -> tuple[int, ...]:
    """Return ``input_shape`` as a tuple of positive ints, batch dimension first."""
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Iterable):
        raise InputShapeError(
            "input_shape must be a sequence of positive integers, batch first (e.g. (1, 3, 224, 224)); "
            f"got {input_shape!r}"
        )
    shape = tuple(input_shape)
    valid = all(isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0 for d in shape)
    if not shape or not valid:
        raise InputShapeError(
            "input_shape must be a non-empty sequence of positive integers, batch first "
            f"(e.g. (1, 3, 224, 224)); got input_shape={shape!r}"
        )
    return tuple(int(d) for d in shape)


def _real(value: Any) -> float | None:
    """``value`` as a float if it is a real number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return float(value)


def check_fraction(value: Any, name: str) -> float:
    """Return ``value`` as float after checking it is a real number in ``[0, 1]``."""
    real = _real(value)
    if real is None or not 0.0 <= real <= 1.0:
        raise ValueError(f"{name} must be a real number in [0, 1]; got {name}={value!r}")
    return real


def check_nonnegative(value: Any, name: str) -> float:
    """Return ``value`` as float after checking it is a finite real number ``>= 0``."""
    real = _real(value)
    if real is None or not 0.0 <= real < math.inf:
        raise ValueError(f"{name} must be a finite real number >= 0; got {name}={value!r}")
    return real


def check_positive(value: Any, name: str) -> float:
    """Return ``value`` as float after checking it is a finite real number ``> 0``."""
    real = _real(value)
    if real is None or not 0.0 < real < math.inf:
        raise ValueError(f"{name} must be a finite real number > 0; got {name}={value!r}")
    return real
