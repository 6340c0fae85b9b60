"""Table helpers of the experiments: mean ± std per group."""

from __future__ import annotations

import pandas as pd

from paper_experiments.common import mean_std


def test_mean_std_per_group_with_exact_zero_for_equal_runs():
    frame = pd.DataFrame({"method": ["a", "a", "b", "b", "b", "c"],
                          "acc": [0.5, 0.7, 0.18, 0.18, 0.18, 0.9]})
    table = mean_std(frame, ["method"], ["acc"]).set_index("method")["acc"]
    assert table["a"] == "0.6 ± 0.14"
    assert table["b"] == "0.18 ± 0"       # pandas' std of equal floats leaves a ~1e-17 residue
    assert table["c"] == "0.9"            # one run: the value alone
