"""Top-k threshold bracketing from a sample, and the one fused pass that uses the bracket (numpy).

Used by :func:`~iht.projection.selection.topk_masks` for large numpy inputs (and CPU tensors through
their numpy views). A strided sample of the magnitudes gives a bracket ``lo <= t <= hi`` around the
threshold ``t`` = k-th largest magnitude, wide enough (five standard deviations of the sample
quantile) that it holds for any but adversarial inputs. One pass over the arrays, in blocks that stay
in cache, then writes the masks ``|x| > hi`` (entries certainly kept), collects the positions and
magnitudes of the few entries inside the bracket and counts both, so the exact masks only need the
top ``k - count(|x| > hi)`` of the bracketed entries switched on. NaN, which compares neither below
``lo`` nor above ``hi``, lands among the collected entries, so detecting it costs nothing extra.

When the sample says that ``t`` lies inside a run of equal magnitudes (e.g. the zeros of weights that
are already sparse), the bracket is that single value ``v``: its entries are counted, not collected,
and :func:`switch_on_first_ties` turns on the first ones in a walk that stops when enough are found.
A bracket endpoint that is such a heavily repeated value is moved off it, so that the collected set
stays small; the single-value bracket at that value is kept as the next attempt. The pass can be
shared by a few threads: numpy releases the GIL inside its loops.

The sample only decides the speed: whether a bracket holds ``t`` is checked exactly from the counts
of the pass, and the caller falls back to the next attempt, then to the reference selection.

Arrays of different float dtypes are compared in their common dtype (``numpy.result_type``): the
sample, the bracket ends, the block magnitudes and the collected magnitudes all have it, and every
value converts to it exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

#: elements per block of the fused pass: the block's magnitudes and flags stay in the L2 cache
BLOCK = 1 << 18
#: number of sampled magnitudes (at most)
SAMPLE = 1 << 17
#: entries per sampled one, at least: small inputs get a small sample, cheap to sort
MIN_STRIDE = 32
#: half-width of the bracket in standard deviations of the sample quantile
_SIGMAS = 5.0


@dataclass(frozen=True)
class Bracket:
    """Magnitudes ``lo <= hi`` believed to enclose the threshold; ``lo == hi``: a single value."""

    lo: np.floating
    hi: np.floating

    @property
    def single(self) -> bool:
        """True for a one-value bracket, whose entries are counted rather than collected."""
        return bool(self.lo == self.hi)


@dataclass(frozen=True)
class Scan:
    """What one fused pass learned.

    Attributes
    ----------
    above : int
        Entries with ``|x| > hi`` (already True in the masks).
    inside : int
        Entries with ``lo <= |x| <= hi``.
    positions : list of ndarray
        Per array, flat indices (increasing) of the entries inside the bracket; empty for a
        single-value bracket.
    magnitudes : ndarray
        Their magnitudes, concatenated in array order (the global order of the tie rule).
    has_nan : bool
        Whether some entry is NaN (the masks are then meaningless).
    """

    above: int
    inside: int
    positions: list[np.ndarray]
    magnitudes: np.ndarray
    has_nan: bool


def _sample(flats: Sequence[np.ndarray], total: int) -> np.ndarray:
    """Magnitudes at every ``stride``-th position of the concatenation (a new array, unsorted)."""
    stride = max(MIN_STRIDE, total // SAMPLE)
    pieces, offset = [], 0
    for flat in flats:
        pieces.append(np.abs(flat[(-offset) % stride :: stride]))
        offset += flat.size
    return np.concatenate(pieces)


def brackets(flats: Sequence[np.ndarray], k: int) -> list[Bracket]:
    """Brackets to try, in order, for the k-th largest magnitude over ``flats`` (``1 <= k``).

    Parameters
    ----------
    flats : sequence of 1-D ndarray
        Flattened floating arrays, in the order of the tie rule.
    k : int
        Number of kept entries, ``1 <= k <= total size``.
    """
    total = sum(flat.size for flat in flats)
    sample = _sample(flats, total)
    size = sample.size
    below = (total - k) / total  # fraction of entries ranked after the threshold
    index = min(int(below * size), size - 1)
    delta = int(_SIGMAS * math.sqrt(size * below * (1.0 - below))) + 16
    zero, inf = sample.dtype.type(0), sample.dtype.type(np.inf)
    ends = [i for i in (index - delta, index + delta) if 0 <= i < size]
    if ends:
        sample.partition(ends)  # linear time: only the two order statistics are needed, not a sort
    lo = sample[index - delta] if index >= delta else zero
    hi = sample[index + delta] if index + delta < size else inf
    if lo == hi:
        return [Bracket(lo, hi)]
    attempts = []
    if np.count_nonzero(sample == lo) > delta:  # lo is a heavily repeated value
        attempts.append(Bracket(lo, lo))
        lo = np.nextafter(lo, inf)
    if np.count_nonzero(sample == hi) > delta:
        attempts.append(Bracket(hi, hi))
        hi = np.nextafter(hi, zero)
    return [Bracket(lo, hi), *attempts]


def _blocks(flats: Sequence[np.ndarray], workers: int) -> list[list[tuple[int, int, int]]]:
    """``(array index, start, stop)`` blocks in concatenation order, cut into ``workers`` runs."""
    blocks = [
        (index, start, min(start + BLOCK, flat.size))
        for index, flat in enumerate(flats)
        for start in range(0, flat.size, BLOCK)
    ]
    total = sum(flat.size for flat in flats)
    runs: list[list[tuple[int, int, int]]] = [[] for _ in range(workers)]
    done = 0
    for block in blocks:
        runs[min(workers - 1, done * workers // total)].append(block)
        done += block[2] - block[1]
    return [run for run in runs if run]


def _scan_run(
    flats: Sequence[np.ndarray],
    masks: Sequence[np.ndarray],
    bracket: Bracket,
    run: list[tuple[int, int, int]],
) -> tuple[int, int, bool, list[tuple[int, np.ndarray, np.ndarray]]]:
    """The fused pass over one run of blocks: (above, inside, has_nan, [(array, positions, |x|)])."""
    longest = max(stop - start for _, start, stop in run)
    magnitude = np.empty(longest, dtype=np.result_type(*flats))
    flags = np.empty(longest, dtype=bool)
    above = inside = 0
    has_nan = False
    found = []
    for index, start, stop in run:
        block_magnitude, block_flags = magnitude[: stop - start], flags[: stop - start]
        block_mask = masks[index][start:stop]
        np.abs(flats[index][start:stop], out=block_magnitude)
        np.greater(block_magnitude, bracket.hi, out=block_mask)
        np.less(block_magnitude, bracket.lo, out=block_flags)
        # |x| < lo and |x| > hi exclude each other, so "neither" is: lo <= |x| <= hi, or NaN
        np.equal(block_flags, block_mask, out=block_flags)
        above += np.count_nonzero(block_mask)
        if bracket.single:
            inside += np.count_nonzero(block_flags)
            has_nan |= bool(np.isnan(block_magnitude.max()))
            continue
        where = np.flatnonzero(block_flags)
        inside += where.size
        found.append((index, where + start, block_magnitude[where]))
    return above, inside, has_nan, found


def scan(
    flats: Sequence[np.ndarray], masks: Sequence[np.ndarray], bracket: Bracket, workers: int = 1
) -> Scan:
    """One pass: write ``masks = |x| > hi``; count and (unless single) collect the bracketed entries.

    Parameters
    ----------
    flats : sequence of 1-D ndarray
        Flattened floating arrays (compared in their common dtype).
    masks : sequence of 1-D bool ndarray
        Outputs, one per array, overwritten.
    bracket : Bracket
    workers : int
        Threads sharing the blocks (numpy releases the GIL inside its loops).
    """
    runs = _blocks(flats, workers)
    if len(runs) == 1:
        results = [_scan_run(flats, masks, bracket, runs[0])]
    else:
        with ThreadPoolExecutor(len(runs)) as pool:
            results = list(pool.map(lambda run: _scan_run(flats, masks, bracket, run), runs))
    found = [piece for *_, pieces in results for piece in pieces]
    by_array: list[list[np.ndarray]] = [[] for _ in flats]
    for index, where, _ in found:
        by_array[index].append(where)
    positions = [np.concatenate(pieces) if pieces else np.empty(0, np.intp) for pieces in by_array]
    empty = np.empty(0, np.result_type(*flats))
    magnitudes = np.concatenate([magnitude for *_, magnitude in found] or [empty])
    return Scan(
        above=sum(result[0] for result in results),
        inside=sum(result[1] for result in results),
        positions=positions,
        magnitudes=magnitudes,
        has_nan=any(result[2] for result in results) or bool(np.isnan(magnitudes).any()),
    )


def switch_on_first_ties(
    flats: Sequence[np.ndarray], masks: Sequence[np.ndarray], value: np.floating, count: int
) -> None:
    """Set True the first ``count`` entries with ``|x| == value``, in concatenation order."""
    for flat, mask in zip(flats, masks):
        for start in range(0, flat.size, BLOCK):
            if count == 0:
                return
            stop = min(start + BLOCK, flat.size)
            tied = np.abs(flat[start:stop], dtype=value.dtype) == value
            found = np.count_nonzero(tied)
            if found <= count:
                np.logical_or(mask[start:stop], tied, out=mask[start:stop])
            else:
                mask[start + np.flatnonzero(tied)[:count]] = True
            count -= min(found, count)
