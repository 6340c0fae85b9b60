"""Seed statistics of the experiment tables: t intervals, seed-paired differences, separation."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from paper_experiments.seed_statistics import cell_intervals, paired_differences, separation, t_interval


def test_t_interval_of_three_values():
    mean, std, low, high = t_interval([1.0, 2.0, 3.0])
    half = stats.t.ppf(0.975, 2) / math.sqrt(3)  # s = 1
    assert (mean, std) == (2.0, 1.0)
    assert (low, high) == pytest.approx((2.0 - half, 2.0 + half))
    assert half == pytest.approx(2.4841, abs=1e-4)


def test_t_interval_of_one_or_equal_values():
    assert t_interval([0.7])[0] == 0.7 and all(math.isnan(v) for v in t_interval([0.7])[1:])
    mean, std, low, high = t_interval([0.18, 0.18, 0.18])
    assert std == 0.0 and low == mean == high == pytest.approx(0.18)
    assert all(math.isnan(v) for v in t_interval([math.nan]))


def runs(values: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame([{"sparsity": 0.95, "method": method, "seed": seed, "acc": acc}
                         for method, accs in values.items() for seed, acc in enumerate(accs)])


def test_pairing_by_seed_resolves_a_consistent_difference_that_the_cells_do_not():
    # seeds differ by much more than the methods, but a beats b by 0.01 at every seed
    frame = runs({"a": [0.71, 0.81, 0.91], "b": [0.70, 0.80, 0.90]})
    cells = cell_intervals(frame, ["method"], "acc").set_index("method")
    assert cells.loc["b", "high"] > cells.loc["a", "low"]           # the cell intervals overlap
    (row,) = paired_differences(frame, "sparsity", "method", "acc").itertuples()
    assert (row.better, row.worse, row.n) == ("a", "b", 3)
    assert row.difference == pytest.approx(0.01) and row.resolved


def test_an_inconsistent_difference_is_not_resolved_and_the_better_mean_comes_first():
    frame = runs({"a": [0.70, 0.80, 0.90], "b": [0.74, 0.77, 0.92]})
    (row,) = paired_differences(frame, "sparsity", "method", "acc").itertuples()
    assert (row.better, row.worse) == ("b", "a")
    assert row.low < 0 < row.high and not row.resolved


def test_differences_use_the_seeds_both_methods_have():
    frame = runs({"a": [0.70, 0.80, 0.90, 0.5], "b": [0.68, 0.79, 0.87]})
    (row,) = paired_differences(frame, "sparsity", "method", "acc").itertuples()
    assert row.n == 3 and row.difference == pytest.approx(0.02)


def test_separation_in_seed_stds():
    frame = runs({"a": [0.80, 0.81, 0.82], "b": [0.70, 0.72, 0.74], "c": [0.75, 0.75, 0.75]})
    cells = cell_intervals(frame, ["method"], "acc").set_index("method")
    best, worst, gap, ratio = separation(cells)
    assert (best, worst) == ("a", "b")
    assert gap == pytest.approx(0.09) and ratio == pytest.approx(0.09 / 0.02)
