"""bench/ratios.py: ours ÷ peers and ÷ floor from one asv results file, and tracked values."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "bench" / "ratios.py"


def load_ratios():
    spec = importlib.util.spec_from_file_location("bench_ratios", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ratios_table_and_tracked_values(tmp_path, capsys):
    columns = ["result", "params"]
    results = {
        "topk.Suite.time_ours_numpy": [[0.002, 0.004], [["0.5", "0.9"]]],
        "topk.Suite.time_peer_numpy_partition": [[0.008, 0.008], [["0.5", "0.9"]]],
        "topk.Suite.time_floor_numpy_sum": [[0.001, 0.001], [["0.5", "0.9"]]],
        "step.Step.track_compressed_over_dense_step": [0.998, []],
        "step.Step.peakmem_ours": [1e8, []],
    }
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"result_columns": columns, "results": results}))
    load_ratios().main(["ratios.py", str(path)])
    out = capsys.readouterr().out
    assert "| params | ours | time | ÷ peer_numpy_partition | ÷ floor_numpy_sum |" in out
    assert "| 0.5 | ours_numpy | 2 ms | 0.25 | 2 |" in out
    assert "| 0.9 | ours_numpy | 4 ms | 0.5 | 4 |" in out
    assert "- step.Step.track_compressed_over_dense_step: 0.998" in out
    assert "peakmem" not in out
