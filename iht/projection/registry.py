"""Projections by name: the one registry from which :mod:`acdc`, ``paper_experiments`` and scripts build.

A builder takes the target sparsity (fraction of zeros, in ``[0, 1)``) and returns a
:class:`~iht.projection.Projection`. Adding a projection is one module that defines it plus one line in
:data:`PROJECTIONS`; ``acdc train --projection``, :class:`acdc.config.TrainConfig`, AC/DC, GMP and the
projection comparison of ``paper_experiments`` then accept it by that name.

A pattern with a fixed density owns its sparsity: :class:`NMPattern` builds N:M with ``N = M·(1 −
sparsity)`` and raises :class:`UnsupportedSparsity` (a ``ValueError`` naming the sparsities it has)
where that is not a whole number from 1 to M. Nothing a builder receives is ignored. Such a builder
lists its sparsities with a ``sparsities()`` method (:func:`pattern_sparsities`), so that a caller
that sweeps the sparsity (GMP's ramp) knows in advance that it cannot.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from iht.projection.projections import NM, ERKTopK, LayerwiseTopK, Projection, TopK
from iht.validation import check_choice, check_int, check_sparsity

ProjectionBuilder = Callable[[float], Projection]
"""``sparsity -> Projection``."""


SPARSITY_TOLERANCE = 1e-9
"""How far a sparsity may be from a pattern's own (``1 − N/M``) and still select it."""


class UnsupportedSparsity(ValueError):
    """A registered projection has no pattern at the requested sparsity (e.g. N:M at 0.9)."""


def global_topk(sparsity: float) -> TopK:
    """One magnitude threshold over all arrays together (AC/DC's default ``T_k``)."""
    return TopK(sparsity=sparsity)


@dataclass(frozen=True)
class NMPattern:
    """Builder of the N:M projection of group size ``m`` at a sparsity: ``N = m·(1 − sparsity)``.

    The sparsity decides N: it must be ``1 − N/m`` for a whole ``N >= 1`` (to within
    :data:`SPARSITY_TOLERANCE`, the rounding of ``1 − N/m`` in floating point). With ``m = 4``, 0.5 is
    2:4, 0.75 is 1:4, 0.25 is 3:4 and 0 is 4:4; every other sparsity raises :class:`UnsupportedSparsity`.

    References
    ----------
    Peste et al., "AC/DC: Alternating Compressed/DeCompressed Training of Deep Neural Networks",
    NeurIPS 2021, Section 4 (the 2:4 pattern of sparse tensor cores).
    """

    m: int = 4

    def __post_init__(self) -> None:
        check_int(self.m, "m", 1)

    def sparsities(self) -> tuple[float, ...]:
        """The sparsities with an N:M pattern, ``1 − N/m`` for ``N = m, ..., 1``."""
        return tuple(1 - n / self.m for n in range(self.m, 0, -1))

    def __call__(self, sparsity: float) -> NM:
        kept = round(self.m * (1 - check_sparsity(sparsity)))
        if kept < 1 or abs(sparsity - (1 - kept / self.m)) > SPARSITY_TOLERANCE:
            allowed = ", ".join(f"{s:g}" for s in self.sparsities())
            raise UnsupportedSparsity(
                f"sparsity must be one of {allowed} for N:{self.m} (N = {self.m}·(1 − sparsity) kept in "
                f"every {self.m}); got sparsity={sparsity!r}"
            )
        return NM(kept, self.m)


PROJECTIONS: dict[str, ProjectionBuilder] = {
    "global": global_topk,
    "layerwise": LayerwiseTopK,
    "erk": ERKTopK,
    "nm": NMPattern(4),
}
"""Projection builders by name. ``nm`` is N:4 at ``sparsity = 1 − N/4`` (2:4 at 0.5)."""


def _builder(name: str) -> ProjectionBuilder:
    return PROJECTIONS[check_choice(name, "projection", PROJECTIONS)]


def build_projection(name: str, sparsity: float) -> Projection:
    """The projection registered as ``name`` at ``sparsity``.

    Raises
    ------
    ValueError
        If ``name`` is not in :data:`PROJECTIONS`, or ``sparsity`` is not in ``[0, 1)``;
        :class:`UnsupportedSparsity` if the projection has no pattern at ``sparsity``.
    TypeError
        If ``sparsity`` is not a real number.
    """
    return _builder(name)(check_sparsity(sparsity))


def pattern_sparsities(name: str) -> tuple[float, ...] | None:
    """The only sparsities at which projection ``name`` exists (its builder's ``sparsities()``, e.g. N:M's
    ``1 − N/M``); None for a projection that exists at every sparsity in ``[0, 1)``."""
    sparsities = getattr(_builder(name), "sparsities", None)
    return None if sparsities is None else sparsities()


def projections_at(sparsity: float, names: Iterable[str] | None = None) -> dict[str, Projection]:
    """Every projection of ``names`` (default: all registered, in registry order) that has a pattern
    at ``sparsity``; those raising :class:`UnsupportedSparsity` there (N:M at 0.9) are left out."""
    found = {}
    for name in PROJECTIONS if names is None else names:
        with contextlib.suppress(UnsupportedSparsity):
            found[name] = build_projection(name, sparsity)
    return found
