"""GitHub-flavoured markdown tables: the one implementation behind every table the project writes.

Used by the theory report (:mod:`iht.theory.report`), the FLOPs report (:mod:`acdc.flops.report`) and
the experiments' ``table.md`` files (:mod:`paper_experiments.common`). Imports neither pandas nor torch:
a data frame is read through ``columns`` and ``itertuples``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["markdown_rows", "markdown_table"]


def _cell(value: Any, floatfmt: str, nan: str | None) -> str:
    """A float formatted with ``floatfmt`` (NaN as ``nan`` when given); anything else as ``str``, with
    ``|`` escaped so that it cannot split the cell."""
    if isinstance(value, float):
        return nan if nan is not None and math.isnan(value) else format(value, floatfmt)
    return str(value).replace("|", "\\|")


def markdown_rows(header: Sequence[Any], rows: Iterable[Sequence[Any]], floatfmt: str = ".3g",
                  nan: str | None = None) -> str:
    """A markdown table of ``header`` and ``rows``, one line per row, without a trailing newline.

    Parameters
    ----------
    header : sequence
        Column names, written with ``str`` (``|`` escaped).
    rows : iterable of sequences
        The cells, as many per row as ``header`` has names.
    floatfmt : str
        Format spec of float cells (``format(value, floatfmt)``); other cells are written with ``str``.
    nan : str, optional
        How a NaN float is written; None: like any float (``nan``).
    """
    lines = ["| " + " | ".join(str(name).replace("|", "\\|") for name in header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value, floatfmt, nan) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown_table(frame: pd.DataFrame, floatfmt: str = ".3g", nan: str | None = None) -> str:
    """``frame`` (its columns, not its index) as a markdown table: :func:`markdown_rows` of its rows."""
    return markdown_rows(list(frame.columns), frame.itertuples(index=False), floatfmt, nan)
