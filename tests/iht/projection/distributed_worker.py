"""One process of the distributed top-k tests, launched by ``torchrun`` (gloo, CPU, one thread).

Usage: ``torchrun --nproc_per_node R distributed_worker.py OUT {fast,slow}``. Every process builds the
same full arrays from a seed, computes the single-process reference :func:`global_topk_masks` over
them, runs :func:`distributed_topk` on its shards and writes ``OUT/rank{r}.json``: per case, the
mismatching array names (empty when the local masks equal the reference's pieces bit for bit), the
threshold key and the counts, or the error raised.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import fully_shard
from torch.distributed.tensor import Replicate, Shard, distribute_tensor

from iht.projection import distributed, global_topk_masks
from iht.projection.distributed import distributed_topk

Arrays = dict[str, torch.Tensor]


def _values(generator: torch.Generator, shape: tuple[int, ...], kind: str,
            dtype: torch.dtype) -> torch.Tensor:
    """Full array: normal values, heavy ties (few magnitudes, signed zeros), or a sparse model's zeros."""
    size = math.prod(shape)
    if kind == "normal":
        values = torch.randn(size, generator=generator, dtype=torch.float64)
    elif kind == "ties":
        levels = torch.tensor([0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0], dtype=torch.float64)
        values = levels[torch.randint(0, len(levels), (size,), generator=generator)]
    elif kind == "equal":
        values = torch.where(torch.rand(size, generator=generator) < 0.5, -1.0, 1.0).double()
    else:  # "sparse": 90% zeros, as after a compressed phase
        values = torch.randn(size, generator=generator, dtype=torch.float64)
        values[torch.rand(size, generator=generator) < 0.9] = 0.0
    return values.to(dtype).reshape(shape)


def _chunk(rows: int, rank: int, world: int) -> tuple[int, int]:
    """Rows ``[start, stop)`` of ``rank`` under ``Shard(0)`` (torch.chunk sizes: empty tail shards)."""
    chunk = -(-rows // world)
    return min(rank * chunk, rows), min((rank + 1) * chunk, rows)


def _row_shards(full: Arrays, rank: int, world: int, split: str) -> tuple[Arrays, dict, dict]:
    """Plain shards: rows as ``Shard(0)`` (``chunk``), all on the last process (``last``), or columns."""
    shards, shapes, offsets = {}, {}, {}
    for name, array in full.items():
        shapes[name] = tuple(array.shape)
        if split == "columns" and array.ndim >= 2:
            start, stop = _chunk(array.shape[1], rank, world)
            shards[name] = array[:, start:stop].clone()
            offsets[name] = (0, start) + (0,) * (array.ndim - 2)
            continue
        if split == "last":
            start, stop = (0, array.shape[0]) if rank == world - 1 else (0, 0)
        else:
            start, stop = _chunk(array.shape[0], rank, world)
        shards[name], offsets[name] = array[start:stop].clone(), start
    return shards, shapes, offsets


def _local_reference(reference: torch.Tensor, shard: torch.Tensor, offset) -> torch.Tensor:
    """The piece of a full mask that a shard at ``offset`` covers."""
    offset = (offset,) + (0,) * (reference.ndim - 1) if isinstance(offset, int) else offset
    index = tuple(slice(o, o + n) for o, n in zip(offset, shard.shape))
    return reference[index]


def _plain_case(seed: int, shapes: list[tuple[int, ...]], dtypes: list[torch.dtype], kind: str, k_fraction,
                split: str) -> Callable[[int, int], tuple]:
    def run(rank: int, world: int):
        generator = torch.Generator().manual_seed(seed)
        full = {f"w{i}": _values(generator, shape, kind, dtype)
                for i, (shape, dtype) in enumerate(zip(shapes, itertools.cycle(dtypes)))}
        total = sum(a.numel() for a in full.values())
        k = k_fraction if isinstance(k_fraction, int) else round(k_fraction * total)
        reference = global_topk_masks(full, k)
        shards, full_shapes, offsets = _row_shards(full, rank, world, split)
        result = distributed_topk(shards, k, full_shapes=full_shapes, offsets=offsets)
        expected = {name: _local_reference(reference[name], shards[name], offsets[name]) for name in full}
        return result, result.masks, expected

    return run


def _dtensor_case(seed: int, mesh_shape: tuple[int, ...] | None, placements: list, kind: str,
                  k_fraction: float) -> Callable[[int, int], tuple]:
    def run(rank: int, world: int):
        shape = mesh_shape or (world,)
        if math.prod(shape) != world:
            return None
        mesh = init_device_mesh("cpu", shape)
        generator = torch.Generator().manual_seed(seed)
        full = {f"w{i}": _values(generator, shape, kind, torch.float32)
                for i, shape in enumerate([(5, 6), (1, 7), (9,), (4, 3, 2)])}
        k = round(k_fraction * sum(a.numel() for a in full.values()))
        reference = global_topk_masks(full, k)
        shards = {name: distribute_tensor(array, mesh, _fitting(placements, array.ndim))
                  for name, array in full.items()}
        result = distributed_topk(shards, k)
        return result, {n: m.full_tensor() for n, m in result.masks.items()}, reference

    return run


def _fitting(placements: list, ndim: int) -> list:
    """``placements`` with ``Shard(d)`` beyond the array's dimensions moved to dimension 0."""
    return [Shard(0) if isinstance(p, Shard) and p.dim >= ndim else p for p in placements]


def _fsdp_case(seed: int, k_fraction: float) -> Callable[[int, int], tuple]:
    def run(rank: int, world: int):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(6, 9), nn.ReLU(), nn.Linear(9, 1), nn.Linear(1, 3, bias=False))
        with torch.no_grad():
            model[2].weight.mul_(0.0)  # ties at zero across a 1-row layer
        for layer in (model[0], model[2], model[3]):
            fully_shard(layer)
        fully_shard(model)
        params = dict(model.named_parameters())
        full = {name: p.full_tensor() for name, p in params.items()}
        k = round(k_fraction * sum(a.numel() for a in full.values()))
        reference = global_topk_masks(full, k)
        result = distributed_topk(params, k)
        assert all(m.placements == params[n].placements for n, m in result.masks.items())
        local = {n: m.to_local() for n, m in result.masks.items()}
        expected = {n: _local_reference(reference[n], params[n].to_local(), _fsdp_offset(params[n]))
                    for n in params}
        return result, local, expected

    return run


def _fsdp_offset(param) -> tuple[int, ...]:
    from torch.distributed.tensor._utils import compute_local_shape_and_global_offset

    return tuple(compute_local_shape_and_global_offset(param.shape, param.device_mesh, param.placements)[1])


def _error_case(kind: str) -> Callable[[int, int], tuple]:
    """Inputs that every process must reject with the same error."""
    def run(rank: int, world: int):
        full = {"a": torch.arange(12.0).reshape(4, 3), "b": torch.ones(5)}
        if kind == "nan":
            full["b"][4] = float("nan")
        shards, shapes, offsets = _row_shards(full, rank, world, "chunk")
        k = 3 + (rank if kind == "k differs" else 0)
        if kind == "overlap":
            shards["b"], offsets["b"] = full["b"], 0
        distributed_topk(shards, k, full_shapes=shapes, offsets=offsets)

    return run


SHAPES = [(7, 5), (1, 13), (3,), (16, 2, 3), (2, 1)]
KINDS = ["normal", "ties", "equal", "sparse"]
#: (kind, k) of the small cases: the default run's, then the slow run's (k: a count if int, else a fraction)
FAST_KS = [("normal", 1), ("normal", 0.5), ("ties", 0), ("ties", 0.1), ("ties", 0.5), ("ties", 1.0),
           ("equal", 0.5), ("sparse", 0.05), ("sparse", 0.5)]
SLOW_KS = list(itertools.product(KINDS, [0, 1, 0.1, 0.5, 0.97, 1.0]))
#: (kind, k) of the cases that take bracket rounds under the default constants
FAST_ROUNDS = [("normal", 0.1), ("ties", 0.5), ("sparse", 0.5), ("equal", 0.9)]
SLOW_ROUNDS = list(itertools.product(KINDS, [0.02, 0.5, 0.9]))
#: cases of the default run also run under the other SETTINGS (the slow run: every plain case)
SWEPT = ("rounds:", "ties k=0.5", "equal k=0.5", "sparse k=0.5", "bf16/f32 mix", "column shards",
         "all rows on the last process")


def cases(level: str) -> dict[str, Callable[[int, int], tuple]]:
    """Named cases; ``fast`` is the default test run, ``slow`` adds larger and more varied ones."""
    found: dict[str, Callable] = {}
    f32, bf16, f16, f64 = torch.float32, torch.bfloat16, torch.float16, torch.float64
    for kind, k in FAST_KS if level == "fast" else SLOW_KS:
        found[f"{kind} k={k}"] = _plain_case(1, SHAPES, [f32], kind, k, "chunk")
    found["bf16/f32 mix"] = _plain_case(2, SHAPES, [bf16, f32], "normal", 0.3, "chunk")
    found["bf16/f16 mix (compared in f32)"] = _plain_case(3, SHAPES, [bf16, f16], "ties", 0.4, "chunk")
    found["f64"] = _plain_case(4, SHAPES, [f64], "normal", 0.2, "chunk")
    found["all rows on the last process"] = _plain_case(5, SHAPES, [f32], "ties", 0.5, "last")
    found["column shards"] = _plain_case(6, SHAPES, [f32], "ties", 0.5, "columns")
    big = [(300, 40), (1, 500), (77, 3, 3), (64,), (129, 17)]
    for kind, k in FAST_ROUNDS if level == "fast" else SLOW_ROUNDS:
        found[f"rounds: {kind} k={k}"] = _plain_case(7, big, [f32, bf16], kind, k, "chunk")
    found["dtensor Shard(1)"] = _dtensor_case(8, None, [Shard(1)], "ties", 0.4)
    found["dtensor Replicate"] = _dtensor_case(9, None, [Replicate()], "normal", 0.3)
    found["fsdp2 fully_shard"] = _fsdp_case(10, 0.5)
    for kind in ("nan", "k differs", "overlap"):
        found[f"error: {kind}"] = _error_case(kind)
    if level == "slow":
        huge = [(2000, 300), (1, 1000), (513, 64, 3), (100000,)]
        for kind, k in itertools.product(KINDS, [0.001, 0.3, 0.999]):
            found[f"large: {kind} k={k}"] = _plain_case(11, huge, [f32, bf16], kind, k, "chunk")
        found["large: columns"] = _plain_case(12, huge[:3], [f32], "ties", 0.3, "columns")
    return found


def _swept(name: str, level: str) -> bool:
    """Whether a case also runs under the non-default SETTINGS."""
    if name.startswith(("error", "dtensor", "fsdp", "mesh", "large")):
        return False
    return level == "slow" or name.startswith(SWEPT)


def mesh_cases(world: int) -> dict[str, Callable[[int, int], tuple]]:
    """Two-dimensional meshes (4 processes): HSDP-like ``(Replicate, Shard(0))`` and ``(Shard, Shard)``."""
    if world != 4:
        return {}
    return {
        "mesh 2x2 Replicate,Shard(0)": _dtensor_case(13, (2, 2), [Replicate(), Shard(0)], "ties", 0.3),
        "mesh 2x2 Shard(0),Shard(1)": _dtensor_case(14, (2, 2), [Shard(0), Shard(1)], "sparse", 0.6),
    }


@contextlib.contextmanager
def constants(**values) -> Iterator[None]:
    """Small SAMPLE/EXCHANGE_MAX so that small arrays go through bracket rounds and misses."""
    old = {name: getattr(distributed, name) for name in values}
    for name, value in values.items():
        setattr(distributed, name, value)
    try:
        yield
    finally:
        for name, value in old.items():
            setattr(distributed, name, value)


SETTINGS = {  # name -> module constants: defaults, many rounds, narrow brackets (misses)
    "default": {},
    "rounds": {"SAMPLE": 256, "EXCHANGE_MAX": 40, "MIN_STRIDE": 2},
    "misses": {"SAMPLE": 64, "EXCHANGE_MAX": 40, "MIN_STRIDE": 4, "SIGMAS": 0.0, "MARGIN": 0},
    "narrow": {"SAMPLE": 64, "EXCHANGE_MAX": 20, "MIN_STRIDE": 8, "SIGMAS": 0.3, "MARGIN": 1},
}


def main() -> None:
    out, level = Path(sys.argv[1]), sys.argv[2]
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    report = {}
    for setting, values in SETTINGS.items():
        with constants(**values):
            for name, run in {**cases(level), **mesh_cases(world)}.items():
                if setting != "default" and not _swept(name, level):
                    continue
                key = f"{setting} | {name}"
                try:
                    outcome = run(rank, world)
                except (ValueError, TypeError) as error:
                    report[key] = {"error": f"{type(error).__name__}: {error}"}
                    continue
                if outcome is None:
                    continue
                result, local, expected = outcome
                report[key] = {
                    "mismatch": [n for n in expected if not torch.equal(local[n], expected[n])],
                    "kept": sum(int(m.sum()) for m in local.values()),
                    "threshold": result.threshold, "bytes": result.bytes_received,
                    "rounds": result.rounds, "exchanged": result.exchanged,
                }
    (out / f"rank{rank}.json").write_text(json.dumps(report, indent=1))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
