"""Every objective's gradient and Hessian match finite differences; θ* is what it claims."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.iht.instances import FAMILIES

STEP = 1e-6


def central_difference(function, theta):
    eye = np.eye(len(theta))
    return np.array([(function(theta + STEP * e) - function(theta - STEP * e)) / (2 * STEP)
                     for e in eye])


@pytest.mark.parametrize("family", FAMILIES)
@given(seed=st.integers(0, 2**16), point=st.integers(0, 2**16))
def test_gradient_matches_finite_differences(family, seed, point):
    objective = FAMILIES[family](seed)
    theta = np.random.default_rng(point).standard_normal(objective.dim)
    np.testing.assert_allclose(objective.gradient(theta),
                               central_difference(objective.value, theta), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("family", FAMILIES)
def test_hessian_matches_finite_differences_of_the_gradient(family):
    objective = FAMILIES[family](3)
    theta = np.random.default_rng(4).standard_normal(objective.dim)
    numeric = central_difference(objective.gradient, theta)
    np.testing.assert_allclose(objective.hessian(theta), numeric, rtol=1e-6, atol=1e-8)
    v = np.random.default_rng(5).standard_normal(objective.dim)
    np.testing.assert_allclose(objective.hessian_vector(theta, v), numeric @ v, rtol=1e-6,
                               atol=1e-8)


@pytest.mark.parametrize("family", FAMILIES)
def test_hessian_on_support_is_the_principal_block_of_the_hessian(family):
    objective = FAMILIES[family](5)
    theta = np.random.default_rng(6).standard_normal(objective.dim)
    support = np.random.default_rng(7).random(objective.dim) < 0.5
    np.testing.assert_allclose(objective.hessian_on_support(theta, support),
                               objective.hessian(theta)[np.ix_(support, support)], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("family", FAMILIES)
def test_theta_star_is_k_star_sparse_and_stationary_on_its_support(family):
    objective = FAMILIES[family](7)
    assert np.count_nonzero(objective.theta_star) == objective.k_star
    assert objective.value(objective.theta_star) == pytest.approx(objective.f_star, abs=1e-12)
    gradient = objective.gradient(objective.theta_star)[objective.support_star]
    np.testing.assert_allclose(gradient, 0.0, atol=1e-9)


@pytest.mark.parametrize("family", FAMILIES)
def test_hessian_bound_dominates_the_hessian(family):
    objective = FAMILIES[family](2)
    theta = 3.0 * np.random.default_rng(1).standard_normal(objective.dim)
    gap = objective.hessian_bound() - objective.hessian(theta)
    assert np.linalg.eigvalsh(gap)[0] >= -1e-10


def test_row_gradients_average_to_the_gradient():
    for family in ("sensing", "logistic"):
        objective = FAMILIES[family](0)
        theta = np.random.default_rng(2).standard_normal(objective.dim)
        rows = objective.row_gradients(theta)
        assert rows.shape == (objective.n_samples, objective.dim)
        np.testing.assert_allclose(rows.mean(axis=0), objective.gradient(theta), atol=1e-12)
        np.testing.assert_allclose(objective.batch_gradient(theta, np.array([1, 4])),
                                   rows[[1, 4]].mean(axis=0), atol=1e-12)


def test_quadratic_minimize_on_support_zeroes_the_restricted_gradient():
    objective = FAMILIES["block"](1)
    support = np.zeros(objective.dim, dtype=bool)
    support[[0, 5, 6, 11]] = True
    theta = objective.minimize_on_support(support)
    assert np.all(theta[~support] == 0.0)
    np.testing.assert_allclose(objective.gradient(theta)[support], 0.0, atol=1e-12)
