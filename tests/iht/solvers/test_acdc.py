"""acdc_iht follows Algorithm 1 of Peste et al. (2021) with exact schedule boundaries."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from iht.objectives import DiagonalQuadratic
from iht.oracles import GaussianNoiseOracle
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
