"""bench/ratios.py: ours ÷ peers and ÷ floor from one asv results file, and tracked values."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

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
    assert load_ratios().main(["ratios.py", str(path)]) == 0
    out = capsys.readouterr().out
    assert "| params | ours | time | ÷ peer_numpy_partition | ÷ floor_numpy_sum |" in out
    assert "| 0.5 | ours_numpy | 2 ms | 0.25 | 2 |" in out
    assert "| 0.9 | ours_numpy | 4 ms | 0.5 | 4 |" in out
    assert "- step.Step.track_compressed_over_dense_step: 0.998" in out
    assert "peakmem" not in out


def test_no_results_after_a_quick_run_is_one_clear_line(tmp_path, capsys):
    """Issue 17: after `asv run --quick` (results not saved) ratios.py died on `max()` of nothing."""
    ratios = load_ratios()
    machine = tmp_path / "results" / "vm"
    machine.mkdir(parents=True)
    (machine / "machine.json").write_text("{}")
    for results in (tmp_path / "results", tmp_path / "absent"):
        with pytest.raises(FileNotFoundError, match=r"no asv results in .*: run `asv run --python=same` in "
                                                    r"bench/ first \(`asv run --quick`.*saves no results\)"):
            ratios.latest_results(results)
    ratios.__file__ = str(tmp_path / "ratios.py")  # main's default: results/ beside the script
    assert ratios.main(["ratios.py"]) == 2
    assert capsys.readouterr().err.startswith(f"error: no asv results in {tmp_path / 'results'}: ")
