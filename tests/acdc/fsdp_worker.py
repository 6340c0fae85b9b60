"""Worker of :mod:`tests.acdc.test_fsdp`: the same sparse-training runs on a model sharded with
``fully_shard`` (under ``torchrun``, gloo) and on a plain model in one process.

``python fsdp_worker.py OUT sharded`` (under torchrun) trains every case of :data:`CASES` on the
sharded model, each process on its part of every global batch, and rank 0 writes the gathered weights,
masks and phase history to ``OUT/sharded.pt``, with the errors of :data:`ERRORS` as every process raised
them. Then, out of the process group, rank 0 trains the same cases on the plain model, the global batch
split into the same ``R`` parts whose gradients it accumulates (the summation of a data-parallel step),
and writes ``OUT/single.pt``; ``OUT/single-one-backward.pt`` holds the runs with one backward pass over
each global batch, whose difference the test measures.

``python fsdp_worker.py OUT trainer`` (under torchrun) runs the reference trainer with ``fsdp=True`` on
:data:`TRAINER` twice: uninterrupted in ``OUT/whole`` and stopped after :data:`STOP` epochs in
``OUT/resumed`` (the state a run killed in the next epoch leaves), which the test then resumes through
the command line.
"""

from __future__ import annotations

import sys
from functools import partial

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from acdc.baselines import GMPController, RigLController, StaticSparseController
from acdc.controller import ACDCController
from acdc.schedule import parse_schedule
from acdc.sharded import gathered
from iht.projection import NM, ERKTopK, LayerwiseTopK, TopK, build_projection

EPOCHS, STEPS, PART = 4, 6, 4  # epochs, steps per epoch, examples per process and step
SCHEDULE = "dense:1,compressed:1,dense:1,compressed:1"
TRAINER = dict(data="synthetic", image_size=8, width=2, subset=64, val_subset=32, batch_size=8,
               schedule="dense:1,compressed:2,dense:1,compressed:1", epochs=5, sparsity=0.8, lr=0.05,
               threads=1, fsdp=True)
STOP = 2  # in the middle of the first compressed phase


class Net(nn.Module):
    """A small MLP plus a one-row ``gate`` added to every logit: with 2 processes the gate's weight
    ``(1, 8)`` has an empty shard on rank 1."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 12), nn.ReLU(), nn.Linear(12, 4))
        self.gate = nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.gate(x)


def build_model() -> nn.Module:
    torch.manual_seed(0)
    return Net()


def acdc(projection, model, optimizer):
    return ACDCController(model, optimizer, parse_schedule(SCHEDULE, EPOCHS), projection)


CASES = {
    "acdc global": partial(acdc, TopK(sparsity=0.8)),
    "acdc global, one FSDP unit per layer": partial(acdc, TopK(sparsity=0.8)),
    "acdc layerwise": partial(acdc, LayerwiseTopK(0.7)),
    "acdc erk": partial(acdc, ERKTopK(0.75)),
    "acdc nm 2:4": partial(acdc, NM(2, 4)),
    "gmp": lambda model, optimizer: GMPController(
        model, optimizer, sparsity=0.9, projection=partial(build_projection, "global"), start_epoch=1,
        end_epoch=3, steps_per_epoch=STEPS, interval=2),
    "static erk": lambda model, optimizer: StaticSparseController(
        model, optimizer, 0.8, "erk", torch.Generator().manual_seed(3)),
}
ERRORS = {
    "nm along the sharded rows": partial(acdc, NM(2, 4, axis=0)),
    "rigl": lambda model, optimizer: RigLController(
        model, optimizer, 0.8, "erk", torch.Generator().manual_seed(3), interval=2, drop_fraction=0.3,
        end_step=10),
}


def batches(parts: int):
    """``EPOCHS * STEPS`` global batches, each as its ``parts`` parts (one per process)."""
    generator = torch.Generator().manual_seed(1)
    for _ in range(EPOCHS * STEPS):
        x = torch.randn(parts * PART, 8, generator=generator)
        y = torch.randint(0, 4, (parts * PART,), generator=generator)
        yield list(zip(x.split(PART), y.split(PART)))


def train(name: str, parts: int, mode: str) -> dict:
    """One run of case ``name``; ``mode``: ``sharded`` (this process's part), ``parts`` (accumulated) or
    ``one`` (one pass)."""
    case = {**CASES, **ERRORS}[name]
    model = build_model()
    if mode == "sharded":
        from torch.distributed.fsdp import fully_shard

        if "per layer" in name:
            for layer in [*model.body[::2], model.gate]:
                fully_shard(layer)
        fully_shard(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    controller = case(model, optimizer)
    rank = dist.get_rank() if mode == "sharded" else 0
    data = batches(parts)
    for epoch in range(EPOCHS):
        controller.start_epoch(epoch)
        for _ in range(STEPS):
            batch = next(data)
            optimizer.zero_grad(set_to_none=True)
            if mode == "sharded":
                x, y = batch[rank]
                F.cross_entropy(model(x), y).backward()
            elif mode == "parts":
                for x, y in batch:
                    (F.cross_entropy(model(x), y) / parts).backward()
            else:
                x, y = torch.cat([x for x, _ in batch]), torch.cat([y for _, y in batch])
                F.cross_entropy(model(x), y).backward()
            optimizer.step()
    rows = torch.zeros(parts, dtype=torch.int64)  # of the gate's mask, per process
    if mode == "sharded":
        rows[rank] = model.gate.weight_mask.to_local().shape[0]
        dist.all_reduce(rows)
    result = {"gate mask rows per process": rows.tolist(),
              "weights": {n: gathered(p.detach()).clone() for n, p in model.named_parameters()},
              "masks": {n: gathered(m).clone() for n, m in controller.masks.as_dict().items()},
              "history": [r.__dict__ for r in controller.history]}
    controller.close()
    return result


def trainer_runs(out: str) -> None:
    from acdc.config import TrainConfig
    from acdc.trainer import Trainer

    whole = Trainer(TrainConfig(**TRAINER, out=f"{out}/whole"), progress=False)
    whole.fit()
    whole.controller.close()
    stopped = Trainer(TrainConfig(**TRAINER, out=f"{out}/resumed"), progress=False)
    stopped.fit(until=STOP)
    stopped.close()


def main(out: str, mode: str) -> None:
    torch.set_num_threads(1)
    if mode == "trainer":
        trainer_runs(out)
        return
    dist.init_process_group("gloo")
    parts, rank = dist.get_world_size(), dist.get_rank()
    results = {name: train(name, parts, "sharded") for name in CASES}
    for name in ERRORS:
        try:
            train(name, parts, "sharded")
            results[name] = "no error"
        except (TypeError, ValueError) as error:
            results[name] = f"{type(error).__name__}: {error}"
    dist.destroy_process_group()
    if rank == 0:
        torch.save(results, f"{out}/sharded.pt")
        torch.save({name: train(name, parts, "parts") for name in CASES}, f"{out}/single.pt")
        torch.save({name: train(name, parts, "one") for name in CASES}, f"{out}/single-one-backward.pt")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
