"""The AC/DC schedule: a pure map from a counter to a phase, built from validated boundaries.

One schedule serves both implementations of AC/DC (Peste et al., NeurIPS 2021, Algorithm 1): torch
training (:mod:`acdc`) counts **epochs**, the numpy solver :func:`iht.solvers.acdc_iht` counts
**optimisation steps**. The unit is the caller's choice: the schedule only partitions the integers
``[0, length)``. Its API names the unit "epoch" (``Schedule.epochs``, ``phase_at(epoch)``); read
"step" when it drives ``acdc_iht``. This module does not import torch.

Units are 0-based and spans half-open: ``PhaseSpan("dense", 0, 10)`` covers units 0–9. A valid
:class:`Schedule` covers ``[0, epochs)`` with no gap and no overlap, alternates dense and compressed
spans, and ends on a compressed span (AC/DC returns a sparse model; Peste et al., NeurIPS 2021,
Section 3.2, Algorithm 1). The loop that uses it owns the counter; the schedule holds no state.

Builders
--------
``paper_schedule(epochs=100)``
    Section 4: dense warm-up 0–9; compressed 10–14, 20–24, …, 70–74 with dense 15–19, …, 65–69 in
    between; dense 75–84; compressed 85–99 (50 dense, 50 compressed epochs). Other budgets scale the
    boundaries (see :func:`paper_schedule`); ``paper_schedule(n_iter)`` is the same shape in steps.
``alternating_schedule(...)``
    Algorithm 1 with its lengths Δ_w, Δ_c, Δ_d, the longer last decompressed phase Δ_D and the final
    compressed fine-tuning phase.
``lm_schedule()``
    The Transformer-XL recipe of Section 4 (dense 5, alternate 3/3, long dense, final compressed).
``Schedule.from_lengths([("dense", 3), ("compressed", 2), ...])``
    Any custom sequence.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from iht.validation import check_choice, check_int


class Phase(str, Enum):
    """Kind of a phase; the value is the plain string stored in metrics, checkpoints and the
    ``history.phase`` of :func:`~iht.solvers.acdc_iht`."""

    DENSE = "dense"
    COMPRESSED = "compressed"


PHASE_NAMES = tuple(p.value for p in Phase)


@dataclass(frozen=True)
class PhaseSpan:
    """Epochs ``start, …, stop - 1`` trained in ``phase``."""

    phase: Phase
    start: int
    stop: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "phase", Phase(check_choice(self.phase, "phase", PHASE_NAMES)))
        check_int(self.start, "start", 0)
        check_int(self.stop, "stop", self.start + 1)

    def __len__(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class Schedule:
    """A validated partition of epochs ``[0, epochs)`` into alternating spans, ending compressed.

    Parameters
    ----------
    spans : sequence of PhaseSpan or (phase, start, stop) tuples
        In any order; they are sorted by ``start`` and checked for overlaps and gaps.

    Raises
    ------
    ValueError
        Empty schedule, a span that does not start at 0, overlapping spans, a gap, two consecutive
        spans of the same phase, or a last span that is not compressed.
    """

    spans: tuple[PhaseSpan, ...]

    def __post_init__(self) -> None:
        spans = tuple(s if isinstance(s, PhaseSpan) else PhaseSpan(*s) for s in self.spans)
        if not spans:
            raise ValueError("spans must contain at least one phase; got an empty schedule")
        spans = tuple(sorted(spans, key=lambda s: (s.start, s.stop)))
        if spans[0].start != 0:
            raise ValueError(
                f"the schedule must start at epoch 0; got a first span starting at {spans[0].start}"
            )
        for before, after in itertools.pairwise(spans):
            if after.start < before.stop:
                raise ValueError(
                    f"schedule spans overlap: {_describe(before)} and {_describe(after)} both contain "
                    f"epoch {after.start}"
                )
            if after.start > before.stop:
                raise ValueError(
                    f"schedule has a gap: epochs {before.stop}–{after.start - 1} belong to no span "
                    f"(between {_describe(before)} and {_describe(after)})"
                )
            if after.phase == before.phase:
                raise ValueError(
                    f"schedule spans must alternate dense and compressed; got {_describe(before)} "
                    f"followed by {_describe(after)}"
                )
        if spans[-1].phase is not Phase.COMPRESSED:
            raise ValueError(
                f"the schedule must end on a compressed phase (AC/DC returns a sparse model); "
                f"got a last span {_describe(spans[-1])}"
            )
        object.__setattr__(self, "spans", spans)

    @classmethod
    def from_lengths(cls, lengths: Sequence[tuple[str | Phase, int]]) -> Schedule:
        """Schedule of consecutive ``(phase, number of epochs)`` pairs, starting at epoch 0."""
        spans, start = [], 0
        for phase, length in lengths:
            length = check_int(length, "length", 1)
            spans.append(PhaseSpan(phase, start, start + length))
            start += length
        return cls(tuple(spans))

    @property
    def epochs(self) -> int:
        """Total number of epochs."""
        return self.spans[-1].stop

    def span_at(self, epoch: int) -> PhaseSpan:
        """The span containing ``epoch`` (``0 <= epoch < epochs``)."""
        epoch = check_int(epoch, "epoch", 0, self.epochs - 1)
        return self.spans[bisect.bisect_right([s.start for s in self.spans], epoch) - 1]

    def phase_at(self, epoch: int) -> Phase:
        """Phase of ``epoch``: a pure function of the epoch."""
        return self.span_at(epoch).phase

    def phase_at_step(self, step: int, steps_per_epoch: int) -> Phase:
        """Phase of optimiser step ``step`` (0-based) when each epoch has ``steps_per_epoch`` steps."""
        steps_per_epoch = check_int(steps_per_epoch, "steps_per_epoch", 1)
        step = check_int(step, "step", 0, self.epochs * steps_per_epoch - 1)
        return self.phase_at(step // steps_per_epoch)

    def starts_phase(self, epoch: int) -> bool:
        """Whether ``epoch`` is the first epoch of its span (a phase boundary)."""
        return self.span_at(epoch).start == epoch

    def epochs_in(self, phase: Phase | str) -> int:
        """Number of epochs spent in ``phase``."""
        return sum(len(s) for s in self.spans if s.phase == Phase(phase))


def _describe(span: PhaseSpan) -> str:
    return f"{span.phase.value} {span.start}–{span.stop - 1}"


def alternating_schedule(
    warmup: int, compressed: int, decompressed: int, n_compressed: int, final_decompressed: int,
    final_compressed: int,
) -> Schedule:
    """Algorithm 1 of Peste et al. (2021) with explicit phase lengths (in epochs).

    Dense warm-up of ``warmup`` (Δ_w) epochs; then ``n_compressed`` compressed phases of
    ``compressed`` (Δ_c) epochs, each followed by a decompressed phase of ``decompressed`` (Δ_d)
    epochs except the last one, which is followed by the longer ``final_decompressed`` (Δ_D) phase;
    then the compressed fine-tuning phase of ``final_compressed`` epochs.

    ``alternating_schedule(10, 5, 5, 7, 10, 15)`` is the paper's 100-epoch recipe (Section 4).
    """
    n_compressed = check_int(n_compressed, "n_compressed", 1)
    lengths: list[tuple[Phase, int]] = [(Phase.DENSE, warmup)]
    for i in range(n_compressed):
        lengths.append((Phase.COMPRESSED, compressed))
        lengths.append((Phase.DENSE, final_decompressed if i == n_compressed - 1 else decompressed))
    lengths.append((Phase.COMPRESSED, final_compressed))
    return Schedule.from_lengths(lengths)


PAPER_EPOCHS = 100
MIN_PAPER_EPOCHS = 20
"""Shortest :func:`paper_schedule`: the recipe's 16 spans each keep at least one unit from here on."""
PAPER_RECIPE = (10, 5, 5, 7, 10, 15)
"""Arguments of :func:`alternating_schedule` for the 100-epoch ImageNet recipe (Section 4)."""


def paper_schedule(epochs: int = PAPER_EPOCHS) -> Schedule:
    """The paper's recipe (Section 4), scaled to ``epochs``.

    Every boundary ``b`` of the 100-epoch recipe (10, 15, 20, …, 75, 85) moves to
    ``floor(b * epochs / 100 + 1/2)``, computed exactly. Boundaries of the 100-epoch recipe are at least
    5 apart, so every span keeps at least one epoch when ``epochs >= 20``.

    Raises
    ------
    ValueError
        If ``epochs < 20`` (use :func:`alternating_schedule` or :meth:`Schedule.from_lengths`).
    """
    epochs = check_int(epochs, "epochs", MIN_PAPER_EPOCHS)
    recipe = alternating_schedule(*PAPER_RECIPE)
    scale = Fraction(epochs, PAPER_EPOCHS)

    def scaled(boundary: int) -> int:
        return math.floor(boundary * scale + Fraction(1, 2))

    return Schedule(tuple(PhaseSpan(s.phase, scaled(s.start), scaled(s.stop)) for s in recipe.spans))


LM_RECIPE = (5, 3, 3, 5, 7, 9)
"""Arguments of :func:`alternating_schedule` for the Transformer-XL recipe (Section 4)."""


def lm_schedule() -> Schedule:
    """The language-model preset of Section 4: 48 epochs.

    The paper numbers these epochs from 1: dense warm-up 1–5, compressed and decompressed phases of 3
    epochs alternating (compressed 6–8, …, 30–32), a longer decompressed phase 33–39 and the final
    compressed phase 40–48. With this library's 0-based epochs that is dense 0–4, compressed 5–7,
    dense 8–10, …, compressed 29–31, dense 32–38, compressed 39–47.
    """
    return alternating_schedule(*LM_RECIPE)


def parse_schedule(text: str, epochs: int) -> Schedule:
    """Schedule from a command-line value: ``paper``, ``lm`` or ``dense:3,compressed:2,...``.

    ``epochs`` scales ``paper``; for the other forms it must equal the schedule's length.
    """
    if text == "paper":
        return paper_schedule(epochs)
    if text == "lm":
        schedule = lm_schedule()
    else:
        lengths = []
        for item in text.split(","):
            phase, sep, length = item.partition(":")
            if not sep or not length.strip().isdigit():
                raise ValueError(
                    f"schedule must be 'paper', 'lm' or comma-separated phase:epochs items "
                    f"(e.g. 'dense:3,compressed:2'); got schedule={text!r}"
                )
            lengths.append((phase.strip(), int(length)))
        schedule = Schedule.from_lengths(lengths)
    if schedule.epochs != epochs:
        raise ValueError(f"epochs must equal the schedule's {schedule.epochs} epochs for schedule={text!r}; "
                         f"got epochs={epochs}")
    return schedule
