"""Bad and edge inputs to the solvers, objectives and oracles: an exact result or a named error.

Each case pins either the exact outcome or the error type and message. A run that diverges raises
:class:`~iht.solvers.DivergenceError` naming the iteration, the step and the bound ``2/β`` it
violates; an objective given a ``θ`` of the wrong shape, dtype or with NaN names ``theta``.
"""

import numpy as np
import pytest

from iht.objectives import CompressedSensing, DiagonalQuadratic, Quadratic
from iht.oracles import ExactGradient, GaussianNoiseOracle, MinibatchOracle
from iht.projection import TopK
from iht.schedule import alternating_schedule
from iht.solvers import DivergenceError, acdc_iht, htp, iht, niht, stochastic_iht
from tests.iht.instances import FAMILIES

#: β = L = 10 at every level, so every divergence message states 2/β = 0.2.
OBJECTIVE = DiagonalQuadratic(12, 2, mu=1.0, L=10.0, seed=0)
NOISY = GaussianNoiseOracle(OBJECTIVE, 0.1)
SENSING = CompressedSensing(8, 12, 2, seed=0)
#: A concave quadratic: every step size diverges, and NIHT's line search has no minimiser.
CONCAVE = Quadratic(-np.eye(12), OBJECTIVE.theta_star)
SCHEDULE = alternating_schedule(2, 2, 2, 2, 2, 2)

DIVERGES = r"diverged at iteration \d+ with step η=1e\+06: .*; the step must be below 2/β ≈ 0\.2 \(β = 10"


@pytest.mark.parametrize(("solve", "name"), [
    (lambda: iht(OBJECTIVE, TopK(k=3), step=1e6), "iht"),
    (lambda: stochastic_iht(OBJECTIVE, NOISY, TopK(k=3), step=1e6), "stochastic_iht"),
    (lambda: stochastic_iht(OBJECTIVE, ExactGradient(OBJECTIVE), TopK(k=3), step=1e6),
     "stochastic_iht"),
    (lambda: acdc_iht(OBJECTIVE, NOISY, TopK(k=3), schedule=SCHEDULE, step=1e6), "acdc_iht"),
])
def test_a_huge_step_is_reported_as_divergence(solve, name):
    with pytest.raises(DivergenceError, match=name + " " + DIVERGES):
        solve()


def test_divergence_is_a_value_error_and_names_the_first_iteration_past_the_bound():
    with pytest.raises(ValueError, match=r"iht diverged at iteration 3 with step η=1e\+06"):
        iht(OBJECTIVE, TopK(k=3), step=1e6)


def test_a_slow_divergence_is_caught_before_the_budget_ends():
    """Step 0.21 > 2/β: |1 − 0.21·10| = 1.1 per step, finite for thousands of iterations."""
    with pytest.raises(DivergenceError, match=r"iht diverged at iteration \d+ with step η=0\.21: "
                                              r".*exceeds 1e\+08"):
        iht(OBJECTIVE, TopK(k=3), step=0.21, n_iter=5000, theta0=np.ones(12))


def test_divergence_on_an_objective_without_a_known_beta_says_how_to_estimate_it():
    with pytest.raises(DivergenceError, match=r"iht diverged at iteration \d+ with step η=1e\+06: .*"
                                              r"estimate β with iht\.constants\.restricted_smoothness"
                                              r"\(objective, 12\)"):
        iht(SENSING, TopK(k=3), step=1e6)


def test_divergence_of_a_concave_objective():
    with pytest.raises(DivergenceError, match=r"iht diverged at iteration \d+ with step η=1: "):
        iht(CONCAVE, TopK(k=3), step=1.0, theta0=np.ones(12))


def test_niht_on_a_concave_objective_reports_divergence():
    with pytest.raises(DivergenceError, match=r"niht diverged at iteration 1 with step μ=inf: .*"
                                              r"positive curvature"):
        niht(CONCAVE, TopK(k=3), theta0=np.ones(12))


def test_htp_with_a_huge_step_still_recovers_exactly():
    """HTP's step only ranks coordinates: any positive step gives a least-squares fit."""
    result = htp(OBJECTIVE, TopK(k=2), step=1e6)
    np.testing.assert_allclose(result.theta, OBJECTIVE.theta_star, atol=1e-12)


@pytest.mark.parametrize(("step", "error", "message"), [
    (float("nan"), ValueError, r"step must be finite and > 0.0; got step=nan"),
    (float("inf"), ValueError, r"step must be finite and > 0.0; got step=inf"),
    (0.0, ValueError, r"step must be finite and > 0.0; got step=0.0"),
    ("0.1", TypeError, r"step must be a real number; got '0.1' \(str\)"),
    (True, TypeError, r"step must be a real number; got True \(bool\)"),
])
def test_bad_steps(step, error, message):
    for solve in (lambda: iht(OBJECTIVE, TopK(k=3), step=step),
                  lambda: stochastic_iht(OBJECTIVE, NOISY, TopK(k=3), step=step),
                  lambda: acdc_iht(OBJECTIVE, NOISY, TopK(k=3), schedule=SCHEDULE, step=step),
                  lambda: htp(OBJECTIVE, TopK(k=3), step=step)):
        with pytest.raises(error, match=message):
            solve()


@pytest.mark.parametrize(("n_iter", "error", "message"), [
    (2.0, TypeError, r"n_iter must be an integer; got 2.0 \(float\)"),
    (-3, ValueError, r"n_iter must be >= 1; got n_iter=-3"),
])
def test_bad_iteration_budgets(n_iter, error, message):
    with pytest.raises(error, match=message):
        iht(OBJECTIVE, TopK(k=3), n_iter=n_iter)
    with pytest.raises(error, match=message):
        niht(OBJECTIVE, TopK(k=3), n_iter=n_iter)


def test_one_iteration_is_one_exact_iht_step():
    theta0 = np.linspace(-1.0, 1.0, 12)
    result = iht(OBJECTIVE, TopK(k=3), step=0.05, n_iter=1, theta0=theta0)
    update = theta0 - 0.05 * OBJECTIVE.gradient(theta0)
    keep = np.argsort(-np.abs(update))[:3]
    expected = np.zeros(12)
    expected[keep] = update[keep]
    np.testing.assert_array_equal(result.theta, expected)
    assert result.n_iter == 1


@pytest.mark.parametrize(("k", "message"), [
    (0, r"k \(entries the projection keeps\) must be in \[1, 11\]; got k \(entries the projection "
        r"keeps\)=0"),
    (12, r"k \(entries the projection keeps\) must be in \[1, 11\]; got k \(entries the projection "
         r"keeps\)=12"),
])
def test_projection_sizes_out_of_range(k, message):
    with pytest.raises(ValueError, match=message):
        acdc_iht(OBJECTIVE, NOISY, TopK(k=k), schedule=SCHEDULE)


def test_the_largest_projection_size_is_allowed():
    result = htp(OBJECTIVE, TopK(k=11), n_iter=5)
    assert np.count_nonzero(result.support) == 11
    np.testing.assert_allclose(result.theta, OBJECTIVE.theta_star, atol=1e-12)


@pytest.mark.parametrize(("theta0", "error", "message"), [
    (np.zeros((12, 1)), ValueError, r"theta0 must have shape \(12,\); got shape \(12, 1\)"),
    ([0.0] * 12, TypeError, r"theta0 must be a real numpy.ndarray; got list"),
    (np.zeros(12, dtype=complex), TypeError, r"theta0 must be a real numpy.ndarray; got ndarray "
                                             r"complex128"),
    (np.zeros(12, dtype=bool), TypeError, r"theta0 must be a real numpy.ndarray; got ndarray bool"),
    (np.where(np.arange(12) == 7, np.nan, 0.0), ValueError,
     r"theta0 must be finite; got 1 non-finite value\(s\) \(first at index 7\)"),
])
def test_bad_starting_points(theta0, error, message):
    for solve in (lambda: niht(OBJECTIVE, TopK(k=3), theta0=theta0),
                  lambda: acdc_iht(OBJECTIVE, NOISY, TopK(k=3), schedule=SCHEDULE, theta0=theta0)):
        with pytest.raises(error, match=message):
            solve()


def test_an_integer_starting_point_equals_its_float_copy():
    start = np.arange(12)
    as_int = iht(OBJECTIVE, TopK(k=3), n_iter=4, theta0=start)
    as_float = iht(OBJECTIVE, TopK(k=3), n_iter=4, theta0=start.astype(float))
    np.testing.assert_array_equal(as_int.theta, as_float.theta)


@pytest.mark.parametrize("oracle", [None, lambda theta, rng: OBJECTIVE.gradient(theta),
                                    GaussianNoiseOracle(DiagonalQuadratic(12, 2, seed=0), 0.1)])
def test_oracles_not_built_on_the_objective(oracle):
    """Even an oracle on an equal objective is refused: it must be the same object."""
    with pytest.raises(ValueError, match=r"oracle must be built on the objective passed to the "
                                         r"solver \(oracle.objective is objective\)"):
        acdc_iht(OBJECTIVE, oracle, TopK(k=3), schedule=SCHEDULE)


@pytest.mark.parametrize(("batch_size", "error", "message"), [
    (0, ValueError, r"batch_size must be in \[1, 8\]; got batch_size=0"),
    (9, ValueError, r"batch_size must be in \[1, 8\]; got batch_size=9"),
    (2.0, TypeError, r"batch_size must be an integer; got 2.0 \(float\)"),
])
def test_batch_sizes_out_of_range(batch_size, error, message):
    with pytest.raises(error, match=message):
        MinibatchOracle(SENSING, batch_size)


def test_a_full_batch_is_the_exact_gradient():
    theta = np.linspace(-1.0, 1.0, 12)
    draw = MinibatchOracle(SENSING, 8)(theta, np.random.default_rng(0))
    np.testing.assert_allclose(draw, SENSING.gradient(theta), rtol=1e-13, atol=1e-15)
    assert MinibatchOracle(SENSING, 8).variance_at(theta) == 0.0


@pytest.mark.parametrize("schedule", [None, (("dense", 2), ("compressed", 2)), 10])
def test_acdc_schedules_of_the_wrong_type(schedule):
    with pytest.raises(TypeError, match=r"schedule must be an iht.schedule.Schedule \(e.g. "
                                        r"paper_schedule\(n_iter\)\); got "):
        acdc_iht(OBJECTIVE, NOISY, TopK(k=3), schedule=schedule)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"projection": TopK(k=0)}, ValueError, r"k \(entries the projection keeps\) must be in \[1, 11\]"),
    ({"projection": 3}, TypeError, r"projection must be an iht.projection.Projection \(e.g. TopK\(k=10\)\); "
                                   r"got int"),
    ({"projection": TopK(k=3), "c": 1.0}, ValueError, r"c must be finite and > 0.0 and < 1.0; got c=1.0"),
    ({"projection": TopK(k=3), "kappa": 1.0}, ValueError, r"kappa must be finite and > 1.0101"),
    ({"projection": TopK(k=3), "tol": -1e-3}, ValueError, r"tol must be finite and >= 0.0; got tol=-0.001"),
])
def test_niht_parameters(kwargs, error, message):
    """Issue 16: NIHT takes a Projection, as every other solver does; an int k is a TypeError."""
    with pytest.raises(error, match=message):
        niht(OBJECTIVE, **kwargs)


# --- objectives: one check of θ in the base class, for every family and every method -----------

BAD_THETAS = [
    (np.zeros(11), ValueError, r"theta must have shape \(12,\); got shape \(11,\)"),
    (np.zeros((1, 12)), ValueError, r"theta must have shape \(12,\); got shape \(1, 12\)"),
    (np.full(12, np.nan), ValueError, r"theta must be finite; got 12 non-finite value\(s\) "
                                      r"\(first at index 0\)"),
    (np.zeros(12, dtype=complex), TypeError, r"theta must be a real numpy.ndarray; got ndarray "
                                             r"complex128"),
    ([0.0] * 12, TypeError, r"theta must be a real numpy.ndarray; got list"),
]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(("theta", "error", "message"), BAD_THETAS)
def test_objectives_name_a_bad_theta(family, theta, error, message):
    objective = FAMILIES[family](0)
    for method in (objective.value, objective.gradient, objective.hessian,
                   lambda t: objective.hessian_vector(t, np.ones(12))):
        with pytest.raises(error, match=message):
            method(theta)


@pytest.mark.parametrize("family", ["sensing", "logistic"])
def test_row_objectives_name_a_bad_theta(family):
    objective = FAMILIES[family](0)
    for method in (lambda t: objective.batch_gradient(t, np.arange(3)), objective.row_gradients,
                   MinibatchOracle(objective, 4).variance_at):
        with pytest.raises(ValueError, match=r"theta must have shape \(12,\); got shape \(11,\)"):
            method(np.zeros(11))


def test_hessian_vector_names_a_bad_direction():
    with pytest.raises(ValueError, match=r"v must have shape \(12,\); got shape \(3,\)"):
        OBJECTIVE.hessian_vector(np.zeros(12), np.ones(3))


@pytest.mark.parametrize(("support", "error", "message"), [
    (np.ones(11, dtype=bool), ValueError, r"support must have shape \(12,\); got shape \(11,\)"),
    (np.ones(12), TypeError, r"support must be a boolean numpy.ndarray; got ndarray float64"),
])
def test_minimize_on_support_names_a_bad_support(support, error, message):
    for objective in (OBJECTIVE, SENSING):
        with pytest.raises(error, match=message):
            objective.minimize_on_support(support)


def test_an_integer_theta_equals_its_float_copy():
    theta = np.arange(12)
    assert SENSING.value(theta) == SENSING.value(theta.astype(float))
    np.testing.assert_array_equal(OBJECTIVE.gradient(theta), OBJECTIVE.gradient(theta.astype(float)))


@pytest.mark.parametrize("oracle", [ExactGradient(OBJECTIVE), NOISY])
def test_oracles_pass_a_bad_theta_to_the_objective_check(oracle):
    with pytest.raises(ValueError, match=r"theta must be finite; got 1 non-finite value\(s\)"):
        oracle(np.where(np.arange(12) == 0, np.inf, 0.0), np.random.default_rng(0))


@pytest.mark.parametrize(("sigma2", "error", "message"), [
    (float("nan"), ValueError, r"sigma2 must be finite and >= 0.0; got sigma2=nan"),
    (float("inf"), ValueError, r"sigma2 must be finite and >= 0.0; got sigma2=inf"),
    ("0.1", TypeError, r"sigma2 must be a real number; got '0.1' \(str\)"),
])
def test_bad_noise_levels(sigma2, error, message):
    with pytest.raises(error, match=message):
        GaussianNoiseOracle(OBJECTIVE, sigma2)
