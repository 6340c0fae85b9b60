"""The one markdown-table writer: the formats of the theory report, the FLOPs report and the experiments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from iht.tables import markdown_rows, markdown_table

FRAME = pd.DataFrame({"name": ["a", "b"], "x": [0.123456, math.nan], "n": [3, 4],
                      0.5: [np.float64(2.0), 1e-7]})


def test_theory_report_format():
    assert markdown_table(FRAME) == ("| name | x | n | 0.5 |\n"
                                     "|---|---|---|---|\n"
                                     "| a | 0.123 | 3 | 2 |\n"
                                     "| b | nan | 4 | 1e-07 |")


def test_experiment_table_format():
    assert markdown_table(FRAME, ".4g", nan="–") == ("| name | x | n | 0.5 |\n"
                                                     "|---|---|---|---|\n"
                                                     "| a | 0.1235 | 3 | 2 |\n"
                                                     "| b | – | 4 | 1e-07 |")


def test_rows_written_with_str_and_pipes_escaped():
    table = markdown_rows(["layer", "a|b"], [["conv1", "1×4"], ["fc|x", 2]])
    assert table.splitlines() == ["| layer | a\\|b |", "|---|---|", "| conv1 | 1×4 |", "| fc\\|x | 2 |"]
