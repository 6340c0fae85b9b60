"""Validation helpers the projection core does not have, in the style of :mod:`iht.projection.errors`."""

from __future__ import annotations

from typing import Any

from iht.validation import check_real


def check_positive(value: Any, name: str, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is finite and ``> 0`` (``>= 0`` if allowed)."""
    return check_real(value, name, 0.0, strict=not allow_zero)


def check_probability(value: Any, name: str) -> float:
    """Return ``value`` as a float in the open interval ``(0, 1)``."""
    value = check_real(value, name, 0.0, 1.0, strict=True)
    if value == 1.0:
        raise ValueError(f"{name} must be in (0, 1); got {name}={value!r}")
    return value


def check_choice(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {name}={value!r}")
    return value
