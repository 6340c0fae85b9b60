"""Errors of the FLOPs counter and its ``input_shape`` check; scalar checks are in :mod:`iht.validation`."""

from __future__ import annotations

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
