"""Oracles are unbiased and their variance matches σ² (statistical checks with stated slack)."""

import itertools

import numpy as np
import pytest

from iht.constants import oracle_variance
from iht.constants.variance import monte_carlo_variance
from iht.objectives import CompressedSensing, DiagonalQuadratic
from iht.oracles import ExactGradient, GaussianNoiseOracle, MinibatchOracle

#: Slack of every statistical check: the estimate must lie within 5 standard errors of the exact
#: value (two-sided normal tail 5.7e-7 per check; the draws are seeded, so the tests are
#: deterministic).
SLACK = 5.0


def test_gaussian_noise_has_exactly_sigma2_on_average():
    objective = DiagonalQuadratic(10, 2, seed=0)
    oracle = GaussianNoiseOracle(objective, 0.7)
    theta = np.random.default_rng(1).standard_normal(10)
    mean, error = monte_carlo_variance(oracle, theta, np.random.default_rng(2), 4000)
    # ‖ξ‖² ~ (σ²/N) χ²_N: the standard error of the mean is σ² sqrt(2/(N·draws)).
    assert abs(mean - 0.7) <= SLACK * 0.7 * np.sqrt(2 / (10 * 4000))
    assert error > 0.0
    draws = np.array([oracle(theta, np.random.default_rng(s)) for s in range(4000)])
    spread = np.sqrt(0.7 / 10 / 4000)
    assert np.all(np.abs(draws.mean(axis=0) - objective.gradient(theta)) <= SLACK * spread)
    assert oracle_variance(oracle, theta[None]).exact


def test_minibatch_variance_matches_the_finite_population_formula():
    objective = CompressedSensing(30, 12, 3, noise=0.5, seed=0)
    oracle = MinibatchOracle(objective, 7)
    theta = np.random.default_rng(3).standard_normal(12)
    exact = oracle.variance_at(theta)
    mean, error = monte_carlo_variance(oracle, theta, np.random.default_rng(4), 4000)
    assert abs(mean - exact) <= SLACK * error
    bracket = oracle_variance(oracle, np.stack([theta, 2 * theta]))
    assert bracket.exact and bracket.lower == pytest.approx(max(exact, oracle.variance_at(2 * theta)))
    assert "finite-population" in bracket.method


def test_full_batch_minibatch_is_the_exact_gradient():
    objective = CompressedSensing(20, 12, 3, noise=0.5, seed=0)
    oracle = MinibatchOracle(objective, 20)
    theta = np.ones(12)
    np.testing.assert_allclose(oracle(theta, np.random.default_rng(0)), objective.gradient(theta),
                               atol=1e-13)
    assert oracle.variance_at(theta) == 0.0
    assert ExactGradient(objective).sigma2 == 0.0


@pytest.mark.parametrize("make", [
    lambda: ExactGradient(DiagonalQuadratic(10, 2, seed=0)),
    lambda: GaussianNoiseOracle(DiagonalQuadratic(10, 2, seed=0), 0.7),
    lambda: MinibatchOracle(CompressedSensing(30, 10, 2, seed=0), 7),
])
def test_a_sample_draws_what_a_call_draws_and_differentiates_its_value(make):
    oracle = make()
    theta = np.random.default_rng(1).standard_normal(10)
    sampled = oracle.sample(np.random.default_rng(5))
    np.testing.assert_array_equal(sampled.gradient(theta), oracle(theta, np.random.default_rng(5)))
    step = 1e-6
    numeric = [(sampled.value(theta + step * e) - sampled.value(theta - step * e)) / (2 * step)
               for e in np.eye(10)]
    np.testing.assert_allclose(sampled.gradient(theta), numeric, rtol=1e-6, atol=1e-8)


def test_a_minibatch_draw_gives_value_and_gradient_from_one_product_with_the_same_floats():
    """The line search starts from ``both(θ)``: it must be exactly ``(value(θ), gradient(θ))``."""
    objective = CompressedSensing(40, 12, 3, noise=0.1, seed=2)
    sampled = MinibatchOracle(objective, 9).sample(np.random.default_rng(3))
    theta = np.random.default_rng(4).standard_normal(12)
    value, gradient = sampled.both(theta)
    assert value == sampled.value(theta)
    np.testing.assert_array_equal(gradient, sampled.gradient(theta))
    rows = np.random.default_rng(3).choice(40, size=9, replace=False)
    assert value == pytest.approx(objective.batch_value(theta, rows), rel=1e-15)


def test_minibatch_smoothness_interpolates_between_one_row_and_the_full_batch():
    """Gower et al. (2019): L_n = β_t (the full loss), L_1 = L_max (one row), decreasing in B."""
    objective = CompressedSensing(30, 10, 2, seed=0)
    rows = np.sort(objective.features ** 2, axis=1)[:, -4:].sum(axis=1)
    assert MinibatchOracle(objective, 1).smoothness(4, rng=0) == pytest.approx(rows.max())
    full = MinibatchOracle(objective, 30).smoothness(4, rng=0)
    exact = max(np.linalg.eigvalsh(objective.hessian_bound()[np.ix_(s, s)])[-1]
                for s in map(list, itertools.combinations(range(10), 4)))
    assert full <= exact * (1 + 1e-12) and full >= 0.9 * exact
    sizes = [MinibatchOracle(objective, b).smoothness(4, rng=0) for b in (1, 2, 5, 15, 30)]
    assert np.all(np.diff(sizes) < 0)
