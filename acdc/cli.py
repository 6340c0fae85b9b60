"""Command line of :mod:`acdc`: ``python -m acdc train ...`` and ``python -m acdc demo``.

``train`` runs the reference trainer (:mod:`acdc.trainer`); launch it with
``torchrun --nproc_per_node N -m acdc train ...`` for data-parallel training. ``demo`` trains a small
ResNet20 on the synthetic data set in well under a minute on a CPU.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

from acdc.config import TrainConfig

DEMO = {"data": "synthetic", "image_size": 8, "width": 4, "subset": 512, "val_subset": 256, "epochs": 20,
        "batch_size": 64, "lr": 0.05, "sparsity": 0.9}
"""The demo run: 20 epochs of the scaled paper recipe on 8×8 synthetic images."""


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per :class:`TrainConfig` field; unset flags keep the config file's or default value."""
    for f in fields(TrainConfig):
        if f.name == "dense_finetune":
            parser.add_argument(_flag(f.name), action="store_true", default=None,
                                help="fine-tune the best dense model over the final compressed phase")
        elif f.name == "exclude":
            parser.add_argument(_flag(f.name), nargs="+", default=None, metavar="LAYER",
                                help="layers kept dense (module or weight names)")
        else:
            kind = {"float": float, "int": int, "int | None": int}.get(str(f.type), str)
            parser.add_argument(_flag(f.name), type=kind, default=None, help=f"default: {f.default}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m acdc", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model with AC/DC or a baseline (--method)")
    train.add_argument("--config", type=Path,
                       help="JSON file of TrainConfig values, or a run's config.json (flags override it)")
    train.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_config_flags(train)
    demo = commands.add_parser("demo", help="a small AC/DC run on synthetic data (seconds on a CPU)")
    demo.add_argument("--out", help="output folder (default: a new temporary folder)")
    demo.add_argument("--seed", type=int, default=0)
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


def run(config: TrainConfig, resume: bool = False, progress: bool = True) -> dict:
    """Train ``config`` to the end and return the trainer's summary."""
    from acdc.trainer import Trainer

    trainer = Trainer(config, resume=resume, progress=progress)
    try:
        summary = trainer.fit()
    finally:
        trainer.close()
    if trainer.process.is_main:
        print(json.dumps(summary, indent=2))
        print(f"outputs in {config.out}")
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "train":
        run(config_from_args(args), resume=args.resume, progress=not args.no_progress)
    else:
        out = args.out or tempfile.mkdtemp(prefix="acdc-demo-")
        run(TrainConfig(**DEMO, seed=args.seed, out=out), progress=False)
    return 0
