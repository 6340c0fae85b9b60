"""Trainings of the experiments run one after another or several at a time, with the same results."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from paper_experiments.table1_separating import MLP_PRESETS
from paper_experiments.training import PlannedRun, train_all

RECIPE = MLP_PRESETS["quick"]
RUNS = [PlannedRun("dense", "dense", 0.0, 0), PlannedRun("static", "static", 0.9, 1)]


def test_runs_at_once_give_the_results_of_runs_in_turn(tmp_path):
    in_turn = train_all(RECIPE, tmp_path / "in_turn", RUNS)
    at_once = train_all(replace(RECIPE, jobs=2), tmp_path / "at_once", RUNS)
    for a, b in zip(in_turn, at_once, strict=True):
        assert a.out.name == b.out.name
        assert a.summary["final_sparse"] == b.summary["final_sparse"]
        pd.testing.assert_frame_equal(a.metrics.drop(columns=["wall_s"], errors="ignore"),
                                      b.metrics.drop(columns=["wall_s"], errors="ignore"))


def test_a_failing_run_raises_in_the_parent(tmp_path):
    bad = PlannedRun("bad", "acdc", 0.9, 0, {"projection": "nm"})
    with pytest.raises(ValueError, match=r"sparsity must be one of 0, 0\.25, 0\.5, 0\.75 for N:4"):
        train_all(replace(RECIPE, jobs=2), tmp_path, [RUNS[0], bad])
