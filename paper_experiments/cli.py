"""``python -m paper_experiments list | run NAME|all [--quick|--full] [--out DIR] [--seed S] [--set K=V]
[--threads N]``.

Bad input (an unknown experiment, preset or config key, a bad ``--set`` value, missing data, an output
folder that is a file) prints one line ``error: …`` and exits with status 2 before anything runs
(``ACDC_TRACEBACK=1`` for the traceback; see :mod:`iht.cli_support`).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from iht.cli_support import (
    add_threads_argument,
    check_output_folder,
    parse_key_value,
    run_cli,
    set_threads,
    user_input,
)
from paper_experiments.common import DEFAULT_OUT, markdown_table
from paper_experiments.registry import EXPERIMENTS, resolve

ALL = "all"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m paper_experiments``."""
    parser = argparse.ArgumentParser(prog="python -m paper_experiments",
                                     description="Regenerate the analogues of the AC/DC paper's tables and "
                                                 "figures (Peste et al., NeurIPS 2021, Section 4).")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the experiments with their presets")
    run = commands.add_parser("run", help="run one experiment, or all of them")
    run.add_argument("name", help=f"one of {', '.join(EXPERIMENTS)}, or {ALL!r}")
    size = run.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="preset", action="store_const", const="quick",
                      help="seconds per experiment: tiny subsets, few epochs, one seed (the CI smoke test)")
    size.add_argument("--full", dest="preset", action="store_const", const="full",
                      help="the 2-core CPU scale, at most about an hour per experiment (default)")
    run.set_defaults(preset="full")
    run.add_argument("--out", type=Path, default=None,
                     help=f"output folder (default {DEFAULT_OUT}/NAME; with {ALL!r}: DIR/NAME each)")
    run.add_argument("--seed", type=int, default=None, help="base seed (default: the preset's, 0)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override a config field, e.g. --set epochs=20 --set 'sparsities=(0.8, 0.9)'")
    add_threads_argument(run)
    return parser


def describe() -> str:
    """One line per experiment: name, what it reproduces, and whether it needs Fashion-MNIST."""
    width = max(map(len, EXPERIMENTS))
    return "\n".join(f"{name:<{width}}  {e.reproduces}{'  [Fashion-MNIST]' if e.needs_fashion_mnist else ''}"
                     for name, e in EXPERIMENTS.items())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for a bad experiment name, preset, config key or value)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "list":
        print(describe())
        return 0
    if args.name == ALL and args.overrides:
        parser.error(f"--set applies to one experiment; got --set {args.overrides} with {ALL!r}")
    return run_cli(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    set_threads(args.threads)
    names = list(EXPERIMENTS) if args.name == ALL else [args.name]
    with user_input():
        overrides = dict(parse_key_value(text, "epochs=30") for text in args.overrides)
        plan = []
        for experiment, config in (resolve(name, args.preset, args.seed, overrides) for name in names):
            out = DEFAULT_OUT / experiment.name if args.out is None else args.out
            out = out / experiment.name if args.out is not None and args.name == ALL else out
            check_output_folder(out)
            plan.append((experiment, config, out))
    for experiment, config, out in plan:
        start = time.perf_counter()
        results = experiment.run(config, out)
        print(f"## {experiment.name} ({args.preset}, {time.perf_counter() - start:.1f} s) -> {out}\n")
        print(markdown_table(results.drop(columns=["config", "git_revision"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
