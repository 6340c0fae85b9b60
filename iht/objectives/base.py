"""The objective interface shared by every family, and its planted sparse minimiser.

An objective is a float64 function ``f: R^N → R`` with a planted ``k*``-sparse point ``θ*`` and
``f* = f(θ*)``; it gives values, gradients, Hessians, a matrix dominating every Hessian, and the
constants it knows in closed form (:class:`~iht.constants.KnownConstants`).

Every public method checks its ``θ`` once, in this base class (:meth:`Objective.check_theta`): a
real numpy vector of shape ``(N,)`` without NaN or inf. Families implement the unchecked
``_value``, ``_gradient``, ``_hessian`` and ``_hessian_vector``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from iht.constants.brackets import KnownConstants
from iht.constants.cpl import cpl_certificate, eigen_certificate
from iht.constants.eigen import enumerated_extremes
from iht.projection.errors import check_finite_vector
from iht.validation import check_choice, check_int

AMPLITUDES = ("gaussian", "pm1")


def planted_vector(dim: int, k_star: int, rng: np.random.Generator,
                   amplitudes: str = "gaussian") -> np.ndarray:
    """A ``k_star``-sparse vector on a uniformly random support.

    ``amplitudes="gaussian"`` draws standard normal values, ``"pm1"`` random signs (amplitudes
    bounded away from zero, as support recovery needs).
    """
    dim = check_int(dim, "dim", 2)
    k_star = check_int(k_star, "k_star", 1, dim - 1)
    check_choice(amplitudes, "amplitudes", AMPLITUDES)
    theta = np.zeros(dim)
    support = rng.choice(dim, size=k_star, replace=False)
    theta[support] = (rng.standard_normal(k_star) if amplitudes == "gaussian"
                      else rng.choice([-1.0, 1.0], size=k_star))
    return theta


class Objective(ABC):
    """A smooth objective with a planted ``k*``-sparse point.

    Attributes
    ----------
    dim : int
        ``N``.
    k_star : int
        Sparsity of ``θ*``.
    theta_star : ndarray, shape (N,)
        The ``k*``-sparse reference minimiser (each family documents what it minimises).
    f_star : float
        ``f(θ*)``.
    is_quadratic : bool
        Whether the Hessian is constant (then ``hessian_bound()`` is the Hessian).
    """

    dim: int
    k_star: int
    theta_star: np.ndarray
    f_star: float
    is_quadratic: bool

    def check_theta(self, theta: np.ndarray, name: str = "theta") -> np.ndarray:
        """``theta`` as float64 after checking it is a finite real numpy vector of shape ``(N,)``.

        Raises
        ------
        TypeError
            If ``theta`` is not a numpy array of a real (integer or floating) dtype.
        ValueError
            If its shape is not ``(N,)`` or it holds NaN or inf.
        """
        return check_finite_vector(theta, self.dim, name)

    def value(self, theta: np.ndarray) -> float:
        """``f(θ)``."""
        return self._value(self.check_theta(theta))

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """``∇f(θ)``, shape (N,)."""
        return self._gradient(self.check_theta(theta))

    def hessian(self, theta: np.ndarray | None = None) -> np.ndarray:
        """``∇²f(θ)``, shape (N, N); ``θ`` may be omitted for quadratics (constant Hessian)."""
        if theta is None and self.is_quadratic:
            return self._hessian(None)
        return self._hessian(self.check_theta(theta))

    def hessian_vector(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        """``∇²f(θ) v``, shape (N,)."""
        return self._hessian_vector(self.check_theta(theta), self.check_theta(v, "v"))

    def hessian_on_support(self, theta: np.ndarray, support: np.ndarray) -> np.ndarray:
        """The principal block ``[∇²f(θ)]_{S,S}`` of the coordinates in ``support``, shape (|S|, |S|)."""
        columns = np.flatnonzero(self.check_support(support))
        return self._hessian_block(self.check_theta(theta), columns)

    def _hessian_block(self, theta: np.ndarray, columns: np.ndarray) -> np.ndarray:
        return self._hessian(theta)[np.ix_(columns, columns)]

    def check_support(self, support: np.ndarray) -> np.ndarray:
        """``support`` after checking it is a boolean numpy vector of shape ``(N,)``."""
        if not isinstance(support, np.ndarray) or support.dtype != np.bool_:
            raise TypeError(f"support must be a boolean numpy.ndarray; got {type(support).__name__} "
                            f"{getattr(support, 'dtype', '')}".rstrip())
        if support.shape != (self.dim,):
            raise ValueError(f"support must have shape ({self.dim},); got shape {support.shape}")
        return support

    def minimize_on_support(self, support: np.ndarray) -> np.ndarray:
        """``argmin f(θ)`` over ``θ`` vanishing off the boolean ``support``, shape (N,)."""
        return self._minimize_on_support(self.check_support(support))

    @abstractmethod
    def _value(self, theta: np.ndarray) -> float:
        """``f(θ)`` for a checked ``θ``."""

    @abstractmethod
    def _gradient(self, theta: np.ndarray) -> np.ndarray:
        """``∇f(θ)`` for a checked ``θ``."""

    @abstractmethod
    def _hessian(self, theta: np.ndarray | None) -> np.ndarray:
        """``∇²f(θ)`` for a checked ``θ`` (``None`` only when ``is_quadratic``)."""

    @abstractmethod
    def hessian_bound(self) -> np.ndarray:
        """A symmetric matrix ``B`` with ``∇²f(θ) ≼ B`` for every ``θ``, shape (N, N)."""

    @abstractmethod
    def _minimize_on_support(self, support: np.ndarray) -> np.ndarray:
        """``argmin f`` on a checked boolean ``support``."""

    def _hessian_vector(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        return self._hessian(theta) @ v

    def principal_blocks(self) -> np.ndarray:
        """Equal-size diagonal blocks of ``hessian_bound()``, shape (n_blocks, b, b).

        Objectives without block structure return the whole matrix as one block.
        """
        return self.hessian_bound()[None]

    @property
    def support_star(self) -> np.ndarray:
        """Boolean support of ``θ*``."""
        return self.theta_star != 0.0

    def known_constants(self, k: int) -> KnownConstants:
        """Constants known without sampling, for projection size ``k`` (``1 <= k < N``).

        On quadratics: ``β`` at ``t = 2k + 3k*`` when enumeration of principal submatrices (block
        structure or tiny ``N``) makes it exact; ``α_sparse`` from
        :func:`~iht.constants.cpl.eigen_certificate` over ``(k + k*)``-sparse directions and
        ``α_global`` from :func:`~iht.constants.cpl.cpl_certificate` (both certified lower bounds,
        ``None`` when the certificate is 0). Other objectives know nothing in closed form.
        """
        k = check_int(k, "k", 1, self.dim - 1)
        if not self.is_quadratic:
            return KnownConstants()
        extremes = enumerated_extremes(self.principal_blocks(), 2 * k + 3 * self.k_star)
        sparse, _ = eigen_certificate(self, self.k_star, min(k + self.k_star, self.dim))
        full, _, _ = cpl_certificate(self, self.k_star, k, "global")
        return KnownConstants(
            beta=None if extremes is None else extremes[1],
            alpha_sparse=sparse if sparse > 0.0 else None,
            alpha_global=full if full > 0.0 else None,
        )
