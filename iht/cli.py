"""Command line of :mod:`iht`: ``python -m iht demo``, ``python -m iht recovery`` and
``python -m iht verify``.

Bad input prints one line ``error: …`` and exits with status 2 (``ACDC_TRACEBACK=1`` for the traceback);
``--threads N`` sets the BLAS threads (default: the cores available to the process). See
:mod:`iht.cli_support`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from iht.cli_support import add_threads_argument, check_output_folder, run_cli, set_threads, user_input
from iht.validation import check_int, check_sparsity


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m iht", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="tour of the projection core on built-in weights")
    demo.add_argument("--sparsity", type=float, default=0.9, help="fraction of zeros (default 0.9)")
    demo.add_argument("--seed", type=int, default=0, help="seed of weights and random masks")
    demo.add_argument("--scale", type=int, default=4, help="width multiplier of the layers")
    recovery = commands.add_parser(
        "recovery", help="compressed-sensing recovery: NIHT, HTP, stochastic IHT, AC/DC vs OMP")
    recovery.add_argument("--instances", type=int, default=20, help="instances (default 20)")
    recovery.add_argument("--seed", type=int, default=0, help="seed of the first instance")
    recovery.add_argument("--n", type=int, default=256, help="measurements (default 256)")
    recovery.add_argument("--dim", type=int, default=1024, help="unknowns N (default 1024)")
    recovery.add_argument("--k-star", type=int, default=20, help="planted non-zeros (default 20)")
    recovery.add_argument("--noise", type=float, default=0.01, help="noise std (default 0.01)")
    recovery.add_argument("--out", default="recovery.csv", help="tidy CSV written (one row per "
                          "instance x solver; default recovery.csv)")
    verify = commands.add_parser(
        "verify", help="check the convergence bounds (Theorem 1, descent, JTK, noise floor, iteration "
        "counts) on a grid; write tables, figures and report; exit status 1 when a row is violated")
    verify.add_argument("--out", default="runs/verify", help="output folder (default runs/verify)")
    size = verify.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="preset", action="store_const", const="quick",
                      help="about 10 s: small grid, 5 seeds (what the mutation tests run)")
    size.add_argument("--full", dest="preset", action="store_const", const="full",
                      help="larger grid (N up to 128), 30 seeds (minutes)")
    verify.set_defaults(preset="default")
    verify.add_argument("--seed", type=int, default=None, help="seed of every instance and run "
                        "(default: the preset's, 0)")
    for command in commands.choices.values():
        add_threads_argument(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; bad input prints one line ``error: …`` and returns 2."""
    args = build_parser().parse_args(argv)
    return run_cli(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    set_threads(args.threads)
    if args.command == "demo":
        from iht.demo import run_demo

        with user_input():
            check_sparsity(args.sparsity)
            check_int(args.seed, "seed", 0)
            check_int(args.scale, "scale", 1)
        print(run_demo(sparsity=args.sparsity, seed=args.seed, scale=args.scale))
    elif args.command == "recovery":
        from iht.recovery import RecoveryConfig, run_recovery, summarize

        with user_input():
            config = RecoveryConfig(n_measurements=args.n, dim=args.dim, k_star=args.k_star,
                                    noise=args.noise, n_instances=args.instances, first_seed=args.seed)
        frame = run_recovery(config)
        frame.to_csv(args.out, index=False)
        print(summarize(frame))
        print(f"\nwrote {args.out} ({len(frame)} rows)")
    elif args.command == "verify":
        from iht.theory.verify import resolve_config, run_verify

        with user_input():
            check_output_folder(args.out)
            config = resolve_config(args.preset, args.seed)
        outputs = run_verify(args.out, config, preset=args.preset)
        print(f"{len(outputs.violations)} violated row(s)")
        for line in outputs.violations:
            print(line)
        report = outputs.paths["report"].read_text(encoding="utf-8")
        print(report[report.index("## Verdicts"):report.index("## The structural limit")].rstrip())
        print(f"\nwrote {len(outputs.paths)} files to {args.out} in {outputs.seconds:.0f} s")
        return 1 if outputs.violations else 0
    return 0
