"""The convergence bounds checked by the suite, as functions of an instance's constants.

Every function here is pure arithmetic on numbers the caller supplies; whether the hypotheses
behind a bound hold on an instance is decided in :mod:`iht.theory.hypotheses`.

Reading of the CPL constant
---------------------------
Peste et al. (2021) print the (r, α)-CPL condition as ``||T_r(∇f(θ))|| ≥ (α/2)(f(θ) − f(θ*))``.
This package reads it with the square, ``||T_r(∇f(θ))||² ≥ (α/2)(f(θ) − f(θ*))``: only then is
β/α dimensionless and 16σ²/α in the units of f, as Theorem 1 needs, and only then does the
condition reduce to the Polyak–Łojasiewicz inequality when r = N.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from iht.validation import check_nonnegative, check_positive

#: Factor of σ²/α in the noise floor of Peste et al. (2021), Theorem 1.
THEOREM1_NOISE_FACTOR = 16.0

#: Factor of (L/α)²k* in the projection size that Jain, Tewari & Kar (2014) require, as recorded in
#: docs/theory.md (a paraphrase, not confirmed against the paper: see :func:`jtk_sparsity_requirement`).
JTK_SPARSITY_FACTOR = 32.0


def theorem1_bound(sigma2: float, alpha: float, epsilon: float = 0.0) -> float:
    """Right-hand side of Theorem 1: ``E[f(θ) − f(θ*)] ≤ ε + 16σ²/α``.

    Parameters
    ----------
    sigma2 : float
        Bound σ² on the variance ``E||g − ∇f(θ)||²`` of the stochastic gradients, ``>= 0``.
    alpha : float
        CPL constant (r = k*), ``> 0``, read with the square (module docstring).
    epsilon : float
        Target precision ε ``>= 0``; the theorem's iteration count grows as ``ln(1/ε)``.

    References
    ----------
    Peste, Iofinova, Vladu & Alistarh, "AC/DC: Alternating Compressed/DeCompressed Training of
    Deep Neural Networks", NeurIPS 2021, Theorem 1.
    """
    check_nonnegative(sigma2, "sigma2")
    check_positive(alpha, "alpha")
    check_nonnegative(epsilon, "epsilon")
    return epsilon + THEOREM1_NOISE_FACTOR * sigma2 / alpha


def theorem1_iterations(beta: float, alpha: float, gap0: float, epsilon: float) -> float:
    """Theorem 1's iteration count without its unknown constant: ``(β/α)·ln(gap0/ε)``.

    The theorem states ``O((β/α) ln((f(θ_0) − f(θ*))/ε))`` iterations; the constant hidden in the
    O is not available, so callers multiply this value by a stated factor. Returns 0 when
    ``gap0 <= ε`` (the start already meets the precision).

    Parameters
    ----------
    beta, alpha : float
        Restricted smoothness (level 2k + 3k*) and CPL constants, both ``> 0``.
    gap0 : float
        Initial gap ``f(θ_0) − f(θ*) >= 0``.
    epsilon : float
        Target precision ``> 0``.

    References
    ----------
    Peste et al., NeurIPS 2021, Theorem 1.
    """
    check_positive(beta, "beta")
    check_positive(alpha, "alpha")
    return _log_iterations(beta / alpha, gap0, epsilon)


def _log_iterations(condition: float, gap0: float, epsilon: float) -> float:
    check_nonnegative(gap0, "gap0")
    check_positive(epsilon, "epsilon")
    return condition * math.log(gap0 / epsilon) if gap0 > epsilon else 0.0


def theorem1_sparsity_requirement(k_star: int, beta: float, alpha: float, C: float) -> float:
    """Projection size Theorem 1 asks for: ``k = C·k*·(β/α)²`` for the constant ``C`` used.

    The paper leaves ``C`` as "an appropriately chosen constant"; the suite treats it as an input
    and measures the smallest ``k/k*`` at which the bound holds ("empirical C").

    References
    ----------
    Peste et al., NeurIPS 2021, Theorem 1.
    """
    check_positive(beta, "beta")
    check_positive(alpha, "alpha")
    check_positive(C, "C")
    return C * k_star * (beta / alpha) ** 2


def theorem1_smoothness_level(k: int, k_star: int, dim: int) -> int:
    """Sparsity level ``min(2k + 3k*, N)`` at which Theorem 1 needs restricted smoothness.

    Restricted smoothness at any level ``t >= N`` is plain smoothness, hence the cap at ``N``.
    """
    return min(2 * k + 3 * k_star, dim)


def descent_step_limit(beta_2k: float) -> float:
    """Largest step for which IHT never increases f: ``η ≤ 1/β_2k``.

    With θ_t and θ_{t+1} both k-sparse, δ = θ_{t+1} − θ_t is 2k-sparse and (2k, β)-restricted
    smoothness plus the fact that θ_{t+1} is the best k-sparse approximation of θ_t − η∇f(θ_t)
    give :func:`descent_guarantee`.

    References
    ----------
    Blumensath & Davies, "Iterative thresholding for sparse approximations", J. Fourier Anal. Appl.
    2008 (majorisation-minimisation view of IHT).
    """
    check_positive(beta_2k, "beta_2k")
    return 1.0 / beta_2k


def descent_guarantee(step: float, beta_2k: float, step_norm2: float) -> float:
    """Guaranteed decrease ``f(θ_t) − f(θ_{t+1}) ≥ ½(1/η − β_2k)·||θ_{t+1} − θ_t||²``.

    Non-negative whenever ``η ≤ 1/β_2k``: deterministic IHT started at a k-sparse point never
    increases f. The product is evaluated exactly on the float inputs (rational arithmetic) and
    rounded once, so its sign is exact: it is ``>= 0`` if and only if ``η·β_2k ≤ 1`` holds for the
    floats passed (``step = 1/beta`` computed in float64 may exceed ``1/β`` by one rounding, and the
    guarantee is then negative).

    Parameters
    ----------
    step : float
        Step size η ``> 0``.
    beta_2k : float
        Restricted smoothness at level 2k.
    step_norm2 : float
        ``||θ_{t+1} − θ_t||²``.

    References
    ----------
    Blumensath & Davies 2008 (as in :func:`descent_step_limit`).
    """
    check_positive(step, "step")
    check_positive(beta_2k, "beta_2k")
    check_nonnegative(step_norm2, "step_norm2")
    return float((1 / Fraction(step) - Fraction(beta_2k)) * Fraction(step_norm2) / 2)


def jtk_sparsity_requirement(k_star: int, smoothness: float, strong_convexity: float) -> float:
    """Projection size of Jain, Tewari & Kar (2014) for IHT: ``k ≥ 32·(L/α)²·k*``.

    Statement encoded, a paraphrase (source: the statement recorded in docs/theory.md, which
    cites Jain, Tewari & Kar, NeurIPS 2014, without the paper's wording): if f satisfies restricted strong
    convexity α and restricted smoothness L at sparsity ``2k + k*`` and ``k ≥ 32(L/α)²k*``, IHT
    reaches ``f(θ_T) − f(θ*) ≤ ε`` after ``T = O((L/α)·log(f(θ_0)/ε))`` iterations.

    Not confirmed here: the search tools available when this was written returned only the
    paper's abstract (arXiv:1410.5137), which confirms the setting (IHT under restricted strong
    convexity / smoothness, arbitrary condition number) but not the constant 32, the sparsity level
    ``2k + k*`` or the step size of the theorem. The suite therefore takes the step as an input,
    records it, and labels this check as resting on an unconfirmed statement.

    References
    ----------
    Jain, Tewari & Kar, "On iterative hard thresholding methods for high-dimensional
    M-estimation", NeurIPS 2014.
    """
    check_positive(smoothness, "smoothness")
    check_positive(strong_convexity, "strong_convexity")
    return JTK_SPARSITY_FACTOR * (smoothness / strong_convexity) ** 2 * k_star


def jtk_smoothness_level(k: int, k_star: int, dim: int) -> int:
    """Sparsity level ``min(2k + k*, N)`` of the restricted constants in the JTK (2014) statement."""
    return min(2 * k + k_star, dim)


def jtk_iterations(smoothness: float, strong_convexity: float, gap0: float, epsilon: float) -> float:
    """JTK (2014) iteration count without its constant: ``(L/α)·ln(gap0/ε)`` (0 if ``gap0 <= ε``)."""
    check_positive(smoothness, "smoothness")
    check_positive(strong_convexity, "strong_convexity")
    return _log_iterations(smoothness / strong_convexity, gap0, epsilon)


def cpl_sign_vector_bound(hessian: np.ndarray, r: int) -> float:
    """Upper bound ``4r / tr(H⁻¹)`` on the global ``(r, α)``-CPL constant of ``f = ½ dᵀHd + f*``.

    At ``θ = θ* + H⁻¹v`` the gradient is ``v`` and ``f − f* = ½ vᵀH⁻¹v``. For a sign vector
    ``v ∈ {±1}^N``, ``‖T_r(v)‖² = r``, so CPL read with the square forces
    ``α ≤ 4r / vᵀH⁻¹v``; the average of ``vᵀH⁻¹v`` over uniform random signs is ``tr(H⁻¹)``, so
    some sign vector has ``vᵀH⁻¹v ≥ tr(H⁻¹)`` and ``α ≤ 4r/tr(H⁻¹)`` (derivation in docs/theory.md,
    "The structural limit").

    Parameters
    ----------
    hessian : ndarray, shape (N, N)
        Symmetric positive definite Hessian ``H``.
    r : int
        Number of gradient entries CPL keeps (Theorem 1: ``r = k*``).

    References
    ----------
    Peste et al., NeurIPS 2021, assumption 4 (CPL) and Theorem 1.
    """
    return 4.0 * r / float(np.trace(np.linalg.inv(hessian)))


def cpl_structural_limit(beta_1: float, k_star: int, dim: int) -> float:
    """``4k*β₁/N``: no positive-definite quadratic is ``(k*, α)``-CPL for all θ with a larger α.

    ``β₁ = max_i H_ii`` is the restricted smoothness at level 1. Since ``(H⁻¹)_ii ≥ 1/H_ii``,
    ``tr(H⁻¹) ≥ N/β₁`` and :func:`cpl_sign_vector_bound` gives ``α ≤ 4k*β₁/N``.

    References
    ----------
    Peste et al., NeurIPS 2021, Theorem 1; docs/theory.md, "The structural limit".
    """
    check_positive(beta_1, "beta_1")
    return 4.0 * k_star * beta_1 / dim


def theorem1_dimension_limit(k_star: int, C: float) -> float:
    """``16k*/C``: Theorem 1's ``C·k*·(β/α)² ≤ k < N`` needs ``N < 16k*/C`` on a quadratic.

    With ``β ≥ β₁`` and :func:`cpl_structural_limit`, ``k ≥ C·k*·(β/α)² ≥ C·N²/(16k*)``, which
    is below ``N`` only when ``N < 16k*/C``.

    References
    ----------
    Peste et al., NeurIPS 2021, Theorem 1; docs/theory.md, "The structural limit".
    """
    check_positive(C, "C")
    return 16.0 * k_star / C
