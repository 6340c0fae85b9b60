"""Command line of :mod:`iht`: ``python -m iht demo``, ``python -m iht recovery`` and
``python -m iht verify``.

Bad input prints one line ``error: …`` and exits with status 2 (``ACDC_TRACEBACK=1`` for the traceback);
``--threads N`` sets the BLAS threads (default: the cores available to the process). See
:mod:`iht.cli_support`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from iht.cli_support import add_threads_argument, check_output_folder, run_cli, set_threads, user_input
from iht.validation import check_int, check_sparsity


class _Parser(argparse.ArgumentParser):
    """An argument parser whose ``epilog`` may be a function, called only when the help is shown (the
    keys of ``verify --set`` come from :mod:`iht.theory.config`, too heavy to import for every command)."""

    def format_help(self) -> str:
        if callable(self.epilog):
            self.epilog = self.epilog()
        return super().format_help()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m iht", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo = commands.add_parser("demo", help="tour of the projection core on built-in weights")
    demo.add_argument("--sparsity", type=float, default=0.9, help="fraction of zeros (default 0.9)")
    demo.add_argument("--seed", type=int, default=0, help="seed of weights and random masks")
    demo.add_argument("--scale", type=int, default=4, help="width multiplier of the layers")
    recovery = commands.add_parser(
        "recovery", help="compressed sensing: this library's solvers vs OMP, abess, skglm, LARS on the "
        "issue's cells and a phase-transition slice; tidy CSV, markdown tables, figure",
        description="Runs every solver on the cells (noisy) and on the phase-transition slice "
        "(noiseless, ±1), each timed alone on one thread; peers not installed are skipped with a "
        "message (pip install 'acdc-iht[peers]'). Writes recovery.csv, recovery.md and "
        "phase_transition.png into --out.")
    recovery.add_argument("--out", default="runs/recovery", help="output folder (default runs/recovery)")
    recovery.add_argument("--quick", action="store_true", help="small preset for CI (a few seconds): "
                          "two 64x256 cells, a 48x192 slice, 2 seeds; other flags override it")
    _add_recovery_config_arguments(recovery)
    verify = commands.add_parser(
        "verify", epilog=_verify_keys, formatter_class=argparse.RawDescriptionHelpFormatter,
        help="check the convergence bounds (Theorem 1, descent, JTK, noise floor, iteration "
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
    verify.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                        help="override a field of the preset's VerifyConfig, applied after --seed, e.g. "
                        "--set decoy.correlations=0.6,0.8 --set n_seeds=8 (see the keys below)")
    for command in commands.choices.values():
        add_threads_argument(command)
    return parser


def _verify_keys() -> str:
    """The ``--set`` keys of ``verify`` with the default preset's values, for its ``--help``."""
    from iht.theory.config import PRESETS, SECTIONS, config_keys, config_value

    lines = [f"  {key} = {config_value(PRESETS['default'], key)!r}"
             for key in config_keys() if key not in SECTIONS]
    return ("--set keys (default preset's values; checks in iht/theory/config.py and iht/theory/families):\n"
            + "\n".join(lines))


def _typed(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` with its ValueError/TypeError message kept by argparse (an ``ArgumentTypeError``)."""
    def typed(text: str) -> Any:
        try:
            return parse(text)
        except (ValueError, TypeError) as error:
            message = str(error) if parse not in (int, float) else (
                f"must be {'an integer' if parse is int else 'a real number'}; got {text!r}")
            raise argparse.ArgumentTypeError(message) from None

    typed.__name__ = getattr(parse, "__name__", "value")
    return typed


def _add_recovery_config_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per :class:`~iht.recovery.RecoveryConfig` field (``--n-instances`` for ``n_instances``),
    typed, with its allowed values and default in the help; unset flags keep the preset's value."""
    from iht.recovery import RecoveryConfig, config_fields

    defaults = RecoveryConfig()
    for spec in config_fields():
        meta, default = spec.metadata, getattr(defaults, spec.name)
        metavar = None if meta["choices"] else {int: "INT", float: "REAL"}.get(meta["parse"], "CELL")
        shown = " ".join(getattr(v, "label", str(v)) for v in default) if meta["many"] else default
        parser.add_argument("--" + spec.name.replace("_", "-"), dest=spec.name, type=_typed(meta["parse"]),
                            choices=meta["choices"], nargs="*" if meta["many"] else None, default=None,
                            metavar=metavar,
                            help=f"{meta['help']} (default: {shown})")


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
        from iht import recovery

        with user_input():
            check_output_folder(args.out)
            config = recovery.config_with(recovery.QUICK if args.quick else recovery.RecoveryConfig(),
                                          **{f.name: getattr(args, f.name) for f in recovery.config_fields()})
        frame, skipped = recovery.run_recovery(config)
        for line in skipped:
            print(line)
        paths = recovery.write_outputs(frame, skipped, args.out)
        print(paths["table"].read_text(encoding="utf-8"))
        print(f"wrote {', '.join(str(p) for p in paths.values())} ({len(frame)} rows)")
    elif args.command == "verify":
        from iht.theory.verify import resolve_config, run_verify

        with user_input():
            check_output_folder(args.out)
            config = resolve_config(args.preset, args.seed, args.settings)
        outputs = run_verify(args.out, config, preset=args.preset)
        print(f"{len(outputs.violations)} violated row(s)")
        for line in outputs.violations:
            print(line)
        report = outputs.paths["report"].read_text(encoding="utf-8")
        print(report[report.index("## Verdicts"):report.index("## The structural limit")].rstrip())
        print(f"\nwrote {len(outputs.paths)} files to {args.out} in {outputs.seconds:.0f} s")
        return 1 if outputs.violations else 0
    return 0
