"""Exact global magnitude top-k over arrays sharded across processes (``torch.distributed``).

Each process holds local shards of many arrays (FSDP2's ``fully_shard`` leaves every parameter as a
``DTensor`` with ``Shard(0)``); :func:`distributed_global_topk_masks` returns, on every process, the masks
of its local shards that are, bit for bit, the pieces of
:func:`~iht.projection.topk.global_topk_masks` over the *full* arrays, without gathering the weights.
This module is torch only: importing it imports torch (``iht.projection`` does not import it).

Keys. Entry ``e`` has the key ``(|x_e|, p_e)``, ``p_e`` its position in the concatenation of the full
arrays in mapping order (flat C-order index inside each array). Ordering keys by decreasing magnitude,
then increasing position, is the tie rule of :mod:`iht.projection.selection`; the keys are distinct, so
the ``k``-th best key ``K`` is unique and the kept entries are those whose key is not worse than ``K``.
Every process derives the same ``K`` from the same gathered data, and then computes its own masks, so
processes that hold replicas of a shard (``Replicate`` placements) get the same masks while only one of
them (coordinate 0 on every replicated mesh dimension) takes part in the counts. Magnitudes are compared
in the widest float dtype of the mapping (``torch.promote_types`` over all arrays), to which every value
converts exactly, so the order is the order of the values (a bfloat16 threshold is never rounded).

Algorithm: the sampled bracket and counting pass of :mod:`iht.projection.bracket`, distributed. The
search keeps a range of keys holding ``K``, as two cut keys: ``upper`` (entries better than it are kept
for sure) and ``lower`` (entries not better than it are dropped for sure). Each round

1. draws a strided sample of the keys inside the range on every process and all-gathers it;
2. takes the bracket ``[top, bottom]`` around the sample quantile of ``K`` with the half-width of
   :mod:`iht.projection.bracket` (five standard deviations of the sample quantile, plus 16);
3. counts, in one pass over the local shards, the entries better than ``top`` and those inside the
   bracket (keeping the latter, key and all), and all-gathers the two counts of every process;
4. if the counts put ``K`` inside the bracket the range becomes the bracket and only its entries are
   looked at afterwards; otherwise (a miss, which the counts detect exactly) the range becomes the part
   of the old range on the side of ``K``, which excludes at least the bracket end drawn from the sample.

When the range holds at most :data:`EXCHANGE_MAX` entries (or a round makes no progress), its entries
are all-gathered, magnitudes and positions, and sorted: ``K`` is the one of the wanted rank. Misses and
runs of equal magnitudes (heavy ties, zeros of an already sparse model) need no special case, because
keys are distinct: a bracket inside a run of ties is a range of positions.

Bytes. With ``R`` processes, ``A`` arrays, ``N`` entries in total, ``c`` the byte size of the widest
dtype and ``e = c + 8`` bytes per exchanged entry (magnitude and int64 position), every process receives,
through all-gathers, (``R - 1``) times the payload of one process, padded to the largest:

- ``8 * 5`` (header: arrays, ``N``, ``k``, dtype, checksum of the names and full shapes) and ``8 * 3A``
  (per array: entries held, NaN count, first NaN) bytes;
- per round: ``e * max_r s_r`` for the sample, ``s_r`` the sample entries of process ``r`` (in total
  ``min(SAMPLE, n / 32)`` for a range of ``n`` entries), and ``16`` for the counts (``8`` more when a
  round after a miss samples the shards again, filtered by the range: the sample sizes are gathered
  first);
- ``e * max_r b_r`` for the final exchange of the ``sum_r b_r`` entries of the range: at most
  ``EXCHANGE_MAX``, unless a round over the kept entries made no progress (not seen with the default
  constants, whose samples always hold more than twice the bracket's half-width).

A round shrinks a range of ``n`` entries to about ``n * (10 * sqrt(q (1 - q) / s) + 32 / s)`` entries,
``q`` the fraction of them kept and ``s = min(SAMPLE, n / 32)`` the sample size, so with shards of
equal size the total is at most about
``(R - 1) / R * e * (SAMPLE * rounds + EXCHANGE_MAX) + (R - 1) * 8 * (3A + 5 + 2 rounds)`` bytes: it
does not grow with ``N`` but for the number of rounds, about ``log(N / EXCHANGE_MAX) / log(1 / width)``
for a bracket holding the fraction ``width`` of its range (two for ResNet-50, ``N = 25.5e6``), where
gathering the weights costs ``(R - 1) / R * N * c`` per process. Measured on ResNet-50's float32
weights at sparsity 0.9 (``bench/distributed_topk.py``): 393,360 bytes per process with ``R = 2`` and
598,140 with ``R = 4``, against 51,005,824 and 76,508,736 for gathering the weights. ``k = 0`` and
``k = N`` cost the first two all-gathers only.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch.distributed.tensor import DTensor, Replicate, Shard

from iht.projection.errors import TORCH_FLOAT_DTYPES, check_k, item_name

#: all-gather into one tensor (named ``all_gather_into_tensor`` before torch 2.13)
_all_gather = getattr(dist, "all_gather_single", None) or dist.all_gather_into_tensor

#: sampled keys per round, over all processes (at most)
SAMPLE = 1 << 15
#: ranges of at most this many entries are exchanged whole
EXCHANGE_MAX = 1 << 16
#: entries per sampled one, at least
MIN_STRIDE = 32
#: half-width of the bracket: SIGMAS standard deviations of the sample quantile plus MARGIN sample
#: entries (as in bracket.py)
SIGMAS = 5.0
MARGIN = 16

Key = tuple[float, int]  # (magnitude, position): a cut between keys, see _better


@dataclass(frozen=True)
class DistributedTopK:
    """What :func:`distributed_topk` found, identical on every process except ``masks``.

    Attributes
    ----------
    masks : dict of str -> bool Tensor or DTensor
        The local masks, keyed and shaped like the local shards (a ``DTensor`` with the placements of
        its weight for a ``DTensor`` input).
    threshold : tuple of (float, int) or None
        The key ``(magnitude, position)`` of the ``k``-th kept entry; None for ``k = 0`` and ``k = N``
        (all False, all True: nothing to search).
    bytes_received : int
        Bytes that reached this process through the collectives (``R - 1`` times each gathered
        payload), the quantity of the module's formula.
    collectives : int
        Number of collective calls.
    rounds : int
        Bracket rounds (0 when the whole range was exchanged at once).
    exchanged : int
        Entries exchanged in the final all-gather, over all processes.
    """

    masks: dict[str, Any]
    threshold: Key | None
    bytes_received: int
    collectives: int
    rounds: int
    exchanged: int


@dataclass
class _Piece:
    """The local part of one array: a box ``offset + [0, local_shape)`` of the full array."""

    local: torch.Tensor
    full_shape: tuple[int, ...]
    offset: tuple[int, ...]
    start: int  # position of the full array's first entry in the concatenation
    owned: bool  # whether this process counts the entries (one replica of each)

    def positions(self, index: Any) -> Any:
        """Global positions of the local flat C-order indices ``index`` (an int64 tensor, or an int).

        They increase with the index: a box's C-order walk is in the C order of the full array.
        """
        position, rest, scale = self.start + index * 0, index, 1  # ``index * 0``: a tensor for a tensor
        for local, full, offset in zip(
            reversed(self.local.shape), reversed(self.full_shape), reversed(self.offset)
        ):
            position = position + (rest % local + offset) * scale
            rest = rest // local
            scale *= full
        return position

    def before(self, position: int) -> int:
        """How many local entries lie before the global ``position`` (binary search: they increase)."""
        low, high = 0, self.local.numel()
        while low < high:
            middle = (low + high) // 2
            if self.positions(middle) < position:
                low = middle + 1
            else:
                high = middle
        return low


class _Collectives:
    """All-gathers over ``group`` that count the bytes each process receives."""

    def __init__(self, group: Any, device: torch.device) -> None:
        self.group, self.device = group, device
        self.size = dist.get_world_size(group)
        self.bytes_received = self.calls = 0

    def gather_ints(self, values: Sequence[int]) -> torch.Tensor:
        """``(R, len(values))`` int64 tensor of every process's ``values`` (on the CPU)."""
        local = torch.tensor(list(values), dtype=torch.int64, device=self.device)
        return self._gather(local).reshape(self.size, -1).cpu()

    def gather_entries(
        self, magnitudes: torch.Tensor, positions: torch.Tensor, counts: Sequence[int] | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """All processes' entries, in process order; ``counts``: entries per process, if known."""
        if counts is None:
            counts = self.gather_ints([magnitudes.numel()])[:, 0].tolist()
        longest = max(counts)
        width = magnitudes.element_size()
        payload = torch.zeros(longest * (width + 8), dtype=torch.uint8, device=self.device)
        payload[: magnitudes.numel() * width] = _bytes(magnitudes)
        payload[longest * width : longest * width + positions.numel() * 8] = _bytes(positions)
        rows = self._gather(payload).reshape(self.size, -1)
        gathered = [
            (row[: n * width].clone().view(magnitudes.dtype),  # clones: aligned for the views
             row[longest * width :][: n * 8].clone().view(torch.int64))
            for row, n in zip(rows, counts)
        ]
        return torch.cat([m for m, _ in gathered]), torch.cat([p for _, p in gathered])

    def _gather(self, local: torch.Tensor) -> torch.Tensor:
        out = torch.empty(self.size * local.numel(), dtype=local.dtype, device=self.device)
        _all_gather(out, local, group=self.group)
        self.calls += 1
        self.bytes_received += (self.size - 1) * local.numel() * local.element_size()
        return out


def _bytes(values: torch.Tensor) -> torch.Tensor:
    """The bytes of ``values`` (a fresh unit-stride copy: slices of one element may keep a stride)."""
    fresh = torch.empty(values.numel(), dtype=values.dtype, device=values.device)
    return fresh.copy_(values).view(torch.uint8)


def _better(magnitudes: torch.Tensor, before: Callable[[int], int], cut: Key) -> torch.Tensor:
    """Bool tensor: the entries whose key beats ``cut`` (greater magnitude, or equal and lower position).

    The entries are in increasing global position, and ``before(p)`` says how many come before the
    position ``p``, so ties are settled without computing positions. The cut ``(m, p + 1)`` is beaten by
    the entries whose key is at least as good as ``(m, p)``: cuts name the gaps between keys.
    """
    magnitude, position = cut
    ties = magnitudes == magnitude
    ties[before(position) :] = False
    return ties.logical_or_(magnitudes > magnitude)


def _sorted_before(positions: torch.Tensor) -> Callable[[int], int]:
    """``before`` of :func:`_better` for entries with these (increasing) positions."""
    return lambda position: int(torch.searchsorted(positions, position))


def _best_first(magnitudes: torch.Tensor, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Entries sorted by key, best first (decreasing magnitude, then increasing position)."""
    order = torch.argsort(positions)
    order = order[torch.argsort(magnitudes[order], descending=True, stable=True)]
    return magnitudes[order], positions[order]


def _key(magnitudes: torch.Tensor, positions: torch.Tensor, index: int, after: int = 0) -> Key:
    """The cut just after entry ``index`` (``after=1``) or just before it (``after=0``)."""
    return float(magnitudes[index]), int(positions[index]) + after


class _Search:
    """The search for the ``k``-th best key; every process holds the same state (but its own entries).

    The range holding the answer is given by two cuts: the entries better than ``lower`` and not better
    than ``upper``. ``above[r]`` and ``inside[r]`` count, per process, the entries better than ``upper``
    and those in the range. Until a bracket holds, the range is scanned in the local shards
    (``candidates`` is None); afterwards in the ``candidates`` (magnitudes, positions) it left.
    """

    def __init__(self, pieces: list[_Piece], dtype: torch.dtype, k: int, held: list[int], total: int,
                 comm: _Collectives) -> None:
        self.pieces = [piece for piece in pieces if piece.owned and piece.local.numel()]
        self.dtype, self.k, self.comm = dtype, k, comm
        self.rank = dist.get_rank(comm.group)
        self.upper: Key = (math.inf, -1)
        self.lower: Key = (0.0, total)
        self.above = [0] * len(held)
        self.inside = list(held)
        self.candidates: tuple[torch.Tensor, torch.Tensor] | None = None
        self.everything = True  # the range is every entry (the sample sizes are known)
        self.rounds = 0

    def threshold(self) -> tuple[Key, int]:
        """The key of the ``k``-th best entry over all processes, and the number of entries exchanged."""
        while sum(self.inside) > EXCHANGE_MAX and self.round():
            pass
        if self.candidates is None:
            self.candidates = self.scan(self.upper, self.lower)[1]("hold")  # the range, collected
        magnitudes, positions = _best_first(*self.comm.gather_entries(*self.candidates, self.inside))
        return _key(magnitudes, positions, self.k - sum(self.above) - 1), magnitudes.numel()

    def round(self) -> bool:
        """One sample, bracket and counting pass; False when the range did not shrink."""
        self.rounds += 1
        from_shards = self.candidates is None
        total, want = sum(self.inside), self.k - sum(self.above)
        stride = max(MIN_STRIDE, total // SAMPLE)
        sample = _best_first(*self.comm.gather_entries(*self.sample(stride), self.sample_sizes(stride)))
        size = sample[0].numel()
        fraction = want / total  # of the range's entries ranked at or before the answer
        index = min(max(math.ceil(fraction * size) - 1, 0), size - 1)
        delta = int(SIGMAS * math.sqrt(size * fraction * (1.0 - fraction))) + MARGIN
        top = _key(*sample, index - delta) if 0 <= index - delta else self.upper
        bottom = _key(*sample, index + delta, after=1) if index + delta < size else self.lower
        local, kept = self.scan(top, bottom)
        counts = self.comm.gather_ints(local)
        better, bracketed = counts[:, 0].tolist(), counts[:, 1].tolist()
        if sum(better) < self.k <= sum(better) + sum(bracketed):  # the bracket holds the answer
            outcome, self.upper, self.lower, self.above, self.inside = "hold", top, bottom, better, bracketed
        elif self.k <= sum(better):  # the answer beats top: the range is what lies between upper and top
            outcome, self.lower = "beats top", top
            self.inside = [b - a for b, a in zip(better, self.above)]
        else:  # the answer is worse than bottom
            outcome, self.upper = "below bottom", bottom
            passed = [b + i for b, i in zip(better, bracketed)]
            self.inside = [n + a - p for n, a, p in zip(self.inside, self.above, passed)]
            self.above = passed
        self.everything = False
        self.candidates = kept(outcome)
        # A bracket holding the whole range makes progress only by leaving its entries as candidates.
        return sum(self.inside) < total or from_shards

    def sample(self, stride: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Every ``stride``-th local key of the range: of the candidates, or of the shards (filtered)."""
        if self.candidates is not None:
            return self.candidates[0][::stride], self.candidates[1][::stride]
        magnitudes, positions, offset = [], [], 0
        for piece in self.pieces:
            first, size = (-offset) % stride, piece.local.numel()
            index = torch.arange(first, max(first, size), stride, device=piece.local.device)
            offset += size
            magnitudes.append(piece.local.detach().reshape(-1)[index].to(self.dtype).abs())
            positions.append(piece.positions(index))
        magnitudes, positions = _concatenate(magnitudes, positions, self.dtype, self.comm.device)
        before = _sorted_before(positions)
        inside = _better(magnitudes, before, self.lower) & ~_better(magnitudes, before, self.upper)
        return magnitudes[inside], positions[inside]

    def sample_sizes(self, stride: int) -> list[int] | None:
        """Sample entries per process when every process can compute them, else None (gathered)."""
        if self.candidates is None and not self.everything:
            return None
        return [-(-n // stride) for n in self.inside]

    def scan(self, top: Key, bottom: Key) -> tuple[list[int], Callable[[str], Any]]:
        """Local counts ``[better than top, in the bracket]`` and the candidates each outcome leaves.

        Over the shards, the bracket's entries are collected in the counting pass (they are the next
        candidates if the bracket holds) and the first count includes every entry better than ``top``.
        """
        if self.candidates is None:
            magnitudes, positions, beaten = [], [], 0
            for piece in self.pieces:
                magnitude = self.magnitudes(piece)
                beats_top = _better(magnitude, piece.before, top)
                where = (_better(magnitude, piece.before, bottom) & ~beats_top).nonzero().reshape(-1)
                beaten += int(beats_top.count_nonzero())
                magnitudes.append(magnitude[where])
                positions.append(piece.positions(where))
            collected = _concatenate(magnitudes, positions, self.dtype, self.comm.device)
            return [beaten, collected[0].numel()], lambda outcome: collected if outcome == "hold" else None
        magnitudes, positions = self.candidates
        beats_top = _better(magnitudes, _sorted_before(positions), top)
        in_bracket = _better(magnitudes, _sorted_before(positions), bottom) & ~beats_top
        keep = {"hold": in_bracket, "beats top": beats_top, "below bottom": ~(beats_top | in_bracket)}
        local = [self.above[self.rank] + int(beats_top.count_nonzero()), int(in_bracket.count_nonzero())]
        return local, lambda outcome: (magnitudes[keep[outcome]], positions[keep[outcome]])

    def magnitudes(self, piece: _Piece) -> torch.Tensor:
        """``|x|`` of a local shard, flat, in the comparison dtype (exact)."""
        return piece.local.detach().reshape(-1).to(self.dtype).abs()


def _concatenate(magnitudes: list[torch.Tensor], positions: list[torch.Tensor], dtype: torch.dtype,
                 device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The pieces joined (empty tensors of the right dtypes when there are none)."""
    if not magnitudes:
        return torch.empty(0, dtype=dtype, device=device), torch.empty(0, dtype=torch.int64, device=device)
    return torch.cat(magnitudes), torch.cat(positions)


def distributed_topk(
    shards: Mapping[str, torch.Tensor],
    k: int,
    *,
    full_shapes: Mapping[str, Sequence[int]] | None = None,
    offsets: Mapping[str, int | Sequence[int]] | None = None,
    group: Any = None,
) -> DistributedTopK:
    """Masks of the ``k`` largest magnitudes over sharded arrays, and what finding them cost.

    Every process of ``group`` calls this with its own shards of the same arrays, in the same order, and
    the same ``k``. The masks are the local pieces of
    :func:`~iht.projection.topk.global_topk_masks` over the full arrays (same tie rule, on the positions
    in the full arrays): see the module docstring for the algorithm and the bytes it communicates.

    Parameters
    ----------
    shards : mapping of str -> Tensor or DTensor
        Real floating (float16, bfloat16, float32, float64; mixed dtypes are compared in the widest).
        A ``DTensor`` (e.g. a parameter of a model wrapped with FSDP2's ``fully_shard``) brings its full
        shape and placements: ``Shard(d)`` and ``Replicate()`` on a device mesh whose processes are those
        of ``group``. A plain tensor is the local shard of the array of shape ``full_shapes[name]``
        starting at index ``offsets[name]``; local shards may be empty, and the shards of an array over
        all processes must tile it.
    k : int
        Total number of kept entries, ``0 <= k <= N`` (the sum of the full sizes).
    full_shapes : mapping of str -> tuple of int, optional
        Full shapes of the arrays given as plain tensors.
    offsets : mapping of str -> int or tuple of int, optional
        Position of each plain shard in its full array: an int is a row offset along dimension 0 (the
        layout of ``Shard(0)``), a tuple the start index along every dimension.
    group : ProcessGroup, optional
        The processes sharing the arrays; the default group when None.

    Returns
    -------
    DistributedTopK
        ``masks`` keyed like ``shards``: bool tensors shaped like the local shards (a ``DTensor`` with
        the input's mesh and placements for a ``DTensor``), exactly ``k`` True over all processes
        (replicas counted once); the threshold key and the communication counts.

    Raises
    ------
    TypeError
        If an array is not a floating tensor, a placement is neither ``Shard`` nor ``Replicate``, or an
        offset or shape is not made of integers.
    ValueError
        If ``k`` is out of range, a plain shard lacks its full shape or offset or does not fit in it,
        the shards of an array do not tile it, an array holds NaN, or the processes disagree on the
        arrays, ``k`` or the dtype (every process raises the same error).

    Notes
    -----
    The checks of one process's own arguments (types, dtypes, shapes, offsets, ``k``) run before any
    communication, so a process that fails them raises while the others wait in the first all-gather:
    pass arguments of the same kinds on every process. The checks that need every process (tiling,
    NaN, agreement) raise on all of them.
    """
    if not dist.is_available() or not dist.is_initialized():
        raise RuntimeError("distributed_topk needs torch.distributed initialised (init_process_group)")
    if not isinstance(shards, Mapping) or not shards:
        raise TypeError(f"shards must be a non-empty mapping of name -> tensor; got {shards!r:.80}")
    group = group if group is not None else dist.group.WORLD
    pieces = [_piece(shards, name, full_shapes or {}, offsets or {}, group) for name in shards]
    starts = [0]
    for piece in pieces:
        piece.start = starts[-1]
        starts.append(starts[-1] + math.prod(piece.full_shape))
    total = starts[-1]
    k = check_k(k, total)
    dtype = pieces[0].local.dtype
    for piece in pieces[1:]:
        dtype = torch.promote_types(dtype, piece.local.dtype)
    devices = {str(piece.local.device) for piece in pieces}
    if len(devices) > 1:
        raise ValueError(f"shards must all be on one device; got devices {sorted(devices)}")
    comm = _Collectives(group, pieces[0].local.device)
    held = _check_agreement(shards, pieces, k, total, dtype, comm)
    threshold, exchanged, rounds = None, 0, 0
    if 0 < k < total:
        search = _Search(pieces, dtype, k, held, total, comm)
        threshold, exchanged = search.threshold()
        rounds = search.rounds
    masks = {}
    for (name, value), piece in zip(shards.items(), pieces):
        if threshold is None:
            mask = torch.full(piece.local.shape, k > 0, dtype=torch.bool, device=piece.local.device)
        else:
            magnitude = piece.local.detach().reshape(-1).to(dtype).abs()
            cut = (threshold[0], threshold[1] + 1)  # beaten by the threshold entry and the better ones
            mask = _better(magnitude, piece.before, cut).reshape(piece.local.shape)
        if isinstance(value, DTensor):
            mask = DTensor.from_local(mask, value.device_mesh, value.placements, run_check=False,
                                      shape=value.shape, stride=value.stride())
        masks[name] = mask
    return DistributedTopK(masks, threshold, comm.bytes_received, comm.calls, rounds, exchanged)


def distributed_global_topk_masks(shards: Mapping[str, torch.Tensor], k: int, **layout: Any) -> dict:
    """:func:`~iht.projection.topk.global_topk_masks` over sharded arrays: the local masks.

    ``distributed_topk(shards, k, **layout).masks``; ``layout`` holds the keywords ``full_shapes``,
    ``offsets`` and ``group`` of :func:`distributed_topk`.
    """
    return distributed_topk(shards, k, **layout).masks


def _piece(shards: Mapping[str, Any], name: str, full_shapes: Mapping[str, Any],
           offsets: Mapping[str, Any], group: Any) -> _Piece:
    """The layout of ``shards[name]`` on this process, checked."""
    value, label = shards[name], item_name(name, "shards")
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{label} must be a torch.Tensor or DTensor; got {type(value).__name__}")
    if str(value.dtype) not in TORCH_FLOAT_DTYPES:
        raise TypeError(
            f"{label} must have a real floating dtype (float16, bfloat16, float32 or float64); "
            f"got dtype {value.dtype}"
        )
    if isinstance(value, DTensor):
        return _dtensor_piece(value, label, group)
    if value.layout != torch.strided:
        raise TypeError(f"{label} must be a dense (strided) tensor; got layout {value.layout}")
    for mapping, what in ((full_shapes, "full_shapes"), (offsets, "offsets")):
        if name not in mapping:
            raise ValueError(
                f"{what} must give an entry for every plain tensor of shards; got no {item_name(name, what)}"
            )
    full_shape = _integers(full_shapes[name], item_name(name, "full_shapes"))
    offset = offsets[name]
    if isinstance(offset, int) and not isinstance(offset, bool):
        offset = (offset,) + (0,) * (len(full_shape) - 1) if full_shape else ()
    offset = _integers(offset, item_name(name, "offsets"))
    local_shape = tuple(value.shape)
    if len(full_shape) != value.ndim or len(offset) != value.ndim or any(
        o < 0 or o + n > f for o, n, f in zip(offset, local_shape, full_shape)
    ):
        raise ValueError(
            f"{item_name(name, 'offsets')} must place the local shard of shape {local_shape} inside "
            f"{item_name(name, 'full_shapes')}={full_shape}; got {item_name(name, 'offsets')}={offset}"
        )
    _check_nonempty(full_shape, label)
    return _Piece(value, full_shape, offset, 0, True)


def _dtensor_piece(value: DTensor, label: str, group: Any) -> _Piece:
    """Layout of a DTensor: its local tensor, box offset and whether this process owns the entries."""
    from torch.distributed.tensor._utils import compute_local_shape_and_global_offset

    mesh = value.device_mesh
    for placement in value.placements:
        if type(placement) not in (Shard, Replicate):
            raise TypeError(f"{label} must have Shard or Replicate placements; got {value.placements}")
    mesh_ranks = sorted(mesh.mesh.flatten().tolist())
    group_ranks = sorted(dist.get_process_group_ranks(group))
    if mesh_ranks != group_ranks:
        raise ValueError(
            f"group must hold the processes of the device mesh of {label}; got group ranks {group_ranks} "
            f"and mesh ranks {mesh_ranks}"
        )
    coordinate = mesh.get_coordinate()
    full_shape = tuple(value.shape)
    _check_nonempty(full_shape, label)
    _, offset = compute_local_shape_and_global_offset(full_shape, mesh, value.placements)
    owned = all(c == 0 for c, p in zip(coordinate, value.placements) if isinstance(p, Replicate))
    return _Piece(value.to_local(), full_shape, tuple(offset), 0, owned)


def _integers(values: Any, name: str) -> tuple[int, ...]:
    """``values`` as a tuple of non-negative ints."""
    try:
        items = tuple(values)
    except TypeError:
        items = None
    if items is None or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in items):
        raise TypeError(f"{name} must be a tuple of non-negative integers; got {name}={values!r}")
    return items


def _check_nonempty(full_shape: tuple[int, ...], label: str) -> None:
    if math.prod(full_shape) == 0:
        raise ValueError(f"{label} must be non-empty; got full shape {full_shape}")


def _check_agreement(shards: Mapping[str, Any], pieces: list[_Piece], k: int, total: int,
                     dtype: torch.dtype, comm: _Collectives) -> list[int]:
    """Check that the processes agree and the shards tile the arrays without NaN; entries per process.

    Every process gets the same gathered data, so a failure raises the same error on all of them.
    """
    layout = zlib.crc32(repr([(str(name), p.full_shape) for name, p in zip(shards, pieces)]).encode())
    fields = {"number of arrays": len(pieces), "total size": total, "k": k,
              "dtype": TORCH_FLOAT_DTYPES.index(str(dtype)), "names and full shapes (crc32)": layout}
    header = comm.gather_ints(list(fields.values()))
    for column, field in enumerate(fields):
        values = header[:, column].tolist()
        if len(set(values)) > 1:
            if field == "dtype":
                values = [TORCH_FLOAT_DTYPES[v] for v in values]
            raise ValueError(f"every process must pass the same arrays and k; got {field} {values} by rank")
    local = []
    for piece in pieces:
        held = piece.local.numel() if piece.owned else 0
        nan_count, first = 0, total
        if held and torch.isnan(piece.local.detach().sum()):
            nan = torch.isnan(piece.local.detach()).reshape(-1).nonzero().reshape(-1)
            nan_count = nan.numel()
            first = int(piece.positions(nan).min()) if nan_count else total
        local += [held, nan_count, first]
    gathered = comm.gather_ints(local).reshape(comm.size, len(pieces), 3)
    for name, piece, per_rank in zip(shards, pieces, gathered.unbind(1)):
        label, size = item_name(name, "shards"), math.prod(piece.full_shape)
        held = int(per_rank[:, 0].sum())
        if held != size:
            raise ValueError(
                f"{label} must be tiled by the shards of the processes (each entry held once); got {held} "
                f"entries held for a full shape {piece.full_shape} of {size}"
            )
        nan_count = int(per_rank[:, 1].sum())
        if nan_count:
            where = int(per_rank[:, 2].min()) - piece.start
            raise ValueError(
                f"{label} contains {nan_count} NaN value(s) (first at flat index {where}); "
                "magnitude top-k is undefined for NaN"
            )
    return gathered[:, :, 0].sum(1).tolist()
