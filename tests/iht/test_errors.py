"""Bad input to objectives, oracles, constants and solvers gets a named error."""

import numpy as np
import pytest

from iht.constants import cpl_alpha, restricted_smoothness
from iht.objectives import CompressedSensing, CPLQuadratic, DiagonalQuadratic
from iht.oracles import GaussianNoiseOracle, MinibatchOracle
from iht.projection import TopK
from iht.solvers import acdc_iht, htp, iht, niht, stochastic_iht

OBJECTIVE = DiagonalQuadratic(12, 2, seed=0)


@pytest.mark.parametrize("solve", [
    lambda p, **kw: iht(OBJECTIVE, p, **kw),
    lambda p, **kw: htp(OBJECTIVE, p, **kw),
    lambda p, **kw: stochastic_iht(OBJECTIVE, GaussianNoiseOracle(OBJECTIVE, 0.1), p, **kw),
    lambda p, **kw: acdc_iht(OBJECTIVE, GaussianNoiseOracle(OBJECTIVE, 0.1), p, **kw),
])
def test_solvers_name_bad_input(solve):
    with pytest.raises(ValueError, match=r"k \(entries the projection keeps\) must be in "
                                         r"\[1, 11\]; got k \(entries the projection keeps\)=12"):
        solve(TopK(k=12))
    with pytest.raises(ValueError, match=r"theta0 must have shape \(12,\); got shape \(11,\)"):
        solve(TopK(k=3), theta0=np.zeros(11))
    with pytest.raises(ValueError, match=r"theta0 must be finite; got 1 non-finite value\(s\) "
                                         r"\(first at index 4\)"):
        solve(TopK(k=3), theta0=np.where(np.arange(12) == 4, np.inf, 0.0))
    with pytest.raises(ValueError, match=r"step must be finite and > 0.0; got step=-1.0"):
        solve(TopK(k=3), step=-1.0)
    with pytest.raises(TypeError, match=r"projection must be an iht.projection.Projection"):
        solve(3)


@pytest.mark.parametrize("solve", [
    lambda n: iht(OBJECTIVE, TopK(k=3), n_iter=n),
    lambda n: stochastic_iht(OBJECTIVE, GaussianNoiseOracle(OBJECTIVE, 0.1), TopK(k=3), n_iter=n),
    lambda n: niht(OBJECTIVE, TopK(k=3), n_iter=n),
    lambda n: htp(OBJECTIVE, TopK(k=3), n_iter=n),
])
def test_n_iter_below_one(solve):
    with pytest.raises(ValueError, match=r"n_iter must be >= 1; got n_iter=0"):
        solve(0)


def test_niht_k_at_least_n():
    with pytest.raises(ValueError, match=r"k \(entries the projection keeps\) must be in \[1, 11\]; "
                                         r"got .*=12"):
        niht(OBJECTIVE, TopK(k=12))


def test_negative_sigma2():
    with pytest.raises(ValueError, match=r"sigma2 must be finite and >= 0.0; got sigma2=-0.5"):
        GaussianNoiseOracle(OBJECTIVE, -0.5)


def test_oracle_of_another_objective():
    other = DiagonalQuadratic(12, 2, seed=1)
    with pytest.raises(ValueError, match=r"oracle must be built on the objective"):
        stochastic_iht(OBJECTIVE, GaussianNoiseOracle(other, 0.1), TopK(k=3))


def test_minibatch_needs_rows_and_a_valid_batch():
    with pytest.raises(TypeError, match=r"MinibatchOracle needs an objective over data rows"):
        MinibatchOracle(OBJECTIVE, 2)
    with pytest.raises(ValueError, match=r"batch_size must be in \[1, 8\]; got batch_size=9"):
        MinibatchOracle(CompressedSensing(8, 12, 2), 9)


@pytest.mark.parametrize(("build", "error", "message"), [
    (lambda: DiagonalQuadratic(12, 12), ValueError, r"k_star must be in \[1, 11\]; got k_star=12"),
    (lambda: DiagonalQuadratic(12, 2, mu=0.0), ValueError, r"mu must be finite and > 0.0"),
    (lambda: DiagonalQuadratic(12, 2, mu=2.0, L=1.0), ValueError,
     r"L must be finite and >= 2.0; got L=1.0"),
    (lambda: CPLQuadratic(12, 2, 1.0), ValueError,
     r"alpha must be finite and > 0.0 and <= 0.666.*; got alpha=1.0"),
    (lambda: CompressedSensing(8, 12, 2, noise=-0.1), ValueError,
     r"noise must be finite and >= 0.0; got noise=-0.1"),
    (lambda: CompressedSensing(8, 12, 2, amplitudes="binary"), ValueError,
     r"amplitudes must be one of \['gaussian', 'pm1'\]; got amplitudes='binary'"),
    (lambda: cpl_alpha(OBJECTIVE, 2, 3, kind="dense"), ValueError,
     r"kind must be one of \['global', 'sparse'\]; got kind='dense'"),
    (lambda: restricted_smoothness(OBJECTIVE, 0), ValueError, r"t must be >= 1; got t=0"),
    (lambda: OBJECTIVE.known_constants(12), ValueError, r"k must be in \[1, 11\]; got k=12"),
])
def test_constructors_and_constants_name_bad_input(build, error, message):
    with pytest.raises(error, match=message):
        build()
