"""The structural limit of CPL for all θ, and the cross-checks of claimed constants (α, σ²)."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iht.constants.cpl import cpl_certificate
from iht.objectives import CPLQuadratic, DecoyBlockQuadratic
from iht.oracles import GaussianNoiseOracle
from iht.theory import (
    cpl_sign_vector_bound,
    cpl_structural_limit,
    theorem1_dimension_limit,
    theorem1_sparsity_requirement,
)
from iht.theory.adversarial import SupportNoiseOracle
from iht.theory.crosscheck import (
    VARIANCE_Z,
    alpha_contradiction,
    cpl_upper_bounds,
    measured_variance,
    variance_contradiction,
)


@st.composite
def pd_matrices(draw):
    """Random symmetric positive-definite matrices, N from 2 to 8 (all 2^N sign vectors enumerable)."""
    dim = draw(st.integers(2, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    factor = rng.standard_normal((dim, dim)) * draw(st.floats(0.1, 3.0))
    return factor @ factor.T + draw(st.floats(1e-3, 1.0)) * np.eye(dim)


@given(hessian=pd_matrices(), data=st.data())
def test_no_pd_quadratic_is_cpl_for_all_theta_with_alpha_above_4_kstar_beta1_over_n(hessian, data):
    dim = hessian.shape[0]
    r = data.draw(st.integers(1, dim))
    inverse = np.linalg.inv(hessian)
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=dim)))
    quadratic_forms = np.einsum("vi,ij,vj->v", signs, inverse, signs)
    # at θ = θ* + H⁻¹v: ‖T_r(∇f)‖² = r and f − f* = ½ vᵀH⁻¹v, so α ≤ 4r / vᵀH⁻¹v for every sign vector
    tightest = float(np.min(4 * r / quadratic_forms))
    assert quadratic_forms.mean() == pytest.approx(np.trace(inverse), rel=1e-9)  # the average over signs
    sign_bound = cpl_sign_vector_bound(hessian, r)
    limit = cpl_structural_limit(float(np.max(np.diag(hessian))), r, dim)
    assert tightest <= sign_bound * (1 + 1e-9)
    assert sign_bound <= limit * (1 + 1e-9)


@given(dim=st.integers(4, 64), k_star=st.integers(1, 3), C=st.floats(0.05, 4.0), data=st.data())
def test_theorem1_requirement_fits_below_n_only_when_n_below_16_kstar_over_c(dim, k_star, C, data):
    k_star = min(k_star, dim - 1)
    alpha_max = cpl_structural_limit(1.0, k_star, dim)
    alpha = data.draw(st.floats(alpha_max * 1e-3, alpha_max))
    required = theorem1_sparsity_requirement(k_star, beta=1.0, alpha=alpha, C=C)
    assert required >= C * dim**2 / (16 * k_star) * (1 - 1e-9)
    if required < dim:
        assert dim < theorem1_dimension_limit(k_star, C) * (1 + 1e-9)


@pytest.mark.parametrize("condition", [2.0, 3.0, 8.0])
def test_cpl_quadratic_attains_the_sign_vector_bound(condition):
    objective = CPLQuadratic(16, 2, 1.0 / condition, beta=1.0, amplitudes="pm1", seed=3)
    assert objective.alpha == pytest.approx(cpl_sign_vector_bound(objective.hessian(), 2), rel=1e-9)


@pytest.mark.parametrize("objective", [
    CPLQuadratic(16, 2, 0.25, beta=1.0, amplitudes="pm1", seed=0),
    CPLQuadratic(24, 3, 0.4, beta=1.0, amplitudes="pm1", seed=1),
    DecoyBlockQuadratic(6, 2, correlation=0.8, seed=2),
], ids=["cpl16", "cpl24", "decoy"])
def test_claimed_cpl_constants_are_below_the_sampled_cpl_ratios(objective):
    k = 2 * objective.k_star
    upper = cpl_upper_bounds(objective, objective.k_star, k, np.random.default_rng(0))
    for scope in ("global", "sparse"):
        claimed = cpl_certificate(objective, objective.k_star, k, scope)[0]
        assert 0 < claimed <= upper[scope] * (1 + 1e-9), scope
        assert alpha_contradiction(claimed, upper[scope], scope) is None
    claimed = objective.known_constants(k).alpha_global
    assert claimed <= upper["global"] * (1 + 1e-9)


def test_a_doubled_cpl_claim_is_contradicted():
    objective = CPLQuadratic(16, 2, 0.25, beta=1.0, amplitudes="pm1", seed=0)
    upper = cpl_upper_bounds(objective, 2, 4, np.random.default_rng(0))
    reason = alpha_contradiction(2 * objective.alpha, upper["global"], "global")
    assert reason is not None and "exceeds the CPL ratio" in reason


@pytest.mark.parametrize("oracle_class", [GaussianNoiseOracle, SupportNoiseOracle])
@pytest.mark.parametrize("sigma2", [0.01, 0.5])
def test_oracles_are_unbiased_with_the_stated_variance(oracle_class, sigma2):
    objective = CPLQuadratic(16, 2, 0.25, beta=1.0, amplitudes="pm1", seed=0)
    oracle = oracle_class(objective, sigma2)
    sparse = objective.theta_star + 0.0
    sparse[np.flatnonzero(sparse == 0)[:3]] = 0.5
    rng = np.random.default_rng(7)
    for theta in (np.zeros(16), sparse):
        draws = np.array([oracle(theta, rng) for _ in range(4000)]) - objective.gradient(theta)
        squares = np.sum(draws**2, axis=1)
        error = squares.std(ddof=1) / np.sqrt(squares.size)
        assert abs(squares.mean() - sigma2) <= VARIANCE_Z * error  # E‖g − ∇f‖² = σ² exactly
        spread = draws.std(axis=0, ddof=1) / np.sqrt(draws.shape[0])
        assert np.all(np.abs(draws.mean(axis=0)) <= VARIANCE_Z * np.maximum(spread, 1e-300))  # unbiased
        mean, measured_error = measured_variance(oracle, theta[None], np.random.default_rng(1), 400)
        assert variance_contradiction(sigma2, mean, measured_error) is None


def test_support_oracle_puts_all_its_noise_on_the_support():
    objective = CPLQuadratic(16, 2, 0.25, beta=1.0, amplitudes="pm1", seed=0)
    theta = objective.theta_star
    noise = SupportNoiseOracle(objective, 0.3)(theta, np.random.default_rng(0)) - objective.gradient(theta)
    assert np.all(noise[theta == 0] == 0) and np.all(noise[theta != 0] != 0)


def test_an_understated_variance_is_contradicted():
    objective = CPLQuadratic(16, 2, 0.25, beta=1.0, amplitudes="pm1", seed=0)
    mean, error = measured_variance(GaussianNoiseOracle(objective, 0.04), np.zeros((1, 16)),
                                    np.random.default_rng(0), 100)
    reason = variance_contradiction(0.01, mean, error)
    assert reason is not None and "below the measured" in reason
