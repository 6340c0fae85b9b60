"""AC/DC on models sharded with FSDP2 (``torch.distributed.fsdp.fully_shard``): masks meet weights on shards.

``fully_shard`` leaves every parameter of the model a ``DTensor`` whose local tensor is this process's
shard (``Shard(0)``: a block of rows). A :class:`~acdc.masks.WeightMasks` built on such a model registers
each mask as a ``DTensor`` buffer with its weight's mesh and placements (``torch.ones_like`` of the
weight), so mask and weight shards cover the same entries and every per-step operation is local:

* re-masking after a step multiplies the local weight shard by the local mask shard;
* gradient masking multiplies the local gradient shard before each optimiser step (a step pre-hook:
  ``fully_shard`` computes gradients on the gathered parameters and reduce-scatters them into the
  shards, so tensor hooks on the sharded parameters never fire). The reduce-scatter is linear and the
  mask elementwise, so masking the reduced shard equals reducing masked gradients;
* the optimiser state of a sharded parameter is sharded alike and is dropped as a whole
  (:func:`acdc.optim.reset_optimizer_state`), which needs no communication.

Compression (:func:`project`) computes the masks of the *full* weights without gathering them:

* ``TopK`` (global magnitude): :func:`iht.projection.distributed.distributed_topk` over every weight at
  once, bit for bit :func:`~iht.projection.topk.global_topk_masks` of the full weights;
* ``LayerwiseTopK`` and ``ERKTopK``: the same per weight, with the per-layer counts of the full shapes
  (:func:`~iht.projection.sparsity.k_from_sparsity`, :func:`~iht.projection.erk.erk_counts`);
* ``NM``: each process takes the N:M mask of its own shard (an empty shard has an empty mask), which
  is the full mask's piece when no group of ``m`` entries straddles a shard boundary
  (:func:`check_layout` refuses the weights where one would, e.g. ``Shard(0)`` rows of a ``Conv1D``
  weight whose input axis is split into blocks not a multiple of ``m``; ``nn.Linear`` and convolution
  weights group along the unsharded input axis and always fit); the only communication is one
  all-reduce of one NaN flag per weight, so that a NaN weight raises the same error on every process;
* ``RandomMask`` (the ``static`` baseline): every process draws the full masks from its generator (the
  same seed on every process, one byte per entry, transiently) and keeps its own box: the masks of a
  single-process run.

Any other projection (a user's own, or one wrapping these) raises a ``TypeError``. Counting the kept
or zero entries of a sharded mask (densities, sparsity) is a collective (:func:`count`): every process
must call it. Methods: ``acdc``, ``gmp``, ``static`` and ``dense`` run on sharded models; ``rigl``
is refused (it reads the dense gradient in tensor hooks, which sharded parameters never fire).

Equality with one process. Every per-entry operation (masking, the optimiser's update, the top-k) gives
the same bits on a shard as on the full tensor, so a sharded run equals, bit for bit, a single-process
run that accumulates the gradients of the same per-process parts of each global batch (measured on 2
processes: ``tests/acdc/test_fsdp.py``). One backward pass over the whole global batch sums the
examples' gradients in another order, which changes the weights by rounding only (at most ``1e-7``
after 24 steps of that test).

The trainer (``torchrun -m acdc train --fsdp``) shards the whole model with :func:`shard_model` and
checkpoints a gathered state dict (:func:`full_state_dict`, written by the main process), which
resumes a sharded run bit for bit (:func:`load_full_state_dict`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch.distributed.tensor import DTensor

from iht.projection import NM, ERKTopK, LayerwiseTopK, Projection, RandomMask, TopK, default_nm_axis
from iht.projection.erk import erk_counts
from iht.projection.sparsity import k_from_sparsity

SHARDED_PROJECTIONS = (TopK, LayerwiseTopK, ERKTopK, NM, RandomMask)
"""Projections that :func:`project` computes on shards."""


def is_sharded(tensor: Any) -> bool:
    """Whether ``tensor`` is a ``DTensor`` (a parameter or mask of a ``fully_shard`` model)."""
    return isinstance(tensor, DTensor)


def local(tensor: torch.Tensor) -> torch.Tensor:
    """This process's shard of a ``DTensor`` (a view: in-place writes reach the parameter); ``tensor``
    itself otherwise."""
    return tensor.to_local() if isinstance(tensor, DTensor) else tensor


def gathered(tensor: torch.Tensor) -> torch.Tensor:
    """The full tensor of a ``DTensor`` (a collective: every process calls it); ``tensor`` otherwise."""
    return tensor.full_tensor() if isinstance(tensor, DTensor) else tensor


def count(mask: torch.Tensor) -> int:
    """Number of True entries of a bool mask over the full tensor (a collective for a ``DTensor``: the
    local counts are summed; ``int(dtensor.sum())`` would be this process's count alone)."""
    return int(gathered(mask.sum()))


def check_weights(weights: Mapping[str, torch.Tensor]) -> bool:
    """Whether the prunable ``weights`` are sharded; ``TypeError`` when only some of them are.

    Mixed weights have no common layout for a global top-k: every prunable weight must belong to a
    module that ``fully_shard`` wrapped (directly or through a parent), or be excluded.
    """
    sharded = [name for name, weight in weights.items() if is_sharded(weight)]
    if sharded and len(sharded) < len(weights):
        plain = [name for name in weights if name not in sharded]
        raise TypeError(f"weights must be all DTensors (fully_shard the model) or all plain tensors; got "
                        f"DTensor weights {sharded} and plain weights {plain}: fully_shard their modules "
                        f"too, or exclude= them")
    return bool(sharded)


def box(tensor: DTensor, coordinate: list[int] | None = None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Local shape and offset in the full tensor of the shard at mesh ``coordinate`` (this process's by
    default), computed from the layout alone."""
    from torch.distributed.tensor._utils import _compute_local_shape_and_global_offset

    mesh = tensor.device_mesh
    where = mesh.get_coordinate() if coordinate is None else coordinate
    return _compute_local_shape_and_global_offset(tuple(tensor.shape), tuple(mesh.shape), where,
                                                  tensor.placements)


def like(full: torch.Tensor, reference: DTensor) -> DTensor:
    """This process's box of ``full`` (a tensor of ``reference``'s full shape held by every process) as a
    ``DTensor`` with ``reference``'s mesh and placements; no communication."""
    shape, offset = box(reference)
    index = tuple(slice(o, o + n) for o, n in zip(offset, shape))
    return DTensor.from_local(full[index].contiguous(), reference.device_mesh, reference.placements,
                              run_check=False, shape=reference.shape, stride=reference.stride())


def _nm_straddle(name: str, array: DTensor, projection: NM) -> str | None:
    """Why N:M groups of ``array`` do not fit its shards (None when they do), from the layout alone."""
    shape = tuple(array.shape)
    axis = default_nm_axis(array.ndim) if projection.axis is None else projection.axis % max(array.ndim, 1)
    m = projection.m
    if array.ndim and shape[axis] % m:
        return (f"{name} of shape {shape}: N:M {projection.n}:{m} groups run along axis {axis}, whose "
                f"length {shape[axis]} is not divisible by m={m}")
    mesh = array.device_mesh.mesh
    for coordinate in torch.cartesian_prod(*(torch.arange(n) for n in mesh.shape)).reshape(-1, mesh.ndim):
        local_shape, offset = box(array, coordinate.tolist())
        start, stop = offset[axis], offset[axis] + local_shape[axis]
        bad = [b for b in (start, stop) if b % m] if local_shape[axis] else []
        if bad:
            return (f"{name} of shape {shape} is sharded along axis {axis}, the axis of its N:M "
                    f"{projection.n}:{m} groups, with a shard boundary at index {bad[0]} (the shard "
                    f"[{start}, {stop}) at mesh coordinate {coordinate.tolist()}), not a multiple of m={m}: "
                    f"a group would straddle two processes")
    return None


def check_layout(projection: Projection, arrays: Mapping[str, DTensor]) -> None:
    """Check that ``projection`` applies to the sharded ``arrays`` (layout ``(out, in, ...)``, see
    :meth:`acdc.masks.WeightMasks.oriented`) without gathering them.

    Raises
    ------
    TypeError
        If ``projection`` is not one of :data:`SHARDED_PROJECTIONS`.
    ValueError
        For N:M, naming the first array whose groups do not fit its shards: its shape, the shard
        boundary, and N:M. Every process raises the same error (it depends on the layout only).
    """
    if type(projection) not in SHARDED_PROJECTIONS:
        raise TypeError(f"projection must be one of {[p.__name__ for p in SHARDED_PROJECTIONS]} on a model "
                        f"sharded by fully_shard; got projection={projection!r}")
    if isinstance(projection, NM):
        for name, array in arrays.items():
            reason = _nm_straddle(name, array, projection)
            if reason is not None:
                raise ValueError(f"projection NM({projection.n}, {projection.m}) must fit the shards of "
                                 f"every weight; got {reason}; exclude= it or shard another dimension")


def _local_nm(projection: NM, name: str, shard: torch.Tensor) -> torch.Tensor:
    """N:M mask of one local shard (all False when the shard is empty)."""
    if not shard.numel():
        return torch.zeros(shard.shape, dtype=torch.bool, device=shard.device)
    return projection.masks({name: shard})[name]


def _check_no_nan(arrays: Mapping[str, DTensor]) -> None:
    """``ValueError`` on every process when any process's shard of an array holds NaN."""
    import torch.distributed as dist

    shards = [local(array) for array in arrays.values()]
    flags = torch.tensor([bool(torch.isnan(s).any()) for s in shards], dtype=torch.int64,
                         device=shards[0].device)
    dist.all_reduce(flags)
    nan = [name for name, flag in zip(arrays, flags.tolist()) if flag]
    if nan:
        raise ValueError(f"arrays must hold no NaN (the N:M mask of NaN is undefined); got NaN in {nan}")


def project(projection: Projection, arrays: Mapping[str, DTensor]) -> dict[str, DTensor]:
    """Masks of ``projection`` of the full ``arrays`` (``DTensor``s), as ``DTensor``s placed like them.

    Bit for bit the masks that ``projection.masks`` returns for the full arrays (the module docstring
    says how each projection is computed); every process of the arrays' mesh calls it.

    Raises
    ------
    TypeError, ValueError
        As :func:`check_layout`, and the errors of
        :func:`~iht.projection.distributed.distributed_topk` (NaN weights).
    """
    from iht.projection.distributed import distributed_global_topk_masks

    check_layout(projection, arrays)
    if isinstance(projection, TopK):
        return distributed_global_topk_masks(arrays, projection.kept(sum(a.numel() for a in arrays.values())))
    if isinstance(projection, NM):
        _check_no_nan(arrays)
        return {name: DTensor.from_local(_local_nm(projection, name, local(array)), array.device_mesh,
                                         array.placements, run_check=False, shape=array.shape,
                                         stride=array.stride())
                for name, array in arrays.items()}
    shapes = {name: tuple(array.shape) for name, array in arrays.items()}
    if isinstance(projection, RandomMask):
        device = local(next(iter(arrays.values()))).device
        full = projection.masks({n: torch.zeros((), device=device).expand(s) for n, s in shapes.items()})
        return {name: like(full[name], array) for name, array in arrays.items()}
    if isinstance(projection, ERKTopK):
        counts = erk_counts(shapes, projection.sparsity, projection.power_scale)
    else:
        counts = {name: k_from_sparsity(array.numel(), projection.sparsity) for name, array in arrays.items()}
    return {name: distributed_global_topk_masks({name: array}, counts[name])[name]
            for name, array in arrays.items()}


def shard_model(model: torch.nn.Module) -> torch.nn.Module:
    """Shard ``model``'s parameters over the processes of the default group with FSDP2, in place.

    The whole model is one FSDP unit (``fully_shard(model)``): each parameter is a ``DTensor`` with
    ``Shard(0)``, all-gathered for each forward and backward and its gradient reduce-scattered. Call it
    before building the optimiser and the controller. A model that needs smaller units can
    ``fully_shard`` its blocks first, then the root, and build the controller on it the same way.
    """
    from torch.distributed.fsdp import fully_shard

    fully_shard(model)
    return model


def full_state_dict(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> tuple[dict, dict]:
    """The model's state (parameters, buffers, masks) and the optimiser's, as full tensors on every
    process (a collective), via ``torch.distributed.checkpoint.state_dict`` with ``full_state_dict``.

    The optimiser state is keyed by parameter name. :func:`load_full_state_dict` restores both into a
    model sharded the same way on any number of processes.
    """
    from torch.distributed.checkpoint.state_dict import (
        StateDictOptions,
        get_model_state_dict,
        get_optimizer_state_dict,
    )

    options = StateDictOptions(full_state_dict=True)
    return (get_model_state_dict(model, options=options),
            get_optimizer_state_dict(model, optimizer, options=options))


def load_full_state_dict(model: torch.nn.Module, optimizer: torch.optim.Optimizer, model_state: dict,
                         optimizer_state: dict) -> None:
    """Load :func:`full_state_dict` into a sharded ``model`` and its ``optimizer``: every process keeps
    its own shards (mask buffers included); ``model.load_state_dict``'s hooks run as usual."""
    from torch.distributed.checkpoint.state_dict import (
        StateDictOptions,
        set_model_state_dict,
        set_optimizer_state_dict,
    )

    options = StateDictOptions(full_state_dict=True)
    set_model_state_dict(model, model_state, options=options)
    set_optimizer_state_dict(model, optimizer, optimizer_state, options=options)
