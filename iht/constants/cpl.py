"""The ``(r, α)``-CPL constant of an objective (assumption 4 of Theorem 1, Peste et al. 2021).

CPL ("concentrated Polyak–Łojasiewicz") is read with the square,

    ‖T_r(∇f(θ))‖² ≥ (α/2)(f(θ) − f(θ*)),

which makes ``β/α`` dimensionless, ``16σ²/α`` a value of ``f``, and reduces to the usual PL
inequality for ``r = N``. The best constant is ``α = inf 2‖T_r(∇f(θ))‖² / (f(θ) − f(θ*))`` over
``θ`` with ``f(θ) > f(θ*)``; two versions are measured:

- ``kind="global"``: over all ``θ``, the assumption as stated. For high-dimensional problems it is
  tiny (at most ``4λ_max·r/N`` on a quadratic) and makes Theorem 1 vacuous.
- ``kind="sparse"``: over the ``k``-sparse ``θ`` IHT visits; then ``d = θ − θ*`` has at most
  ``s = min(k + k*, N)`` non-zeros.

Lower bounds are certified (on quadratics ``f = ½ dᵀHd + f*``); values computed at sampled points
are upper bounds on ``α`` and are labelled so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.constants.brackets import Bracket
from iht.constants.eigen import enumerated_extremes
from iht.projection import hard_threshold
from iht.validation import check_choice, check_int

KINDS = ("sparse", "global")


def _direction_sparsity(objective: Any, k: int, kind: str) -> int:
    return objective.dim if kind == "global" else min(k + objective.k_star, objective.dim)


def eigen_certificate(objective: Any, r: int, s: int) -> tuple[float, str]:
    """Certified lower bound ``4·(min(r, s)/s)·λ`` on a quadratic's CPL constant over ``s``-sparse d.

    ``λ`` is the smallest eigenvalue of an ``s × s`` principal submatrix of ``H`` (enumerated, or
    ``λ_min(H)`` by interlacing). Derivation: for ``d`` supported on ``S``, ``|S| = s``, the top ``r``
    entries of ``g = Hd`` carry at least ``min(r, s)/s`` of ``‖g_S‖²``, and
    ``‖g_S‖² = ‖H_SS d_S‖² ≥ λ_min(H_SS)·d_Sᵀ H_SS d_S = 2λ_min(H_SS)(f − f*)``. For
    ``H = diag(h)`` it is docs/theory.md's ``4μ·k*/(k + k*)``.
    """
    extremes = enumerated_extremes(objective.principal_blocks(), s)
    if extremes is None:
        smallest, how = float(np.linalg.eigvalsh(objective.hessian_bound())[0]), "λ_min(H)"
    else:
        smallest, how = extremes[0], f"min λ_min of the {s}-subsets (enumerated)"
    return 4.0 * min(r, s) / s * max(smallest, 0.0), f"4·min(r, s)/s·{how}, s={s}"


def diagonal_certificate(curvatures: np.ndarray, r: int, s: int) -> float:
    """Exact CPL constant of ``f = ½ Σ h_i d_i² + f*`` over all ``s``-sparse ``d``.

    With ``g = Hd`` free, ``f − f* = ½ Σ g_i²/h_i``. For a fixed ``‖T_r(g)‖²`` the maximisers of
    ``Σ g_i²/h_i`` are the vertices of a polytope in the ``g_i²``: ``j < r`` equal entries (value at
    most ``‖T_r g‖²/μ``) or ``j ∈ [r, s]`` equal entries on the ``j`` smallest curvatures. Hence
    ``α = 4 / max(1/μ, (1/r)·Σ_{s smallest h} 1/h_i)`` for ``r < s``, and ``4μ`` for ``r >= s``.
    """
    inverse = np.sort(1.0 / curvatures)[::-1]
    worst = 1.0 / curvatures.min()
    if r < s:
        worst = max(worst, float(inverse[:s].sum()) / r)
    return 4.0 / worst


def cpl_certificate(objective: Any, r: int, k: int, kind: str) -> tuple[float, str, bool]:
    """``(lower bound, method, exact)`` on the CPL constant without sampling."""
    s = _direction_sparsity(objective, k, kind)
    if not objective.is_quadratic:
        return 0.0, "no certificate (not a quadratic)", False
    curvatures = getattr(objective, "curvatures", None)
    if curvatures is not None:
        exact = kind == "global"
        label = "exact" if exact else f"exact over all {s}-sparse directions, a lower bound here"
        return diagonal_certificate(curvatures, r, s), f"diagonal vertex formula ({label})", exact
    value, how = eigen_certificate(objective, r, s)
    return value, how, False


def sampled_ratio(objective: Any, r: int, thetas: np.ndarray) -> float:
    """``min 2‖T_r(∇f(θ))‖² / (f(θ) − f*)`` over the rows of ``thetas`` above ``f*`` (an upper bound)."""
    best = np.inf
    for theta in thetas:
        gap = objective.value(theta) - objective.f_star
        if gap > 0.0:
            top = hard_threshold(objective.gradient(theta), r)
            best = min(best, 2.0 * float(top @ top) / gap)
    return best


def _sample_points(objective: Any, k: int, kind: str, rng: np.random.Generator,
                   n_samples: int) -> np.ndarray:
    scale = max(float(np.abs(objective.theta_star).max()), 1.0)
    noise = scale * rng.standard_normal((n_samples, objective.dim))
    points = objective.theta_star + noise * rng.uniform(0.01, 1.0, (n_samples, 1))
    if kind == "global":
        return points
    return np.stack([hard_threshold(p, k) for p in points])


def cpl_alpha(objective: Any, r: int, k: int, kind: str = "sparse",
              rng: np.random.Generator | int | None = None, n_samples: int = 200) -> Bracket:
    """Bracket on the ``(r, α)``-CPL constant of ``objective``.

    Parameters
    ----------
    objective
        An :mod:`iht.objectives` objective.
    r : int
        Number of gradient entries kept, ``1 <= r <= N`` (Theorem 1 uses ``r = k*``).
    k : int
        Projection size, ``1 <= k <= N``; only used by ``kind="sparse"``.
    kind : {"sparse", "global"}
        Infimum over the ``k``-sparse points, or over all points.
    rng : numpy.random.Generator or int, optional
        Draws the sample points of the upper end.
    n_samples : int
        Number of sample points (ignored when the lower end is exact).

    Returns
    -------
    Bracket
        ``lower``: certified (0.0 when there is none); ``upper``: the smallest ratio at the sampled
        points (``θ* + noise``, hard-thresholded to ``k`` entries for ``kind="sparse"``).
    """
    check_choice(kind, "kind", KINDS)
    r = check_int(r, "r", 1, objective.dim)
    k = check_int(k, "k", 1, objective.dim)
    check_int(n_samples, "n_samples", 1)
    lower, how, exact = cpl_certificate(objective, r, k, kind)
    if exact:
        return Bracket(lower, lower, how)
    points = _sample_points(objective, k, kind, np.random.default_rng(rng), n_samples)
    upper = sampled_ratio(objective, r, points)
    return Bracket(lower, upper, f"lower: {how}; upper: min ratio at {n_samples} sampled points")
