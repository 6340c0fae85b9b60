"""Command line of :mod:`iht`: ``python -m iht demo``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m iht", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="tour of the projection core on built-in weights")
    demo.add_argument("--sparsity", type=float, default=0.9, help="fraction of zeros (default 0.9)")
    demo.add_argument("--seed", type=int, default=0, help="seed of weights and random masks")
    demo.add_argument("--scale", type=int, default=4, help="width multiplier of the layers")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from iht.demo import run_demo

        print(run_demo(sparsity=args.sparsity, seed=args.seed, scale=args.scale))
    return 0
