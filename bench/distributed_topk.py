"""Distributed global top-k over ResNet-50-sized sharded weights: ours against gathering the weights.

Usage (from the repository root)::

    .venv/bin/python bench/distributed_topk.py --ranks 2 4 [--sparsity 0.9] [--repeats 5]

For every process count ``R`` the script spawns ``R`` CPU processes (gloo, one torch thread each); each
holds the ``Shard(0)`` rows (``torch.chunk`` sizes, as FSDP2) of ResNet-50's 54 convolution and linear
weights (25,502,912 float32, :func:`benchmarks.common.resnet50_weights`), and computes its local masks of
the global top-k in two ways:

- ``ours``: :func:`iht.projection.distributed.distributed_topk` (sample, bracket counts, exchange);
- ``gather``: one all-gather of the weights, then :func:`iht.projection.global_topk_masks` on the full
  arrays on every process (the masks' local rows are then sliced out); its time is also split into the
  all-gather alone and the local top-k alone.

Each time is the slowest process's, the median of ``--repeats`` runs after one warm-up run. Bytes are
per process, received through the all-gathers: ``(R - 1)`` times each process's payload (padded to
the largest), the quantity of the formula in :mod:`iht.projection.distributed`. The two ways' masks
are checked equal, bit for bit. Timings on a shared machine are noisy: the script prints the load.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import kept, resnet50_weights

from iht.projection import global_topk_masks, selection
from iht.projection.distributed import distributed_topk


def _shards(rank: int, world: int) -> tuple[dict, dict, dict]:
    """This process's ``Shard(0)`` rows of every weight, their full shapes and row offsets."""
    shards, shapes, offsets = {}, {}, {}
    for name, weight in resnet50_weights().items():
        chunk = -(-weight.shape[0] // world)
        start, stop = min(rank * chunk, weight.shape[0]), min((rank + 1) * chunk, weight.shape[0])
        shards[name] = torch.from_numpy(weight[start:stop].copy())
        shapes[name], offsets[name] = weight.shape, start
    return shards, shapes, offsets


def _gathered_masks(shards: dict, shapes: dict, offsets: dict, k: int, world: int, timings: dict) -> dict:
    """All-gather the weights (one flat buffer per process, padded), then the local global top-k."""
    start = time.perf_counter()
    flat = torch.cat([s.reshape(-1) for s in shards.values()])
    sizes = [0] * world
    dist.all_gather_object(sizes, flat.numel())
    padded = torch.zeros(max(sizes), dtype=flat.dtype)
    padded[: flat.numel()] = flat
    rows = [torch.empty_like(padded) for _ in range(world)]
    dist.all_gather(rows, padded)
    full, cursors = {}, [0] * world
    for name, shape in shapes.items():
        pieces = []
        for rank in range(world):
            chunk = -(-shape[0] // world)
            count = max(0, min((rank + 1) * chunk, shape[0]) - min(rank * chunk, shape[0])) * math.prod(
                shape[1:]
            )
            pieces.append(rows[rank][cursors[rank] : cursors[rank] + count])
            cursors[rank] += count
        full[name] = torch.cat(pieces).reshape(shape)
    timings["all-gather"] = time.perf_counter() - start
    start = time.perf_counter()
    masks = global_topk_masks(full, k)
    timings["local top-k"] = time.perf_counter() - start
    timings["bytes"] = (world - 1) * max(sizes) * flat.element_size()
    return {name: masks[name][offsets[name] : offsets[name] + shards[name].shape[0]] for name in shards}


def _slowest(seconds: float) -> float:
    value = torch.tensor([seconds], dtype=torch.float64)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return float(value)


def _worker(rank: int, world: int, store: str, sparsities: list[float], repeats: int, out: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
    shards, shapes, offsets = _shards(rank, world)
    total = sum(math.prod(shape) for shape in shapes.values())
    rows = []
    for sparsity in sparsities:
        k = kept(total, sparsity)
        ours, gather, parts = [], [], {"all-gather": [], "local top-k": []}
        for repeat in range(repeats + 1):  # the first run warms up
            dist.barrier()
            start = time.perf_counter()
            result = distributed_topk(shards, k, full_shapes=shapes, offsets=offsets)
            elapsed = _slowest(time.perf_counter() - start)
            dist.barrier()
            timings: dict = {}
            start = time.perf_counter()
            expected = _gathered_masks(shards, shapes, offsets, k, world, timings)
            gathered = _slowest(time.perf_counter() - start)
            if repeat:
                ours.append(elapsed)
                gather.append(gathered)
                for part in parts:
                    parts[part].append(_slowest(timings[part]))
        equal = all(torch.equal(result.masks[name], expected[name]) for name in shards)
        equal = _slowest(0.0 if equal else 1.0) == 0.0
        rows.append(
            f"| {world} | {sparsity} | ours | {statistics.median(ours):.3f} | {result.bytes_received:,} "
            f"| {result.collectives} | {result.rounds} | {result.exchanged:,} | {equal} |"
        )
        rows.append(
            f"| {world} | {sparsity} | gather + local top-k | {statistics.median(gather):.3f} "
            f"({statistics.median(parts['all-gather']):.3f} + {statistics.median(parts['local top-k']):.3f}) "
            f"| {timings['bytes']:,} | 2 | | {total:,} | |"
        )
    if rank == 0:
        Path(out).write_text("\n".join(rows) + "\n")
    dist.destroy_process_group()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", type=int, nargs="+", default=[2, 4], help="process counts (default 2 4)")
    parser.add_argument("--sparsity", type=float, nargs="+", default=[0.9], help="fractions of zeros")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs after one warm-up (default 5)")
    args = parser.parse_args(argv)
    if any(r < 1 for r in args.ranks) or args.repeats < 1:
        parser.error(f"--ranks and --repeats must be >= 1; got --ranks {args.ranks} --repeats {args.repeats}")
    print(f"load average {os.getloadavg()}, {os.cpu_count()} CPUs, selection.WORKERS={selection.WORKERS}")
    print("| R | sparsity | method | seconds (slowest process, median) | bytes received per process "
          "| collectives | rounds | entries exchanged | masks equal |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for world in args.ranks:
            out = Path(folder) / f"rows{world}.md"
            store = Path(folder) / f"store{world}"
            mp.spawn(_worker, args=(world, str(store), args.sparsity, args.repeats, str(out)), nprocs=world)
            print(out.read_text(), end="", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
