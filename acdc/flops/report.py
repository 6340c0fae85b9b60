"""Markdown tables of FLOPs counts, for paper_experiments and READMEs (no ``tabulate`` needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from torch import nn

from acdc.flops.counter import FlopsCount, count_flops
from iht.tables import markdown_rows


def count_to_markdown(count: FlopsCount) -> str:
    """Per-layer table of a :class:`FlopsCount` in MFLOPs, followed by a line of totals in GFLOPs."""
    header = ["layer", "type", "output shape", "dense MFLOPs", "density", "sparse MFLOPs"]
    rows = [
        [
            r.layer,
            r.type,
            "×".join(map(str, r.output_shape)),
            f"{r.dense_flops / 1e6:.4g}",
            f"{r.density:.3f}",
            f"{r.sparse_flops / 1e6:.4g}",
        ]
        for r in count.rows.itertuples()
    ]
    dense, sparse = count.dense_flops, count.sparse_flops
    total = f"total: {dense / 1e9:.4g} GFLOPs dense, {sparse / 1e9:.4g} GFLOPs sparse ({sparse / dense:.3f}×)"
    note = f"{total} at input shape {count.input_shape}; 1 multiply-add = 2 FLOPs."
    return f"{markdown_rows(header, rows)}\n\n{note}"


def flops_report(model: nn.Module, input_shape: Sequence[int], masks: Mapping[str, Any] | None = None) -> str:
    """Markdown per-layer FLOPs table of ``model`` at ``input_shape`` (see :func:`count_flops`)."""
    return count_to_markdown(count_flops(model, input_shape, masks))
