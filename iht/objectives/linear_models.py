"""Objectives over data rows: ``f(θ) = (1/n) Σ_i ℓ(x_iᵀθ, y_i)`` with a planted sparse ``θ``.

With finitely many noisy rows the planted vector ``θ_planted`` is not a minimiser of ``f``, and the
unconstrained minimiser is dense. Both families therefore define ``θ*`` as the minimiser of ``f``
over vectors supported on the planted support (the oracle estimator that knows the support) and
``f* = f(θ*)``: a ``k*``-sparse point with zero gradient on its support. ``f(θ) − f*`` can be
negative at dense points or on other supports.

Rows give unbiased minibatch gradients (``batch_gradient``) and per-row gradients
(``row_gradients``) for :class:`~iht.oracles.MinibatchOracle`.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from scipy.special import expit

from iht.objectives.base import Objective, planted_vector
from iht.validation import check_int, check_real

#: Newton's method on a support stops when half the squared Newton decrement falls below this.
NEWTON_TOLERANCE = 1e-20


class RowObjective(Objective):
    """``f(θ) = (1/n) Σ_i ℓ(x_iᵀθ, y_i)`` for a convex loss ``ℓ`` with ``0 <= ℓ'' <= curvature_max``.

    Subclasses define ``_loss``, ``_dloss`` and ``_d2loss`` (elementwise in ``z = Xθ``).
    """

    curvature_max: float

    def _set_data(self, features: np.ndarray, targets: np.ndarray,
                  theta_planted: np.ndarray) -> None:
        self.features, self.targets, self.theta_planted = features, targets, theta_planted
        self.n_samples, self.dim = features.shape
        self.k_star = int(np.count_nonzero(theta_planted))
        self.theta_star = self.minimize_on_support(theta_planted != 0.0)
        self.f_star = self.value(self.theta_star)
        self._bound = None

    def _loss(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _dloss(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _d2loss(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _value(self, theta: np.ndarray) -> float:
        return float(np.mean(self._loss(self.features @ theta, self.targets)))

    def _gradient(self, theta: np.ndarray) -> np.ndarray:
        return self.features.T @ self._dloss(self.features @ theta, self.targets) / self.n_samples

    def batch(self, rows: np.ndarray) -> RowBatch:
        """The mean loss of the rows ``rows`` (integer indices) as a :class:`RowBatch`."""
        return RowBatch(self, rows)

    def batch_value(self, theta: np.ndarray, rows: np.ndarray) -> float:
        """Mean loss of the rows ``rows`` (integer indices)."""
        return self.batch(rows).value(self.check_theta(theta))

    def batch_gradient(self, theta: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Mean gradient of the rows ``rows`` (integer indices), shape (N,)."""
        return self.batch(rows).gradient(self.check_theta(theta))

    def row_gradients(self, theta: np.ndarray) -> np.ndarray:
        """Gradient of every row's loss, shape (n, N); their mean is ``∇f(θ)``."""
        theta = self.check_theta(theta)
        return self._dloss(self.features @ theta, self.targets)[:, None] * self.features

    def _hessian(self, theta: np.ndarray) -> np.ndarray:
        weights = self._d2loss(self.features @ theta, self.targets)
        return (self.features.T * weights) @ self.features / self.n_samples

    def _hessian_block(self, theta: np.ndarray, columns: np.ndarray) -> np.ndarray:
        x = self.features[:, columns]
        return (x.T * self._d2loss(self.features @ theta, self.targets)) @ x / self.n_samples

    def _hessian_vector(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        weights = self._d2loss(self.features @ theta, self.targets)
        return self.features.T @ (weights * (self.features @ v)) / self.n_samples

    def bound_vector(self, v: np.ndarray) -> np.ndarray:
        """``hessian_bound() @ v`` as ``curvature_max · Xᵀ(Xv) / n``, without the ``N × N`` matrix."""
        return self.curvature_max * (self.features.T @ (self.features @ v)) / self.n_samples

    def hessian_bound(self) -> np.ndarray:
        """``curvature_max · XᵀX / n``, computed once."""
        if self._bound is None:
            self._bound = self.curvature_max * (self.features.T @ self.features) / self.n_samples
        return self._bound

    def _minimize_on_support(self, support: np.ndarray) -> np.ndarray:
        """Newton's method with Armijo backtracking on the columns in ``support``.

        A quadratic loss converges in one step; the loop stops when half the squared Newton
        decrement is below ``NEWTON_TOLERANCE`` times ``max(1, f)``.
        """
        columns = np.flatnonzero(support)
        x, y = self.features[:, columns], self.targets
        w = np.zeros(len(columns))
        for _ in range(100):
            z = x @ w
            current = np.mean(self._loss(z, y))
            grad = x.T @ self._dloss(z, y) / self.n_samples
            hess = (x.T * self._d2loss(z, y)) @ x / self.n_samples
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
            decrement = float(grad @ step)
            if 0.5 * decrement <= NEWTON_TOLERANCE * max(1.0, current):
                break
            scale = 1.0
            while (np.mean(self._loss(x @ (w - scale * step), y)) > current - 0.25 * scale * decrement
                   and scale > 1e-12):
                scale *= 0.5
            w -= scale * step
        theta = np.zeros(self.dim)
        theta[columns] = w
        return theta


class RowBatch:
    """``f_B(θ) = (1/|B|) Σ_{i∈B} ℓ(x_iᵀθ, y_i)``, the mean loss of some rows of a
    :class:`RowObjective`, optionally as a function of the coordinates ``columns`` only.

    The rows are gathered once, on first use, so a line search can evaluate the same batch several
    times; :meth:`both` computes the value and the gradient from one product ``x_B θ`` (a line
    search needs the value at the point whose gradient it steps along), with the same floats as
    :meth:`value` and :meth:`gradient`. :meth:`restrict` is the same function of the coordinates
    ``θ_S`` of a support ``S``, the others held at 0: a step that keeps a support (a compressed
    phase of AC/DC) then gathers and multiplies ``|B| × |S|`` entries instead of ``|B| × N``. It
    equals the function on ``N``-vectors up to the order of the floating-point sums. The methods do
    not check ``θ`` (solvers call them with their own finite iterates); :meth:`RowObjective.batch_value`
    and :meth:`RowObjective.batch_gradient` do.

    Parameters
    ----------
    objective : RowObjective
    rows : ndarray of int
        ``B``, the rows.
    columns : ndarray of int, optional
        ``S``: ``θ`` is then the vector of the coordinates ``S`` (all ``N`` by default).
    """

    def __init__(self, objective: RowObjective, rows: np.ndarray, columns: np.ndarray | None = None):
        self.objective, self.rows, self.columns = objective, rows, columns
        self.targets = objective.targets[rows]

    @cached_property
    def features(self) -> np.ndarray:
        """``x_B`` (restricted to ``columns``), gathered on first use."""
        data = self.objective.features if self.columns is None else self.objective.features.take(
            self.columns, axis=1)
        return data.take(self.rows, axis=0)

    def _mean_loss(self, z: np.ndarray) -> float:
        # np.mean's own arithmetic (np.add.reduce, then the division), without its dispatch
        return float(np.add.reduce(self.objective._loss(z, self.targets))) / len(self.targets)

    def value(self, theta: np.ndarray) -> float:
        """``f_B(θ)``."""
        return self._mean_loss(self.features @ theta)

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """``∇f_B(θ)``."""
        return self.both(theta)[1]

    def both(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """``(f_B(θ), ∇f_B(θ))`` from one product ``x_B θ``."""
        x = self.features
        z = x @ theta
        return self._mean_loss(z), x.T @ self.objective._dloss(z, self.targets) / len(self.targets)

    def restrict(self, columns: np.ndarray) -> RowBatch:
        """The same rows as a function of the coordinates ``columns`` (integer indices into ``N``)."""
        return RowBatch(self.objective, self.rows, columns)


class CompressedSensing(RowObjective):
    """Sparse recovery ``f(θ) = ‖b − Aθ‖² / (2n)`` with ``b = Aθ_planted + noise·e``.

    ``A`` has i.i.d. ``N(0, 1/n)`` entries (columns of unit norm in expectation), ``e`` is standard
    normal. ``θ*`` is the least-squares fit on the planted support (see the module docstring), so
    ``f* ≈ noise²·(n − k*)/(2n)`` is the noise floor of any estimator that finds the support.
    Blumensath & Davies (2009) analyse IHT on this problem under the restricted isometry property.

    Parameters
    ----------
    n_measurements : int
        ``n``, rows of ``A``.
    dim : int
        ``N``, columns of ``A``.
    k_star : int
        Sparsity of the planted vector, ``1 <= k_star < N``.
    noise : float
        Standard deviation of the measurement noise, ``>= 0``.
    amplitudes : {"gaussian", "pm1"}
        Values of the planted vector on its support.
    seed : int or numpy.random.Generator
        Randomness of ``A``, the planted vector and the noise.
    """

    is_quadratic = True
    curvature_max = 1.0

    def __init__(self, n_measurements: int, dim: int, k_star: int, *, noise: float = 0.0,
                 amplitudes: str = "gaussian", seed: int | np.random.Generator = 0):
        rng = np.random.default_rng(seed)
        n = check_int(n_measurements, "n_measurements", 1)
        self.noise = check_real(noise, "noise", 0.0)
        theta_planted = planted_vector(dim, k_star, rng, amplitudes)
        design = rng.standard_normal((n, dim)) / np.sqrt(n)
        self._set_data(design, design @ theta_planted + self.noise * rng.standard_normal(n),
                       theta_planted)

    def _loss(self, z, y):
        return 0.5 * (z - y) ** 2

    def _dloss(self, z, y):
        return z - y

    def _d2loss(self, z, y):
        return np.ones_like(z)


class SparseLogisticRegression(RowObjective):
    """Logistic loss ``f(θ) = (1/n) Σ log(1 + exp(−y_i x_iᵀθ))`` with labels from a sparse model.

    Rows ``x_i ~ N(0, I)``; labels ``y_i = ±1`` with ``P(y_i = 1) = σ(x_iᵀθ_planted)``. ``θ*`` is
    the maximum-likelihood fit on the planted support (see the module docstring). The Hessian
    ``Xᵀ diag(σ'(Xθ)) X / n`` is dominated by ``XᵀX / (4n)``; CPL cannot hold for all ``θ`` (the
    gradient is bounded while ``f`` grows linearly along rays), so no ``α`` is known.

    Parameters
    ----------
    n_samples : int
        ``n``, number of rows.
    dim : int
        ``N``, number of features.
    k_star : int
        Sparsity of the planted vector.
    scale : float
        Multiplies the planted vector (larger: cleaner labels), ``> 0``.
    amplitudes, seed
        As in :class:`CompressedSensing`.
    """

    is_quadratic = False
    curvature_max = 0.25

    def __init__(self, n_samples: int, dim: int, k_star: int, *, scale: float = 1.0,
                 amplitudes: str = "gaussian", seed: int | np.random.Generator = 0):
        rng = np.random.default_rng(seed)
        n = check_int(n_samples, "n_samples", 1)
        scale = check_real(scale, "scale", 0.0, strict=True)
        theta_planted = scale * planted_vector(dim, k_star, rng, amplitudes)
        features = rng.standard_normal((n, dim))
        labels = np.where(rng.random(n) < expit(features @ theta_planted), 1.0, -1.0)
        self._set_data(features, labels, theta_planted)

    def _loss(self, z, y):
        return np.logaddexp(0.0, -y * z)

    def _dloss(self, z, y):
        return -y * expit(-y * z)

    def _d2loss(self, z, y):
        p = expit(z)
        return p * (1.0 - p)
