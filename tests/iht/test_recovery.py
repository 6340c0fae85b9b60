"""A small version of the compressed-sensing recovery benchmark (issue 3)."""

import numpy as np

from iht.cli import main
from iht.recovery import RecoveryConfig, run_recovery, summarize

SMALL = RecoveryConfig(n_measurements=128, dim=256, k_star=8, n_instances=3, n_iter=400,
                       batch_size=32)


def test_small_recovery_benchmark():
    frame = run_recovery(SMALL)
    assert len(frame) == 3 * 6
    assert set(frame.solver) == {"niht", "htp", "subspace_pursuit", "stochastic_iht", "acdc_iht",
                                 "omp"}
    by_solver = frame.groupby("solver")
    for name in ("niht", "htp", "subspace_pursuit"):
        group = by_solver.get_group(name)
        assert group.recovered.all()
        assert group.rel_error.median() <= 1.5e-2
    for name in ("stochastic_iht", "acdc_iht"):
        assert by_solver.get_group(name).reached_floor.all()
    assert np.all(frame.time_s > 0.0)
    assert "| niht | 3/3 |" in summarize(frame)


def test_cli_writes_a_tidy_csv(tmp_path, capsys):
    out = tmp_path / "recovery.csv"
    assert main(["recovery", "--instances", "1", "--n", "64", "--dim", "96", "--k-star", "4",
                 "--out", str(out)]) == 0
    text = out.read_text().splitlines()
    assert text[0].startswith("n_measurements,dim,k_star,noise")
    assert len(text) == 1 + 6
    assert "| omp | 1/1 |" in capsys.readouterr().out
