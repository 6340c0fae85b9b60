"""Command line of :mod:`acdc`: ``python -m acdc train|demo|export``.

``train`` runs the reference trainer (:mod:`acdc.trainer`); launch it with
``./dev run torchrun --nproc_per_node N -m acdc train ...`` for data-parallel training. ``demo`` trains a
small ResNet20 on the synthetic data set in seconds on a CPU. ``export`` writes a run's model with its
masks folded in (:mod:`acdc.export`).

Output folders: ``train`` refuses a folder that holds a run unless ``--resume`` (continue it) or
``--overwrite`` (delete the run's files, listed in :data:`RUN_FILES`, and start again) is given; ``demo``
always replaces a previous run's files, so it can be re-run as is. Other files in the folder are left
alone. Bad input (a value out of range, a configuration that does not fit the model or the data, a
missing file, an unusable checkpoint) prints one line ``error: …`` and exits with status 2, before any
training; set ``ACDC_TRACEBACK=1`` for the traceback (see :mod:`iht.cli_support`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import types
import typing
from collections.abc import Sequence
from dataclasses import MISSING, Field, fields, replace
from pathlib import Path
from typing import Any

from acdc.config import TrainConfig
from iht.cli_support import add_threads_argument, check_output_folder, run_cli, set_threads, user_input

DEMO = {"data": "synthetic", "image_size": 8, "width": 4, "subset": 512, "val_subset": 256, "epochs": 20,
        "batch_size": 64, "lr": 0.05, "sparsity": 0.9}
"""The demo run: 20 epochs of the scaled paper recipe on 8×8 synthetic images."""
DEMO_THREADS = 1
"""The demo's default thread count: its 8×8 layers are too small to gain from more threads (on 2 cores,
one thread ran it several times faster than two on a loaded machine)."""
RUN_FILES = ("config.json", "checkpoint.pt", "checkpoint.prev.pt", "checkpoint.pt.tmp", "metrics.csv",
             "metrics.csv.tmp", "history.json", "summary.json", "sparsity_accuracy.png", "final_sparse.pt",
             "best_dense.pt", "last_dense.pt", "finetuned_dense.pt")
"""The trainer's files in an output folder (removed by ``--overwrite`` and by the demo)."""
WHICH_DEFAULT = "final_sparse"


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _value_type(annotation: Any) -> Any:
    """The type a flag parses: ``X`` for ``X | None``, else the annotation itself."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) == 1:
            return inner[0]
    return annotation


def _help(f: Field) -> str:
    check = f.metadata.get("check")
    allowed = f"; {check.describe()}" if check is not None else ""
    default = "" if f.default is MISSING else f" (default: {f.default})"
    return f"{f.metadata.get('help', '')}{allowed}{default}".replace("%", "%%")


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per :class:`TrainConfig` field, typed from its annotation (``X | None`` parses as X), with
    the field's help text and constraint; unset flags keep the config file's or default value."""
    hints = typing.get_type_hints(TrainConfig)
    for f in fields(TrainConfig):
        kind = _value_type(hints[f.name])
        if kind is bool:
            parser.add_argument(_flag(f.name), action="store_true", default=None, help=_help(f))
        elif typing.get_origin(kind) is tuple:
            parser.add_argument(_flag(f.name), nargs="+", type=typing.get_args(kind)[0], default=None,
                                metavar="NAME", help=_help(f))
        else:
            parser.add_argument(_flag(f.name), type=kind, default=None, metavar=f.name.upper(),
                                help=_help(f))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m acdc", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model with AC/DC or a baseline (--method)")
    train.add_argument("--config", type=Path,
                       help="JSON file of TrainConfig values, or a run's config.json (flags override it)")
    existing = train.add_mutually_exclusive_group()
    existing.add_argument("--resume", action="store_true",
                          help="continue the run in --out from its checkpoint")
    existing.add_argument("--overwrite", action="store_true",
                          help="delete the run in --out (its files only) and start again")
    train.add_argument("--quiet", action="store_true", help="no progress lines or bars")
    _add_config_flags(train)
    demo = commands.add_parser("demo", help="a small AC/DC run on synthetic data (seconds on a CPU)")
    demo.add_argument("--out", help="output folder; a previous run's files in it are replaced "
                                    "(default: a new temporary folder)")
    demo.add_argument("--seed", type=int, default=0,
                      help="seed of the data, model and data order (default 0)")
    demo.add_argument("--quiet", action="store_true", help="no progress lines")
    add_threads_argument(demo, default=f"{DEMO_THREADS}: as fast as 2 on idle cores, faster on shared ones")
    from acdc.export import MODEL_FILES

    export = commands.add_parser("export", help="write a run's model with its masks folded in, and a JSON "
                                                "description (sparsity, FLOPs, config, revision)")
    export.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="output folder of a finished run")
    export.add_argument("--which", default=WHICH_DEFAULT, metavar="MODEL",
                        help=f"one of {', '.join(MODEL_FILES)} (default {WHICH_DEFAULT})")
    export.add_argument("--out", type=Path, default=None, metavar="FILE",
                        help="FILE.safetensors or FILE.pt (a torch state dict); the JSON is FILE.json "
                             "(default: RUN_DIR/MODEL.safetensors)")
    return parser


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """Defaults, then the ``--config`` file, then the flags given; unknown file keys are an error.

    The file holds TrainConfig values, or is a run's ``config.json`` (its ``"config"`` entry is used),
    so that a run can be repeated or varied from its own record.
    """
    values = json.loads(args.config.read_text()) if args.config else {}
    if isinstance(values.get("config"), dict) and "git_revision" in values:
        values = values["config"]
    for f in fields(TrainConfig):
        if getattr(args, f.name, None) is not None:
            values[f.name] = getattr(args, f.name)
    return TrainConfig.from_dict(values)


def prepare_output(out: str | Path, resume: bool = False, overwrite: bool = False) -> None:
    """Check the output folder ``out`` before a run; with ``overwrite``, delete a previous run's files.

    Raises
    ------
    NotADirectoryError
        If ``out`` exists and is not a folder.
    FileExistsError
        If ``out`` holds a run (its checkpoint) and neither ``resume`` nor ``overwrite`` is given.
    """
    from acdc import checkpoint
    from acdc.trainer import CHECKPOINT

    out = Path(out)
    check_output_folder(out)
    if overwrite:
        for name in RUN_FILES:
            (out / name).unlink(missing_ok=True)
    elif not resume and checkpoint.exists(out / CHECKPOINT):
        raise FileExistsError(f"{out} holds a run (its checkpoint): pass --resume to continue it, "
                              f"--overwrite to replace it, or another --out")


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(config: TrainConfig, resume: bool = False, overwrite: bool = False, quiet: bool = False) -> dict:
    """Train ``config`` to the end and return the trainer's summary.

    Everything that checks the input (the output folder, the data, the model against the
    configuration, the checkpoint to resume) runs before the first step, inside
    :func:`~iht.cli_support.user_input`: its errors are one line. ``config.threads=None`` becomes the
    cores available to the process.
    """
    from acdc.trainer import Trainer

    config = replace(config, threads=set_threads(config.threads))
    with user_input():
        prepare_output(config.out, resume, overwrite)
        trainer = Trainer(config, resume=resume, progress=not quiet and sys.stderr.isatty(),
                          log=None if quiet else _stderr)
    try:
        summary = trainer.fit()
    finally:
        trainer.close()
    if trainer.process.is_main:
        print(json.dumps(summary, indent=2))
        print(f"outputs in {config.out}")
    return summary


def _main(args: argparse.Namespace) -> int:
    if args.command == "train":
        with user_input():
            config = config_from_args(args)
        run(config, resume=args.resume, overwrite=args.overwrite, quiet=args.quiet)
    elif args.command == "demo":
        threads = DEMO_THREADS if args.threads is None else args.threads
        with user_input():
            config = TrainConfig(**DEMO, seed=args.seed, threads=threads,
                                 out=args.out or tempfile.mkdtemp(prefix="acdc-demo-"))
        run(config, overwrite=True, quiet=args.quiet)
    else:
        from acdc.export import export_path, read_run, write_export

        with user_input():
            out = export_path(args.run_dir, args.which, args.out)
            saved = read_run(args.run_dir, args.which)
        model, described = write_export(saved, out)
        print(f"wrote {model} and {described}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; bad input prints one line ``error: …`` and returns 2."""
    args = build_parser().parse_args(argv)
    return run_cli(lambda: _main(args))
