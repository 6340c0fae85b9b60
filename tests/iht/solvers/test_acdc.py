"""acdc_iht follows Algorithm 1 of Peste et al. (2021) with exact schedule boundaries."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iht.objectives import CompressedSensing, DiagonalQuadratic
from iht.oracles import GaussianNoiseOracle, MinibatchOracle, SampledFunction
from iht.projection import TopK, hard_threshold
from iht.schedule import Phase, Schedule, alternating_schedule, paper_schedule
from iht.solvers import acdc_iht

OBJECTIVE = DiagonalQuadratic(16, 2, mu=0.5, L=2.0, seed=0)
ORACLE = GaussianNoiseOracle(OBJECTIVE, 0.01)
DENSE, COMPRESSED = Phase.DENSE.value, Phase.COMPRESSED.value


def test_history_phase_of_a_concrete_schedule():
    schedule = Schedule.from_lengths([("dense", 2), ("compressed", 3), ("dense", 1),
                                      ("compressed", 3)])
    result = acdc_iht(OBJECTIVE, ORACLE, TopK(k=4), schedule=schedule)
    assert result.n_iter == schedule.epochs == 9
    assert list(result.history.phase) == [DENSE] * 2 + [COMPRESSED] * 3 + [DENSE] + [COMPRESSED] * 3


def test_the_default_schedule_is_the_paper_recipe_in_100_steps():
    result = acdc_iht(OBJECTIVE, ORACLE, TopK(k=4))
    assert result.n_iter == 100
    np.testing.assert_array_equal(result.history.phase,
                                  [paper_schedule(100).phase_at(t).value for t in range(100)])


@given(warmup=st.integers(1, 4), compressed=st.integers(1, 4), decompressed=st.integers(1, 4),
       n_compressed=st.integers(1, 4), final_decompressed=st.integers(1, 6),
       final_compressed=st.integers(1, 6))
def test_history_phases_follow_the_schedule_and_compressed_phases_keep_their_support(
        warmup, compressed, decompressed, n_compressed, final_decompressed, final_compressed):
    schedule = alternating_schedule(warmup, compressed, decompressed, n_compressed,
                                    final_decompressed, final_compressed)
    theta0 = np.random.default_rng(warmup).standard_normal(16)
    result = acdc_iht(OBJECTIVE, ORACLE, TopK(k=4), schedule=schedule, theta0=theta0, seed=1)
    phase = result.history.phase
    assert result.n_iter == len(phase) == schedule.epochs
    np.testing.assert_array_equal(phase, [schedule.phase_at(t).value for t in range(schedule.epochs)])
    assert phase[-1] == COMPRESSED
    assert np.count_nonzero(phase == COMPRESSED) == n_compressed * compressed + final_compressed
    for span in schedule.spans:
        if span.phase is Phase.COMPRESSED:
            assert np.all(result.history.support_changes[span.start + 1:span.stop] == 0)
    assert np.count_nonzero(result.theta) <= 4
    assert np.all(result.theta[~result.support] == 0.0)
    assert np.array_equal(result.support, hard_threshold(result.theta_dense, 4) != 0.0)


def test_one_compressed_phase_of_one_step_is_one_iht_step():
    schedule = Schedule.from_lengths([("compressed", 1)])
    theta0 = np.random.default_rng(0).standard_normal(16)
    noiseless = GaussianNoiseOracle(OBJECTIVE, 0.0)
    result = acdc_iht(OBJECTIVE, noiseless, TopK(k=4), schedule=schedule, theta0=theta0, step=0.5)
    sparse = hard_threshold(theta0, 4)
    expected = sparse - 0.5 * np.where(sparse != 0.0, OBJECTIVE.gradient(sparse), 0.0)
    np.testing.assert_allclose(result.theta, expected)
    np.testing.assert_array_equal(result.theta_dense, theta0)


def test_acdc_reaches_theta_star_without_noise():
    noiseless = GaussianNoiseOracle(OBJECTIVE, 0.0)
    result = acdc_iht(OBJECTIVE, noiseless, TopK(k=2), schedule=alternating_schedule(5, 40, 5, 4, 5, 40))
    np.testing.assert_allclose(result.theta, OBJECTIVE.theta_star, atol=1e-10)


def test_compressed_steps_on_the_support_only_make_the_same_run_as_on_all_coordinates():
    """A minibatch draw restricted to the support (``RowBatch.restrict``) is the same function of
    ``θ_S``: AC/DC-IHT with it and with a draw that offers neither ``restrict`` nor ``both`` visits
    the same supports and ends at the same point up to the order of the floating-point sums."""
    objective = CompressedSensing(48, 96, 4, noise=0.01, amplitudes="pm1", seed=3)
    oracle = MinibatchOracle(objective, 16)

    class Plain:
        """The same oracle, its draws seen only through ``value`` and ``gradient``."""

        def __getattr__(self, name):
            return getattr(oracle, name)

        def sample(self, rng):
            drawn = oracle.sample(rng)
            return SampledFunction(drawn.value, drawn.gradient)

    runs = [acdc_iht(objective, o, TopK(k=4), schedule=alternating_schedule(1, 2, 1, 20, 1, 10),
                     line_search=True, average=True, history=0) for o in (oracle, Plain())]
    np.testing.assert_array_equal(runs[0].support, runs[1].support)
    np.testing.assert_allclose(runs[0].theta, runs[1].theta, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(runs[0].history.step_sizes, runs[1].history.step_sizes)


def test_a_restricted_minibatch_is_the_function_of_the_support_coordinates():
    objective = CompressedSensing(30, 20, 3, noise=0.1, seed=1)
    rows, columns = np.array([2, 7, 11, 19]), np.array([1, 5, 6])
    theta = np.zeros(20)
    theta[columns] = [0.5, -1.0, 2.0]
    full, restricted = objective.batch(rows), objective.batch(rows).restrict(columns)
    assert restricted.value(theta[columns]) == pytest.approx(full.value(theta), rel=1e-14)
    np.testing.assert_allclose(restricted.gradient(theta[columns]), full.gradient(theta)[columns],
                               rtol=1e-13)
