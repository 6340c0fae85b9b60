"""Property tests of the theory the suite checks, on instances with exactly known constants.

Each property is a predicate ``(solver, instance) -> bool``; the same predicates are run on the
real solvers (they must hold on every drawn instance) and on three broken solvers implemented
below (hypothesis must find an instance where they fail): keeping the smallest entries, skipping
the projection, and stepping along +∇f.

Statistical slack of the Theorem-1 property: the one-sided Student-t upper confidence bound over
``N_SEEDS`` seeds at level ``1 − DELTA`` must be below ``ε + 16σ²/α``; with at most 400 examples
and two solvers per example under the ``thorough`` profile, the nominal family-wise false-alarm
probability is at most ``800·DELTA`` = 0.8%.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from iht.objectives import CPLQuadratic
from iht.oracles import ExactGradient, GaussianNoiseOracle
from iht.projection import TopK, hard_threshold
from iht.schedule import MIN_PAPER_EPOCHS, paper_schedule
from iht.solvers import acdc_iht, iht, stochastic_iht
from iht.theory import (
    is_k_sparse,
    is_nonincreasing,
    l_stationarity_residual,
    theorem1_bound,
    theorem1_hypotheses,
    theorem1_iterations,
    upper_confidence_bound,
)
from iht.theory.properties import majorizer_residual, rounding_slack
from tests.iht.theory.strategies import exact_quadratics, sparse_starts, theorem1_instances

N_SEEDS = 8
DELTA = 1e-5
#: ε of Theorem 1 as a fraction of the initial gap, and the multiple of its iteration count run.
EPSILON_FRACTION = 1e-3
ITERATION_FACTOR = 2.0
#: Fixed-point runs: stopping tolerance on ||θ_{t+1} − θ_t|| and iteration budget.
FIXED_POINT_TOL = 1e-10
FIXED_POINT_BUDGET = 5_000


# --- solvers: real ones and the broken variants, behind one signature -------------------------

def _real_deterministic(objective, k, step, n_iter, theta0, tol):
    result = iht(objective, TopK(k=k), step=step, n_iter=n_iter, theta0=theta0, tol=tol)
    return result.theta, result.history.gap


def _real_stochastic_iht(objective, oracle, k, step, n_iter, seed):
    return stochastic_iht(objective, oracle, TopK(k=k), step=step, n_iter=n_iter, seed=seed).theta


def _real_acdc_iht(objective, oracle, k, step, n_iter, seed):
    schedule = paper_schedule(max(n_iter, MIN_PAPER_EPOCHS))
    return acdc_iht(objective, oracle, TopK(k=k), schedule=schedule, step=step, seed=seed).theta


def _keep_smallest(u, k):
    kept = np.zeros_like(u)
    order = np.argsort(np.abs(u), kind="stable")[:k]
    kept[order] = u[order]
    return kept


BROKEN_UPDATES = {
    "keeps smallest entries": lambda theta, g, step, k: _keep_smallest(theta - step * g, k),
    "skips the projection": lambda theta, g, step, k: theta - step * g,
    "wrong gradient sign": lambda theta, g, step, k: hard_threshold(theta + step * g, k),
}


def _broken_loop(update, objective, gradient, k, step, n_iter, theta0, tol):
    theta = np.zeros(objective.dim) if theta0 is None else theta0.copy()
    tol = -1.0 if tol is None else tol
    gaps = [objective.value(theta) - objective.f_star]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_iter):
            new = update(theta, gradient(theta), step, k)
            gaps.append(objective.value(new) - objective.f_star)
            moved, theta = np.linalg.norm(new - theta), new
            if not np.isfinite(gaps[-1]) or moved <= tol:
                break
    return theta, np.array(gaps)


def broken_deterministic(name):
    def solve(objective, k, step, n_iter, theta0, tol):
        return _broken_loop(BROKEN_UPDATES[name], objective, objective.gradient, k, step, n_iter, theta0, tol)
    return solve


def broken_stochastic(name):
    def solve(objective, oracle, k, step, n_iter, seed):
        rng = np.random.default_rng(seed)
        return _broken_loop(BROKEN_UPDATES[name], objective, lambda t: oracle(t, rng), k, step, n_iter,
                            None, None)[0]
    return solve


# --- the properties -------------------------------------------------------------------------

def descent_holds(solve, instance, theta0, step_fraction):
    """Deterministic IHT with η = fraction/β_2k from a k-sparse start never increases f."""
    objective = instance.objective
    _, gaps = solve(objective, instance.k, step_fraction / instance.beta, 200, theta0, None)
    return is_nonincreasing(gaps, abs(objective.f_star) + abs(gaps[0]))


def majorizer_holds(solve, instance, theta0, step_fraction, n_steps=20):
    """Every step of deterministic IHT with η = fraction/β_2k from a k-sparse start ends at or below
    min_{‖z‖₀≤k} Q(z; θ_t) − ½(1/η − β)‖θ_{t+1} − θ_t‖² (Blumensath & Davies 2008), the model
    minimum computed by :func:`~iht.theory.properties.majorizer_residual`, not by the solver."""
    objective, step = instance.objective, step_fraction / instance.beta
    theta = theta0
    for _ in range(n_steps):
        new, _ = solve(objective, instance.k, step, 1, theta, None)
        if not np.all(np.isfinite(new)):
            return False
        gradient = objective.gradient(theta)
        # rounding of the terms of Q: f(θ), η‖∇f‖²/2 and ‖θ − η∇f‖²/(2η)
        scale = (abs(objective.f_star) + abs(objective.value(theta)) + step * float(gradient @ gradient)
                 + float(np.sum((theta - step * gradient) ** 2)) / step)
        if majorizer_residual(objective, theta, new, step, instance.beta, instance.k) > rounding_slack(scale):
            return False
        theta = new
    return True


def fixed_point_is_l_stationary(solve, instance, step_fraction):
    """A run stopped at ||θ_{t+1} − θ_t|| <= τ ends at a point whose L-stationarity residual
    (L = 1/η) is at most (2 + η·λ_max)·τ: exactly 0 at a fixed point (Beck & Eldar 2013)."""
    objective, step = instance.objective, step_fraction / instance.beta
    theta, _ = solve(objective, instance.k, step, FIXED_POINT_BUDGET, None, FIXED_POINT_TOL)
    lipschitz = float(np.linalg.eigvalsh(objective.hessian_bound())[-1])
    residual = l_stationarity_residual(theta, objective.gradient(theta), instance.k, 1.0 / step)
    scale = float(np.abs(theta).max(initial=1.0))
    return residual <= (2 + step * lipschitz) * FIXED_POINT_TOL + rounding_slack(scale)


def _theorem1_run(solve, instance):
    objective = instance.objective
    constants = objective.known_constants(instance.k)
    gap0 = objective.value(np.zeros(objective.dim)) - objective.f_star
    epsilon = EPSILON_FRACTION * gap0
    n_iter = max(10, math.ceil(ITERATION_FACTOR * theorem1_iterations(constants.beta, constants.alpha_global,
                                                                       gap0, epsilon)))
    oracle = (GaussianNoiseOracle(objective, instance.sigma2) if instance.sigma2 > 0
              else ExactGradient(objective))
    step = 1.0 / constants.beta
    thetas = [solve(objective, oracle, instance.k, step, n_iter, seed) for seed in range(N_SEEDS)]
    gaps = [objective.value(theta) - objective.f_star for theta in thetas]
    return thetas, gaps, theorem1_bound(instance.sigma2, constants.alpha_global, epsilon)


def theorem1_bound_holds(solve, instance):
    """Peste et al. (2021), Theorem 1: UCB of E[f(θ_T) − f*] <= ε + 16σ²/α."""
    _, gaps, bound = _theorem1_run(solve, instance)
    return upper_confidence_bound(gaps, "student-t", DELTA) <= bound


def output_is_k_sparse(solve, instance):
    """The returned iterate has at most k non-zeros."""
    thetas, _, _ = _theorem1_run(solve, instance)
    return all(is_k_sparse(theta, instance.k) for theta in thetas)


step_fractions = st.floats(0.05, 1.0)


@given(data=st.data(), step_fraction=step_fractions)
def test_iht_never_increases_f_with_step_at_most_one_over_beta(data, step_fraction):
    instance = data.draw(exact_quadratics())
    assert descent_holds(_real_deterministic, instance, data.draw(sparse_starts(instance)), step_fraction)


@given(data=st.data(), step_fraction=step_fractions)
def test_every_iht_step_ends_below_the_majorise_minimise_value(data, step_fraction):
    instance = data.draw(exact_quadratics())
    assert majorizer_holds(_real_deterministic, instance, data.draw(sparse_starts(instance)), step_fraction)


def test_one_iht_step_with_step_one_over_beta_solves_an_isotropic_quadratic():
    # f = (β/2)‖θ − θ*‖²: θ − ∇f(θ)/β = θ*, so one IHT step from any point lands on T_k(θ*) = θ*.
    objective = CPLQuadratic(16, 2, 1.0, beta=2.0, amplitudes="pm1", seed=0)  # β/α = N/(4k*): isotropic
    assert np.all(objective.curvatures == 2.0)
    result = iht(objective, TopK(k=4), step=0.5, n_iter=1, theta0=np.ones(16))
    np.testing.assert_allclose(result.theta, objective.theta_star, atol=1e-12)


@given(instance=exact_quadratics(), step_fraction=st.floats(0.3, 0.95))
def test_fixed_points_of_iht_are_l_stationary(instance, step_fraction):
    assert fixed_point_is_l_stationary(_real_deterministic, instance, step_fraction)


@pytest.mark.parametrize("solve", [_real_stochastic_iht, _real_acdc_iht], ids=["stochastic_iht", "acdc_iht"])
@given(instance=theorem1_instances())
def test_stochastic_solvers_meet_theorem1_when_hypotheses_hold(solve, instance):
    objective = instance.objective
    constants = objective.known_constants(instance.k)
    check = theorem1_hypotheses(k=instance.k, k_star=objective.k_star, dim=objective.dim, beta=constants.beta,
                                alpha=constants.alpha_global, sigma2=instance.sigma2, C=instance.C)
    assert check.holds, check.failures
    assert theorem1_bound_holds(solve, instance)
    assert output_is_k_sparse(solve, instance)


# --- the suite catches broken solvers --------------------------------------------------------

#: Searches for a counterexample: existence is what matters, so no shrinking.
FIND_SETTINGS = settings(max_examples=200, database=None, deadline=None, phases=[Phase.generate],
                         suppress_health_check=[HealthCheck.too_slow])


@st.composite
def descent_cases(draw):
    instance = draw(exact_quadratics())
    return instance, draw(sparse_starts(instance)), draw(step_fractions)


@pytest.mark.parametrize("name", ["wrong gradient sign"])
def test_descent_property_catches(name):
    find(descent_cases(), lambda case: not descent_holds(broken_deterministic(name), *case),
         settings=FIND_SETTINGS)


@pytest.mark.parametrize("name", ["wrong gradient sign", "keeps smallest entries"])
def test_majorizer_property_catches(name):
    find(descent_cases(), lambda case: not majorizer_holds(broken_deterministic(name), *case),
         settings=FIND_SETTINGS)


@pytest.mark.parametrize("name", ["keeps smallest entries", "skips the projection"])
def test_l_stationarity_property_catches(name):
    solve = broken_deterministic(name)
    find(st.tuples(exact_quadratics(), st.floats(0.3, 0.95)),
         lambda case: not fixed_point_is_l_stationary(solve, *case), settings=FIND_SETTINGS)


@pytest.mark.parametrize("name", ["keeps smallest entries", "wrong gradient sign"])
def test_theorem1_property_catches(name):
    find(theorem1_instances(), lambda instance: not theorem1_bound_holds(broken_stochastic(name), instance),
         settings=FIND_SETTINGS)


def test_sparsity_property_catches_skipped_projection():
    solve = broken_stochastic("skips the projection")
    find(theorem1_instances(), lambda instance: not output_is_k_sparse(solve, instance),
         settings=FIND_SETTINGS)
