"""The ``Projection`` interface: one object that solvers and trainers accept for any sparsity pattern.

A projection maps named arrays (a single vector for IHT, ``named_parameters()`` for a network) to
boolean keep-masks; :meth:`Projection.project` returns the projected copy of one array and
:meth:`Projection.project_` zeroes the dropped entries in place. Every concrete projection is a
frozen dataclass whose fields are its whole configuration, validated at construction: a bad field is
an error where the projection is built, not where it is first used.

==================  ======================================================================
``TopK``            one global magnitude threshold over all arrays (AC/DC's default, T_k)
``LayerwiseTopK``   the same sparsity in every array
``ERKTopK``         ERK layer densities (RigL), magnitude top-k inside each layer
``NM``              N:M groups along the input axis (2:4 by default)
``RandomMask``      uniformly random positions at uniform or ERK layer densities
==================  ======================================================================
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from iht.projection._backend import masked_copy, size_of
from iht.projection.erk import erk_counts
from iht.projection.errors import check_arrays, check_k, item_name
from iht.projection.masking import apply_masks_
from iht.projection.nm import check_nm, nm_masks
from iht.projection.random_masks import check_generator, random_mask
from iht.projection.selection import topk_masks
from iht.projection.sparsity import k_from_sparsity
from iht.projection.topk import checked_global_topk_masks, layerwise_topk_masks
from iht.validation import check_choice, check_int, check_real, check_sparsity


class Projection(ABC):
    """Maps named arrays to boolean keep-masks of the same shapes."""

    @abstractmethod
    def masks(self, arrays: Mapping[str, Any]) -> dict[str, Any]:
        """Keep-masks for ``arrays`` (same keys, same shapes, bool)."""

    def mask(self, x: Any) -> Any:
        """Keep-mask of a single array."""
        return self.masks({"x": x})["x"]

    def project(self, x: Any) -> Any:
        """Projected copy of a single array: ``x`` with the dropped entries set to zero."""
        mask = self.mask(x)
        return masked_copy(x, mask)

    def project_(self, arrays: Mapping[str, Any]) -> dict[str, Any]:
        """Zero the dropped entries of every array in place; return the masks used."""
        masks = self.masks(arrays)
        apply_masks_(arrays, masks)
        return masks


def _exactly_one(k: int | None, sparsity: float | None, owner: str) -> None:
    if (k is None) == (sparsity is None):
        raise ValueError(f"{owner} takes exactly one of k or sparsity; got k={k}, sparsity={sparsity}")


@dataclass(frozen=True)
class TopK(Projection):
    """Global magnitude top-k: ``k`` kept entries (or a global ``sparsity``) over all arrays.

    On a single vector this is the hard-thresholding operator ``T_k`` of IHT.
    """

    k: int | None = None
    sparsity: float | None = None

    def __post_init__(self) -> None:
        _exactly_one(self.k, self.sparsity, "TopK")
        if self.k is not None:
            check_int(self.k, "k", 0)
        else:
            check_sparsity(self.sparsity)

    def kept(self, total: int) -> int:
        """Kept count for arrays of ``total`` elements."""
        if self.k is not None:
            return check_k(self.k, total)
        return k_from_sparsity(total, self.sparsity)

    def masks(self, arrays: Mapping[str, Any]) -> dict[str, Any]:
        check_arrays(arrays, nan=False)  # the selection scans for NaN within its own pass
        return checked_global_topk_masks(arrays, self.kept(sum(size_of(a) for a in arrays.values())))


@dataclass(frozen=True)
class LayerwiseTopK(Projection):
    """Uniform sparsity: every array keeps ``k_from_sparsity(size, sparsity)`` largest entries."""

    sparsity: float

    def __post_init__(self) -> None:
        check_sparsity(self.sparsity)

    def masks(self, arrays: Mapping[str, Any]) -> dict[str, Any]:
        return layerwise_topk_masks(arrays, self.sparsity)


@dataclass(frozen=True)
class ERKTopK(Projection):
    """ERK layer densities (Evci et al. 2020) with magnitude top-k inside each layer."""

    sparsity: float
    power_scale: float = 1.0

    def __post_init__(self) -> None:
        check_sparsity(self.sparsity)
        check_real(self.power_scale, "power_scale", 0.0)

    def masks(self, arrays: Mapping[str, Any]) -> dict[str, Any]:
        check_arrays(arrays, nan=False)  # the selection scans for NaN within its own pass
        counts = erk_counts({n: tuple(a.shape) for n, a in arrays.items()}, self.sparsity,
                            self.power_scale)
        return {n: topk_masks([a], counts[n], [item_name(n)])[0] for n, a in arrays.items()}


@dataclass(frozen=True)
class NM(Projection):
    """N:M semi-structured sparsity along the input axis (2:4 by default).

    ``axis=None`` groups along axis 1 of matrices and convolution weights and axis 0 of vectors.
    """

    n: int = 2
    m: int = 4
    axis: int | None = None

    def __post_init__(self) -> None:
        check_nm(self.n, self.m, self.axis)

    def masks(self, arrays: Mapping[str, Any]) -> dict[str, Any]:
        return nm_masks(arrays, self.n, self.m, self.axis)


@dataclass(frozen=True)
class RandomMask(Projection):
    """Random positions at ``sparsity``: per-layer ``uniform`` or ``erk`` densities.

    Draws a new mask at every call from ``generator`` (numpy or torch, matching the arrays).
    """

    sparsity: float
    generator: Any
    distribution: str = "uniform"

    def __post_init__(self) -> None:
        check_sparsity(self.sparsity)
        check_generator(self.generator)
        check_choice(self.distribution, "distribution", ("uniform", "erk"))

    def masks(self, arrays: Mapping[str, Any]) -> dict[str, Any]:
        check_arrays(arrays)
        if self.distribution == "erk":
            counts = erk_counts({n: tuple(a.shape) for n, a in arrays.items()}, self.sparsity)
        else:
            counts = {n: k_from_sparsity(size_of(a), self.sparsity) for n, a in arrays.items()}
        return {n: random_mask(a, counts[n], self.generator) for n, a in arrays.items()}
