"""The constants an instance claims for the theorems: certified smoothness and CPL constants.

What the rows compare the observations against (:mod:`iht.theory.rows`); the measured upper bounds
that can contradict a claim are in :mod:`iht.theory.crosscheck`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from iht.constants import restricted_smoothness
from iht.constants.cpl import cpl_certificate
from iht.theory import bounds

#: Hypotheses under which Theorem 1 is checked, and the CPL scope each one uses (docs/theory.md,
#: "The relaxed hypothesis").
HYPOTHESES = {"paper": "global", "relaxed": "sparse"}


def certified_constants(objective: Any, k: int) -> dict[str, float | None]:
    """Claimed (certified) constants of Theorem 1 for projection size ``k``.

    ``beta``: upper end of :func:`~iht.constants.restricted_smoothness` at level ``2k + 3k*``
    (exact on both built-in families: enumeration of principal submatrices); ``alpha_global`` and
    ``alpha_sparse``: :func:`~iht.constants.cpl.cpl_certificate` over all points and over the
    ``k``-sparse points (exact for CPLQuadratic's global α, certified lower bounds otherwise;
    ``None`` when the certificate is 0); ``beta_1``: the largest diagonal entry of the Hessian
    (restricted smoothness at level 1, the β₁ of the structural limit).
    """
    level = bounds.theorem1_smoothness_level(k, objective.k_star, objective.dim)
    alphas = {scope: cpl_certificate(objective, objective.k_star, k, scope)[0]
              for scope in HYPOTHESES.values()}
    return {"beta": restricted_smoothness(objective, level).upper,
            "beta_1": float(np.max(np.diag(objective.hessian()))),
            **{f"alpha_{scope}": value if value > 0 else None for scope, value in alphas.items()}}


def restricted_strong_convexity_lower(objective: Any) -> float | None:
    """Certified lower bound on restricted strong convexity at every level: ``λ_min`` of the Hessian.

    By Cauchy interlacing every principal submatrix has its smallest eigenvalue at least
    ``λ_min(H)``; for a separable quadratic that is the smallest curvature. ``None`` for
    non-quadratic objectives or when the bound is not positive.
    """
    if not objective.is_quadratic:
        return None
    curvatures = getattr(objective, "curvatures", None)
    smallest = float(curvatures.min()) if curvatures is not None else float(
        np.linalg.eigvalsh(objective.hessian_bound())[0])
    return smallest if smallest > 0 else None
