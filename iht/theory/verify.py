"""``python -m iht verify``: run the verification suite and write its outputs to a folder.

Outputs (in ``out``): ``table.csv`` (one row per instance × solver × bound × hypothesis),
``curves.csv`` (mean gap per iteration), ``slopes.csv`` (stationary gap against σ²),
``iterations.csv`` (iterations to reach ε), ``refuted_c.csv``, ``phase_transition.csv``, the PNG
figures of :mod:`iht.theory.figures`, ``report.md`` and ``config.json`` (the configuration,
preset, git revision, run time and output list).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from iht.provenance import git_revision
from iht.theory import figures
from iht.theory.config import PRESETS, VerifyConfig, parse_setting
from iht.theory.phase_transition import run_phase_transition
from iht.theory.report import build_report
from iht.theory.runner import run_grid
from iht.theory.summary import refuted_c, violation_lines
from iht.validation import check_choice

#: Default output folder of ``python -m iht verify``.
DEFAULT_OUT = Path("runs/verify")


@dataclass(frozen=True)
class VerifyOutputs:
    """What :func:`run_verify` produced: the tables and the paths written."""

    table: pd.DataFrame
    phase: pd.DataFrame
    paths: dict[str, Path]
    slopes: pd.DataFrame
    violations: list[str]
    seconds: float


def resolve_config(preset: str = "default", seed: int | None = None,
                   settings: Sequence[str] = ()) -> VerifyConfig:
    """The named preset, with ``seed`` replaced when given, then the ``--set KEY=VALUE`` ``settings``
    applied in order (dotted keys for nested fields: :func:`iht.theory.config.parse_setting`).

    Raises
    ------
    ValueError
        For an unknown preset or key (the message lists the allowed ones) or a value out of range.
    TypeError
        For a value of the wrong type.
    """
    config = PRESETS[check_choice(preset, "preset", PRESETS)]
    config = config if seed is None else config.replace(seed=seed)
    for text in settings:
        key, value = parse_setting(text, config)
        config = config.replace(**{key: value})
    return config


def run_verify(out: Path | str = DEFAULT_OUT, config: VerifyConfig | None = None, preset: str = "default",
               progress: bool = True) -> VerifyOutputs:
    """Run the grid and the phase-transition sweep, write every output into ``out``.

    Parameters
    ----------
    out : path
        Output folder (created if missing; files of a previous run are overwritten).
    config : VerifyConfig, optional
        Defaults to ``PRESETS[preset]``.
    preset : str
        Name recorded in the report and ``config.json`` (and used when ``config`` is None).
    progress : bool
        Show tqdm progress bars on stderr.
    """
    config = resolve_config(preset) if config is None else config
    start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    revision = git_revision()
    grid = run_grid(config, progress=progress)
    phase = run_phase_transition(config, progress=progress)
    tables = {"table": grid.table, "curves": grid.curves, "slopes": grid.slopes,
              "iterations": grid.iterations, "refuted_c": refuted_c(grid.table), "phase_transition": phase}
    paths = {}
    for name, frame in tables.items():
        paths[name] = out / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    paths["convergence"] = figures.convergence_figure(grid.table, grid.curves, out / "convergence.png")
    paths["ratios"] = figures.ratio_figure(grid.table, out / "ratios.png")
    paths["noise_slope"] = figures.slope_figure(grid.slopes, out / "noise_slope.png")
    paths["iterations_figure"] = figures.iteration_figure(grid.iterations, out / "iterations.png")
    paths["refuted_c_figure"] = figures.refuted_c_figure(grid.table, out / "refuted_c.png")
    paths["phase_transition_figure"] = figures.phase_transition_figure(phase, out / "phase_transition.png")
    figure_names = [p.name for key, p in paths.items() if p.suffix == ".png"]
    seconds = time.perf_counter() - start
    report = build_report(grid.table, phase, config, preset, revision, grid.skipped, figure_names,
                          grid.slopes, grid.iterations, seconds)
    paths["report"] = out / "report.md"
    paths["report"].write_text(report, encoding="utf-8")
    paths["config"] = out / "config.json"
    record = {"preset": preset, "git_revision": revision, "config": config.to_dict(), "seconds": seconds,
              "outputs": sorted(p.name for p in paths.values())}
    paths["config"].write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
    return VerifyOutputs(grid.table, phase, paths, grid.slopes, violation_lines(grid.table, grid.slopes),
                         seconds)
