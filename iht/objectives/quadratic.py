"""Quadratics ``f(θ) = ½ (θ − θ*)ᵀ H (θ − θ*) + f*`` with a planted ``k*``-sparse ``θ*``.

``θ*`` is the exact global minimiser and ``f*`` the minimum, so every assumption of Theorem 1
(Peste et al. 2021) is a property of ``H`` alone: ``β_t`` is the largest eigenvalue of a ``t × t``
principal submatrix, and the CPL constant is bounded through the smallest ones (see
:mod:`iht.constants.cpl`).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import block_diag

from iht.objectives.base import Objective, planted_vector
from iht.projection.errors import check_finite_vector
from iht.validation import check_int, check_real


class Quadratic(Objective):
    """``f(θ) = ½ (θ − θ*)ᵀ H (θ − θ*) + f*`` for a symmetric positive semi-definite ``H``.

    Parameters
    ----------
    hessian : ndarray, shape (N, N)
        ``H``, symmetric.
    theta_star : ndarray, shape (N,)
        The sparse minimiser.
    f_star : float
        The minimum value.
    """

    is_quadratic = True

    def __init__(self, hessian: np.ndarray, theta_star: np.ndarray, f_star: float = 0.0):
        self.theta_star = check_finite_vector(theta_star, len(theta_star), "theta_star")
        self.dim = len(self.theta_star)
        self.k_star = int(np.count_nonzero(self.theta_star))
        self.f_star = check_real(f_star, "f_star", -np.inf)
        self._matrix = hessian

    def _apply(self, v: np.ndarray) -> np.ndarray:
        return self._matrix @ v

    def _value(self, theta: np.ndarray) -> float:
        d = theta - self.theta_star
        return float(0.5 * d @ self._apply(d)) + self.f_star

    def _gradient(self, theta: np.ndarray) -> np.ndarray:
        return self._apply(theta - self.theta_star)

    def _hessian(self, theta: np.ndarray | None) -> np.ndarray:
        return self._matrix

    def hessian_bound(self) -> np.ndarray:
        return self.hessian()

    def _hessian_vector(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        return self._apply(v)

    def _minimize_on_support(self, support: np.ndarray) -> np.ndarray:
        """Solve ``H_SS d_S = H_{S,S^c} θ*_{S^c}`` for ``d = θ − θ*`` with ``θ_{S^c} = 0``."""
        on, off = np.flatnonzero(support), np.flatnonzero(~support)
        hessian = self.hessian()
        theta = np.zeros(self.dim)
        theta[on] = self.theta_star[on] + np.linalg.solve(
            hessian[np.ix_(on, on)], hessian[np.ix_(on, off)] @ self.theta_star[off])
        return theta


class SeparableQuadratic(Quadratic):
    """``f(θ) = ½ Σ_i h_i (θ_i − θ*_i)² + f*`` for given curvatures ``h_i > 0``.

    Constants, exact: ``β_t = max h`` for every ``t >= 1``; the global CPL constant
    ``α = 4 / max(1/μ, (1/k*)·Σ 1/h_i)`` (:func:`~iht.constants.cpl.diagonal_certificate`).
    ``known_constants(k).alpha_sparse`` is docs/theory.md's certified ``4μ·k*/(k + k*)``: for a
    ``k``-sparse ``θ``, ``g = ∇f(θ)`` has at most ``k + k*`` non-zeros, so its top ``k*`` entries
    carry at least ``k*/(k + k*)`` of ``‖g‖² = Σ h_i² d_i² ≥ μ Σ h_i d_i² = 2μ(f − f*)``.

    Parameters
    ----------
    curvatures : ndarray, shape (N,)
        ``h``, all positive.
    theta_star : ndarray, shape (N,)
        The sparse minimiser.
    f_star : float
        The minimum value.
    """

    def __init__(self, curvatures: np.ndarray, theta_star: np.ndarray, f_star: float = 0.0):
        curvatures = check_finite_vector(curvatures, len(theta_star), "curvatures")
        if curvatures.min() <= 0.0:
            raise ValueError(f"curvatures must be > 0; got min(curvatures)={curvatures.min()!r}")
        super().__init__(np.empty((0, 0)), theta_star, f_star)
        self.curvatures = curvatures

    def _apply(self, v: np.ndarray) -> np.ndarray:
        return self.curvatures * v

    def _hessian(self, theta: np.ndarray | None) -> np.ndarray:
        return np.diag(self.curvatures)

    def principal_blocks(self) -> np.ndarray:
        return self.curvatures[:, None, None]

    def _minimize_on_support(self, support: np.ndarray) -> np.ndarray:
        return np.where(support, self.theta_star, 0.0)


def _geometric_curvatures(size: int, mu: float, L: float, rng: np.random.Generator) -> np.ndarray:
    """``size`` values geometrically spaced from ``mu`` to ``L`` (both attained), shuffled."""
    mu = check_real(mu, "mu", 0.0, strict=True)
    L = check_real(L, "L", mu)
    return rng.permutation(np.geomspace(mu, L, size))


class DiagonalQuadratic(SeparableQuadratic):
    """A :class:`SeparableQuadratic` with curvatures spread geometrically over ``[mu, L]``.

    Parameters
    ----------
    dim : int
        ``N >= 2``.
    k_star : int
        Sparsity of ``θ*``, ``1 <= k_star < N``.
    mu, L : float
        Smallest and largest curvature (both attained), ``0 < mu <= L``.
    f_star : float
        The minimum value.
    amplitudes : {"gaussian", "pm1"}
        Values of ``θ*`` on its random support.
    seed : int or numpy.random.Generator
        Randomness of the support, the amplitudes and the curvature order.
    """

    def __init__(self, dim: int, k_star: int, *, mu: float = 1.0, L: float = 10.0,
                 f_star: float = 0.0, amplitudes: str = "gaussian",
                 seed: int | np.random.Generator = 0):
        rng = np.random.default_rng(seed)
        theta_star = planted_vector(dim, k_star, rng, amplitudes)
        super().__init__(_geometric_curvatures(dim, mu, L, rng), theta_star, f_star)
        self.mu, self.L = float(mu), float(L)


class CPLQuadratic(SeparableQuadratic):
    """A separable quadratic whose global ``(k*, α)``-CPL constant is exactly the chosen ``alpha``.

    Construction: one random coordinate gets curvature ``beta``, the other ``N − 1`` get
    ``c = (N − 1) / (4k*/α − 1/β)``, so that ``(1/k*)·Σ_i 1/h_i = 4/α``. For
    ``0 < α <= 4k*β/N`` this gives ``α/4 <= c <= β``, hence ``1/μ = 1/c <= 4/α`` and
    :func:`~iht.constants.cpl.diagonal_certificate` evaluates to exactly ``α``: the inequality
    ``‖T_{k*}(∇f(θ))‖² ≥ (α/2)(f(θ) − f*)`` holds for all ``θ`` with equality at
    ``∇f(θ) ∝ (±1, …, ±1)``. Its restricted smoothness is ``β`` at every level.

    Parameters
    ----------
    dim, k_star : int
        ``N`` and the sparsity of ``θ*``.
    alpha : float
        The CPL constant, ``0 < alpha <= 4·k_star·beta/dim``.
    beta : float
        The largest curvature, ``> 0``.
    f_star, amplitudes, seed
        As in :class:`DiagonalQuadratic`.
    """

    def __init__(self, dim: int, k_star: int, alpha: float, *, beta: float = 1.0,
                 f_star: float = 0.0, amplitudes: str = "gaussian",
                 seed: int | np.random.Generator = 0):
        rng = np.random.default_rng(seed)
        theta_star = planted_vector(dim, k_star, rng, amplitudes)
        beta = check_real(beta, "beta", 0.0, strict=True)
        alpha = check_real(alpha, "alpha", 0.0, 4.0 * k_star * beta / dim, strict=True)
        curvatures = np.full(dim, (dim - 1) / (4.0 * k_star / alpha - 1.0 / beta))
        curvatures[rng.integers(dim)] = beta
        super().__init__(curvatures, theta_star, f_star)
        self.alpha, self.beta = alpha, beta


class BlockDiagonalQuadratic(Quadratic):
    """A quadratic whose Hessian is block diagonal with random dense ``b × b`` blocks.

    The ``N = n_blocks·block_size`` eigenvalues are spread geometrically over ``[mu, L]`` and dealt
    at random to the blocks; each block is ``Q diag(λ) Qᵀ`` with ``Q`` Haar-random orthogonal.
    ``β_t`` is exact: the largest eigenvalue over the ``min(t, b)``-subsets of single blocks,
    enumerated (small eigenproblems).

    Parameters
    ----------
    n_blocks, block_size : int
        Number and size of the blocks (``block_size`` up to about 12 keeps enumeration cheap).
    k_star : int
        Sparsity of ``θ*``.
    mu, L, f_star, amplitudes, seed
        As in :class:`DiagonalQuadratic`.
    """

    def __init__(self, n_blocks: int, block_size: int, k_star: int, *, mu: float = 1.0,
                 L: float = 10.0, f_star: float = 0.0, amplitudes: str = "gaussian",
                 seed: int | np.random.Generator = 0):
        rng = np.random.default_rng(seed)
        n_blocks = check_int(n_blocks, "n_blocks", 1)
        block_size = check_int(block_size, "block_size", 1)
        dim = n_blocks * block_size
        theta_star = planted_vector(dim, k_star, rng, amplitudes)
        spectra = _geometric_curvatures(dim, mu, L, rng).reshape(n_blocks, block_size)
        rotations = np.linalg.qr(rng.standard_normal((n_blocks, block_size, block_size)))[0]
        self.blocks = np.einsum("bij,bj,bkj->bik", rotations, spectra, rotations)
        self.blocks = 0.5 * (self.blocks + self.blocks.transpose(0, 2, 1))
        super().__init__(block_diag(*self.blocks), theta_star, f_star)
        self.mu, self.L = float(mu), float(L)

    def principal_blocks(self) -> np.ndarray:
        return self.blocks
