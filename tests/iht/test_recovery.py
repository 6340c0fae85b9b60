"""The compressed-sensing recovery benchmark (issues 3 and 21): solvers, peers, tables, CLI."""

import math

import numpy as np
import pandas as pd
import pytest

from iht.cli import main
from iht.objectives import CompressedSensing
from iht.recovery import (
    QUICK,
    SOLVERS,
    Cell,
    RecoveryConfig,
    available_solvers,
    parse_cell,
    run_recovery,
    transition_points,
)

OURS = ("niht", "htp", "subspace_pursuit", "stochastic_iht", "acdc_iht", "acdc_iht_paper")
SMALL = RecoveryConfig(cells=(Cell(128, 256, 8),), n_instances=3, transition_k_stars=(), n_iter=400,
                       batch_size=32, solvers=OURS)


def test_this_librarys_solvers_reach_the_floor_on_a_small_cell():
    frame, skipped = run_recovery(SMALL)
    assert skipped == []
    assert len(frame) == 3 * len(OURS)
    assert set(frame.status) == {"ok"}
    by_solver = frame.groupby("solver")
    for name in ("niht", "htp", "subspace_pursuit"):
        group = by_solver.get_group(name)
        assert group.recovered.all()
        assert group.rel_error.median() <= 1.5e-2
    for name in ("stochastic_iht", "acdc_iht"):
        assert by_solver.get_group(name).reached_floor.all()
    assert np.all(frame.time_s > 0.0)
    assert frame.time_ratio_omp.isna().all()  # OMP was not run


@pytest.mark.parametrize("name", ["omp", "abess", "skglm_mcp", "lars_ls"])
def test_each_peer_adapter_finds_the_support_of_an_easy_instance(name):
    pytest.importorskip(SOLVERS[name].module)
    objective = CompressedSensing(128, 256, 5, noise=0.01, amplitudes="pm1", seed=3)
    theta = SOLVERS[name].run(objective, 5, RecoveryConfig())
    assert np.array_equal(theta != 0.0, objective.support_star)
    # on the right support, every adapter's estimate is within 1.5x the least-squares error (MCP and
    # LARS+LS differ from least squares only by their bias)
    assert np.linalg.norm(theta - objective.theta_planted) <= 1.5 * np.linalg.norm(
        objective.theta_star - objective.theta_planted)


def test_abess_needs_the_rescaling_of_its_adapter():
    abess = pytest.importorskip("abess")
    objective = CompressedSensing(128, 1024, 20, noise=0.01, amplitudes="pm1", seed=100)
    raw = abess.LinearRegression(support_size=[20], fit_intercept=False, thread=1)
    raw.fit(objective.features, objective.targets)
    assert not np.array_equal(raw.coef_ != 0.0, objective.support_star)
    theta = SOLVERS["abess"].run(objective, 20, RecoveryConfig())
    assert np.array_equal(theta != 0.0, objective.support_star)


def test_lars_adapter_searches_the_path_beyond_its_first_k_sparse_point():
    sklearn = pytest.importorskip("sklearn.linear_model")
    objective = CompressedSensing(256, 1024, 32, noise=0.0, amplitudes="pm1", seed=100)
    _, _, path = sklearn.lars_path(objective.features, objective.targets, method="lasso", max_iter=96)
    first = path[:, np.argmax(np.count_nonzero(path, axis=0) == 32)]
    assert not np.array_equal(first != 0.0, objective.support_star)
    theta = SOLVERS["lars_ls"].run(objective, 32, RecoveryConfig())
    assert np.array_equal(theta != 0.0, objective.support_star)


def test_a_missing_peer_is_skipped_with_one_line(monkeypatch):
    real = __import__("importlib").util.find_spec
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None if name == "abess" else real(name))
    solvers, skipped = available_solvers(("htp", "abess", "omp"))
    assert [s.name for s in solvers] == ["htp", "omp"]
    assert skipped == ["skipped abess: abess is not installed (pip install 'acdc-iht[peers]')"]


def test_quick_cli_writes_csv_table_and_figure(tmp_path, capsys):
    assert main(["recovery", "--quick", "--out", str(tmp_path)]) == 0
    ran, skipped = available_solvers(QUICK.solvers)
    frame = pd.read_csv(tmp_path / "recovery.csv")
    instances = (len(QUICK.cells) * QUICK.n_instances
                 + len(QUICK.transition_k_stars) * QUICK.transition_instances)
    assert len(frame) == instances * len(ran)
    assert {"experiment", "cell", "seed", "solver", "status", "time_ratio_omp", "batch_size",
            "git_revision"} <= set(frame.columns)
    table = (tmp_path / "recovery.md").read_text()
    assert "## Cells" in table and "## Phase transition" in table
    assert "| acdc_iht |" in table and "| acdc_iht_paper |" in table
    assert "paper-shaped schedule" in table
    for line in skipped:
        assert line in table
    assert (tmp_path / "phase_transition.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "50% point" in capsys.readouterr().out


def test_flags_override_the_preset(tmp_path):
    assert main(["recovery", "--quick", "--out", str(tmp_path), "--cells", "40x80x3:gaussian",
                 "--n-instances", "1", "--transition-k-stars", "--solvers", "htp", "omp"]) == 0
    frame = pd.read_csv(tmp_path / "recovery.csv")
    assert list(frame.cell) == ["40x80x3:gaussian"] * 2
    assert set(frame.experiment) == {"cell"}
    assert frame.time_ratio_omp.iloc[1] == 1.0
    assert not (tmp_path / "phase_transition.png").exists()


def test_transition_points_interpolate_where_the_rate_crosses_one_half():
    rows = [("a", rho, rate) for rho, rate in ((0.1, 1.0), (0.2, 0.75), (0.3, 0.25))]
    rows += [("never", rho, 1.0) for rho in (0.1, 0.2, 0.3)]
    rows += [("at_once", rho, 0.0) for rho in (0.1, 0.2, 0.3)]
    frame = pd.DataFrame([{"experiment": "transition", "solver": s, "rho": rho, "recovered": i < 4 * rate}
                          for s, rho, rate in rows for i in range(4)])
    points = transition_points(frame)
    assert points["a"] == pytest.approx(0.25)
    assert points["never"] == math.inf
    assert points["at_once"] == -math.inf


def test_bad_settings_name_the_parameter(capsys):
    with pytest.raises(ValueError, match=r"cell must be NxDIMxK\[:AMPLITUDES\].*got cell='128x1024'"):
        parse_cell("128x1024")
    with pytest.raises(ValueError, match=r"cell\.amplitudes must be one of \['gaussian', 'pm1'\]"):
        parse_cell("128x1024x20:uniform")
    with pytest.raises(ValueError, match=r"cell\.k_star must be in \[1, 64\]; got cell\.k_star=65"):
        parse_cell("128x1024x65")
    with pytest.raises(ValueError, match=r"solvers must be names from .*got unknown name\(s\) \['lasso'\]"):
        RecoveryConfig(solvers=("htp", "lasso"))
    with pytest.raises(ValueError, match="n_instances must be >= 1; got n_instances=0"):
        RecoveryConfig(n_instances=0)
    with pytest.raises(TypeError, match=r"cells must be a tuple of iht\.recovery\.Cell"):
        RecoveryConfig(cells=Cell(128, 1024, 20))
    assert main(["recovery", "--quick", "--n-instances", "0"]) == 2
    assert "n_instances must be >= 1; got n_instances=0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["recovery", "--cells", "128x1024"])
    assert "cell must be NxDIMxK" in capsys.readouterr().err


def test_the_benchmarks_niht_recovers_where_steepest_descent_niht_stalls():
    # seed 1001 of the (128, 1024, 20) cell: Blumensath & Davies' NIHT stops on a wrong support
    objective = CompressedSensing(128, 1024, 20, noise=0.01, amplitudes="pm1", seed=1001)
    theta = SOLVERS["niht"].run(objective, 20, RecoveryConfig())
    assert np.array_equal(theta != 0.0, objective.support_star)


@pytest.mark.parametrize("seed", [1005, 1009, 1013])
def test_the_benchmarks_acdc_iht_recovers_the_hardest_cell(seed):
    # seeds where AC/DC-IHT stopped on a support with 12-13 wrong entries when its line search
    # accepted only η <= 1/β along each move
    objective = CompressedSensing(128, 1024, 20, noise=0.01, amplitudes="pm1", seed=seed)
    theta = SOLVERS["acdc_iht"].run(objective, 20, RecoveryConfig())
    assert np.array_equal(theta != 0.0, objective.support_star)
