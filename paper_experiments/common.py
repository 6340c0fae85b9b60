"""What every experiment shares: its registry entry, presets and overrides, provenance, output files.

An experiment module holds a frozen config dataclass (a subclass of :class:`ExperimentConfig`), its
``quick`` and ``full`` presets, one ``run(config, out) -> pandas.DataFrame`` and an
:class:`Experiment` entry. ``run`` writes into ``out``:

================  ==========================================================================
``results.csv``   tidy data: one row per run, with ``seed``, ``git_revision`` and ``config``
``table.md``      the markdown table of the paper's table or figure being reproduced
``config.json``   the experiment, its configuration and the git revision
``*.png``         figures, drawn from the tables
================  ==========================================================================
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from acdc.config import git_revision
from acdc.data import DEFAULT_ROOT
from iht import tables
from iht.validation import check_choice, check_int, check_sparsity

PRESET_NAMES = ("quick", "full")
COUNT_FIELDS = ("seeds", "instances")
DEFAULT_OUT = Path("runs/paper_experiments")
"""Parent of each experiment's default output folder (``runs/paper_experiments/<name>``)."""


@dataclass(frozen=True)
class ExperimentConfig:
    """Fields of every experiment: the base ``seed`` (runs with several seeds use ``seed, seed + 1, …``).

    Validation by naming convention, for every subclass: ``seed >= 0``; counts (``seeds``, ``*_seeds``,
    ``instances``) ``>= 1``; every value of a ``*sparsities`` field in ``[0, 1)``.
    """

    seed: int = 0

    def __post_init__(self) -> None:
        check_int(self.seed, "seed", 0)
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in COUNT_FIELDS or field.name.endswith("_seeds"):
                check_int(value, field.name, 1)
            if field.name.endswith("sparsities"):
                for sparsity in value:
                    check_sparsity(sparsity, field.name)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (tuples as lists)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))


@dataclass(frozen=True)
class Experiment:
    """Registry entry of one experiment.

    Attributes
    ----------
    name : str
        Command-line name.
    reproduces : str
        The table or figure of Peste et al. (2021) it reproduces, in words.
    presets : mapping of str -> ExperimentConfig
        ``quick`` (seconds, the CI smoke test) and ``full`` (at most about an hour on 2 CPU cores).
    run : callable ``(config, out) -> pandas.DataFrame``
    needs_fashion_mnist : bool
        Whether it reads Fashion-MNIST (``/usr/share/datasets/fashion-mnist``).
    """

    name: str
    reproduces: str
    presets: Mapping[str, ExperimentConfig]
    run: Callable[[Any, Path], pd.DataFrame]
    needs_fashion_mnist: bool = False

    def configure(self, preset: str = "full", seed: int | None = None,
                  overrides: Mapping[str, Any] | None = None) -> ExperimentConfig:
        """The ``preset`` config with ``seed`` and ``overrides`` applied.

        Raises
        ------
        ValueError
            If ``preset`` is not ``quick``/``full``, or an override names a key the config lacks.
        """
        config = self.presets[check_choice(preset, "preset", PRESET_NAMES)]
        changes = {key: tuple(v) if isinstance(v, list) else v for key, v in (overrides or {}).items()}
        allowed = sorted(f.name for f in dataclasses.fields(config))
        unknown = sorted(set(changes) - set(allowed))
        if unknown:
            raise ValueError(
                f"unknown config key(s) {unknown} for experiment {self.name!r}; allowed: {allowed}"
            )
        if seed is not None:
            changes["seed"] = seed
        return dataclasses.replace(config, **changes)



def output_folder(out: str | Path) -> Path:
    """``out`` as a path, created with its parents."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def seeds_of(config: ExperimentConfig, count: int) -> tuple[int, ...]:
    """The ``count`` seeds ``config.seed, config.seed + 1, …`` of a repeated run."""
    return tuple(range(config.seed, config.seed + check_int(count, "seeds", 1)))


def log_progress(message: str) -> None:
    """One timestamped line on stderr: long experiments report each training run as it starts and ends."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tidy(rows: Iterable[Mapping[str, Any]], config: ExperimentConfig) -> pd.DataFrame:
    """One row per run, with the ``git_revision`` and the experiment ``config`` (JSON) appended."""
    revision, text = git_revision(), json.dumps(config.to_dict(), sort_keys=True)
    frame = pd.DataFrame([dict(row) for row in rows])
    return frame.assign(git_revision=revision, config=text)


def mean_std(frame: pd.DataFrame, by: Sequence[str], values: Sequence[str]) -> pd.DataFrame:
    """Per group of ``by``: ``"mean ± std"`` (sample std over seeds; mean alone for one run) of ``values``."""

    def describe(series: pd.Series) -> str:
        series = series.dropna()
        if series.empty:
            return "–"
        if len(series) == 1:
            return f"{series.iloc[0]:.4g}"
        std = 0.0 if series.nunique() == 1 else series.std()  # equal runs: 0, not a rounding residue
        return f"{series.mean():.4g} ± {std:.2g}"

    return frame.groupby(list(by), sort=False)[list(values)].agg(describe).reset_index()


def markdown_table(frame: pd.DataFrame) -> str:
    """``frame`` as the experiments' tables write it: :func:`iht.tables.markdown_table` with floats to 4
    significant digits and NaN as ``–``, ending with a newline."""
    return tables.markdown_table(frame, ".4g", nan="–") + "\n"


def write_outputs(out: Path, experiment: str, config: ExperimentConfig, results: pd.DataFrame,
                  table: pd.DataFrame, title: str, notes: str = "") -> None:
    """Write ``results.csv`` (tidy), ``table.md`` (``title``, ``table``, ``notes``) and ``config.json``."""
    results.to_csv(out / "results.csv", index=False)
    text = f"# {title}\n\n{markdown_table(table)}"
    (out / "table.md").write_text(text + (f"\n{notes.strip()}\n" if notes else ""), encoding="utf-8")
    record = {"experiment": experiment, "config": config.to_dict(), "git_revision": git_revision()}
    (out / "config.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def fashion_mnist_missing(root: str | Path = DEFAULT_ROOT) -> str | None:
    """Why Fashion-MNIST cannot be read from ``root`` (with how to install it), or None when it can."""
    files = [f"{split}-{kind}-ubyte.gz" for split in ("train", "t10k")
             for kind in ("images-idx3", "labels-idx1")]
    missing = [name for name in files if not (Path(root) / name).is_file()]
    if not missing:
        return None
    return (f"Fashion-MNIST files {missing} are missing from {root}: "
            f"apt-get install -y dataset-fashion-mnist (Debian) or pass data_root")
