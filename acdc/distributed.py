"""Device choice and ``torch.distributed`` set-up for runs launched directly or through ``torchrun``.

``torchrun --nproc_per_node N -m acdc train ...`` sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``;
:func:`init_from_env` then joins the process group (NCCL on CUDA, gloo on CPU). Masks are identical
on every rank by construction: rank 0's masks are broadcast at every compression
(:meth:`acdc.controller.SparsityController.compress_`); DDP keeps the weights in sync, and the trainer
broadcasts rank 0's buffers (batch-norm statistics, masks) after each epoch's last step.

With ``--fsdp`` (``TrainConfig.fsdp``) the trainer shards the model with FSDP2 instead of DDP
(:mod:`acdc.sharded`): each process holds a shard of every weight and of its mask, and computes the
masks of its shards itself; only the other buffers are broadcast. A sharded run must be launched by
torchrun, even with one process (:func:`init_from_env` with ``always``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from iht.validation import check_choice

DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class Process:
    """Where this process sits: its rank, the number of processes and its device."""

    rank: int
    world_size: int
    device: torch.device

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def resolve_device(choice: str, local_rank: int = 0) -> torch.device:
    """``auto``: CUDA device ``local_rank`` when CUDA is present, else CPU; ``cpu``; ``cuda``.

    Raises
    ------
    ValueError
        For ``cuda`` on a machine without CUDA, or an unknown choice.
    """
    check_choice(choice, "device", DEVICES)
    if choice == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' needs a CUDA build of torch and a GPU; none is available "
                         "(use device='auto' or 'cpu')")
    if choice == "cpu" or not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device("cuda", local_rank)


def init_from_env(device_choice: str, always: bool = False) -> Process:
    """Join the process group described by torchrun's environment variables, if any.

    With ``always`` (a sharded run, :mod:`acdc.sharded`) the group is joined even by a single process,
    and a process not started by torchrun is a ``ValueError``.
    """
    if always and "WORLD_SIZE" not in os.environ and not dist.is_initialized():
        raise ValueError("fsdp must run under torchrun (torchrun --nproc_per_node R -m acdc train --fsdp "
                         "...); got fsdp=True in a process that torchrun did not start (no WORLD_SIZE)")
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = resolve_device(device_choice, local_rank)
    if (world_size > 1 or always) and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    rank = dist.get_rank() if dist.is_initialized() else 0
    return Process(rank, world_size, device)
