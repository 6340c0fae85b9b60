"""Distributed exact global top-k (issue 18): masks over shards equal the single-process masks, bit for bit.

The multi-process tests launch :mod:`tests.iht.projection.distributed_worker` with ``torchrun`` on 2 and 4
CPU processes (gloo, one thread each); every case compares each process's local masks with the pieces
of :func:`global_topk_masks` over the full arrays, under the default constants and under constants that
force bracket rounds, misses and exchanges on small arrays. The in-process tests use a one-process gloo
group for the argument errors.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")

from iht.projection import global_topk_masks  # noqa: E402
from iht.projection.distributed import (  # noqa: E402
    distributed_global_topk_masks,
    distributed_topk,
)
from tests.iht.projection import distributed_worker  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
WORKER = Path(distributed_worker.__file__)
ERRORS = {  # case -> the message every process raises
    "error: nan": "ValueError: shards['b'] contains 1 NaN value(s) (first at flat index 4)",
    "error: k differs": "ValueError: every process must pass the same arrays and k; got k [3, 4",
    "error: overlap": "ValueError: shards['b'] must be tiled by the shards of the processes (each entry held "
                      "once); got {held} entries held for a full shape (5,) of 5",
}


def _launch(tmp_path: Path, ranks: int, level: str) -> list[dict]:
    out = tmp_path / f"out{ranks}"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(ranks),
         str(WORKER), str(out), level], env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads((out / f"rank{rank}.json").read_text()) for rank in range(ranks)]


def _check(reports: list[dict]) -> None:
    ranks = len(reports)
    names = reports[0].keys()
    assert all(report.keys() == names for report in reports)
    for name in names:
        per_rank = [report[name] for report in reports]
        error = ERRORS.get(name.split(" | ")[1])
        if error is not None:
            expected = error.format(held=5 * ranks)
            assert all(r.get("error", "").startswith(expected) for r in per_rank), (name, per_rank)
            continue
        assert all("error" not in r and r["mismatch"] == [] for r in per_rank), (name, per_rank)
        for field in ("threshold", "bytes", "rounds", "exchanged"):  # what every process derives alike
            assert len({json.dumps(r[field]) for r in per_rank}) == 1, (name, field, per_rank)


def _counted_bytes(reports: list[dict]) -> None:
    """The counter against the formula: header, layout and one exchange of every entry (N <= EXCHANGE_MAX)."""
    ranks, arrays = len(reports), len(distributed_worker.SHAPES)
    total = sum(math.prod(shape) for shape in distributed_worker.SHAPES)
    layout = (ranks - 1) * 8 * (5 + 3 * arrays)
    report = reports[0]
    assert report["default | ties k=0"]["bytes"] == report["default | ties k=1.0"]["bytes"] == layout
    everything = report["default | all rows on the last process"]  # one process holds every entry
    assert (everything["rounds"], everything["exchanged"]) == (0, total)
    assert everything["bytes"] == layout + (ranks - 1) * total * (4 + 8)


@pytest.mark.parametrize("ranks", [2, 4])
def test_masks_over_shards_equal_the_single_process_masks(tmp_path, ranks):
    reports = _launch(tmp_path, ranks, "fast")
    _check(reports)
    _counted_bytes(reports)
    settings = {name.split(" | ")[0] for name in reports[0]}
    assert settings == set(distributed_worker.SETTINGS)
    assert max(r["rounds"] for r in reports[0].values() if "rounds" in r) >= 3  # the rounds were run


@pytest.mark.slow
@pytest.mark.parametrize("ranks", [2, 4])
def test_larger_arrays_over_shards(tmp_path, ranks):
    _check(_launch(tmp_path, ranks, "slow"))


@pytest.fixture
def one_process_group(tmp_path):
    dist.init_process_group("gloo", store=dist.FileStore(str(tmp_path / "store"), 1), rank=0, world_size=1)
    yield
    dist.destroy_process_group()


def test_one_process_equals_global_topk(one_process_group):
    generator = torch.Generator().manual_seed(0)
    full = {"a": torch.randn(30, 4, generator=generator), "b": torch.randn(7, generator=generator).bfloat16()}
    shapes = {name: tuple(a.shape) for name, a in full.items()}
    for k in (0, 1, 60, 127):
        result = distributed_topk(full, k, full_shapes=shapes, offsets={"a": 0, "b": (0,)})
        expected = global_topk_masks(full, k)
        assert all(torch.equal(result.masks[n], expected[n]) for n in full), k
        assert result.bytes_received == 0  # nothing reaches a lone process


def test_bfloat16_is_compared_in_the_widest_dtype(one_process_group):
    """1 + 2**-10 (float32) rounds to 1.0 in bfloat16: compared there, the bfloat16 1.0 would win the tie."""
    shards = {"b": torch.ones(3, dtype=torch.bfloat16), "f": torch.full((2,), 1 + 2**-10)}
    layout = {"full_shapes": {"b": (3,), "f": (2,)}, "offsets": {"b": 0, "f": 0}}
    masks = distributed_global_topk_masks(shards, 2, **layout)
    assert masks["b"].tolist() == [False] * 3 and masks["f"].tolist() == [True, True]
    assert distributed_topk(shards, 3, **layout).threshold == (1.0, 0)


@pytest.mark.parametrize(
    ("shards", "k", "shapes", "offsets", "error", "match"),
    [
        ({"a": [1.0]}, 1, {}, {}, TypeError, r"shards\['a'\] must be a torch.Tensor or DTensor; got list"),
        ({"a": torch.ones(2, dtype=torch.int32)}, 1, {"a": (2,)}, {"a": 0}, TypeError,
         r"shards\['a'\] must have a real floating dtype .* got dtype torch.int32"),
        ({"a": torch.ones(2)}, 1, {}, {"a": 0}, ValueError,
         r"full_shapes must give an entry for every plain tensor of shards; got no full_shapes\['a'\]"),
        ({"a": torch.ones(2)}, 1, {"a": (3,)}, {"a": 2}, ValueError,
         r"offsets\['a'\] must place the local shard of shape \(2,\) inside full_shapes\['a'\]=\(3,\); "
         r"got offsets\['a'\]=\(2,\)"),
        ({"a": torch.ones(2)}, 1, {"a": (2,)}, {"a": 0.5}, TypeError,
         r"offsets\['a'\] must be a tuple of non-negative integers; got offsets\['a'\]=0.5"),
        ({"a": torch.ones(0)}, 0, {"a": (0,)}, {"a": 0}, ValueError,
         r"shards\['a'\] must be non-empty; got full shape \(0,\)"),
        ({"a": torch.ones(2)}, 3, {"a": (2,)}, {"a": 0}, ValueError, r"k must be in \[0, size=2\]; got k=3"),
        ({"a": torch.ones(2)}, 1, {"a": (4,)}, {"a": 0}, ValueError,
         r"shards\['a'\] must be tiled by the shards of the processes .* got 2 entries held for a full "
         r"shape \(4,\) of 4"),
        ({}, 1, {}, {}, TypeError, "shards must be a non-empty mapping of name -> tensor; got {}"),
    ],
)
def test_bad_arguments_are_named(one_process_group, shards, k, shapes, offsets, error, match):
    with pytest.raises(error, match=match):
        distributed_global_topk_masks(shards, k, full_shapes=shapes, offsets=offsets)


def test_needs_an_initialised_process_group():
    with pytest.raises(RuntimeError, match=r"needs torch\.distributed initialised"):
        distributed_global_topk_masks({"a": torch.ones(2)}, 1)
