"""Ship a trained model: export a run's model with its masks folded in, and load it back for inference.

``python -m acdc export RUN_DIR --which final_sparse --out model.safetensors`` (:func:`export_model`)
writes two files:

``model.safetensors`` or ``model.pt``
    The model's state dict, parameter and buffer name -> tensor, with the masks folded in: pruned
    weights are exact zeros and there is no ``*_mask`` buffer, so it loads into the plain architecture
    (``build_classifier``). ``.safetensors`` is the `safetensors` format; ``.pt`` is a
    ``torch.save`` of the dict, read with ``torch.load(path, weights_only=True)``.
``model.json``
    ``format``, ``which``, ``epoch``, ``val_acc``, ``num_classes``, ``sample_shape`` (one input,
    channels first), ``sparsity`` (fraction of zeros over the run's pruned weights: those of
    ``prunable_weights`` minus ``exclude`` and ``keep_dense``), ``layer_sparsity`` (every prunable
    weight), ``flops`` (``dense`` and ``sparse`` forward FLOPs per example, zero weights skipped, and
    their ratio; see :func:`acdc.flops.count_flops`), the run's ``config`` and its ``git_revision`` and
    ``torch`` version.

:func:`load_model` rebuilds the model from a run folder (its ``config.json`` and one of its model files)
or from an exported file (its JSON beside it), loads the weights strictly and returns it in eval mode,
in the memory layout the trainer used, so its logits equal the trainer's model's bit for bit.

Reading and checking (:func:`read_run`, :func:`read_export`, :func:`export_path`) is separate from
building and writing (:meth:`SavedModel.build`, :func:`write_export`): the command line reports errors of
the first as one line and keeps the traceback of the second (see :mod:`iht.cli_support`).

The files of a run folder (see :mod:`acdc.trainer`): ``final_sparse.pt``, ``best_dense.pt``,
``last_dense.pt`` and ``finetuned_dense.pt`` are ``torch.save`` files of ``{"epoch", "val_acc",
"state_dict"}`` (the state dict without mask buffers); ``checkpoint.pt`` is a checkpoint
(:mod:`acdc.checkpoint`: a header with the SHA-256 of its payload, then the payload), for resuming only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from acdc import checkpoint
from acdc.config import TrainConfig
from acdc.data import load_splits
from acdc.flops import count_flops
from acdc.masks import prunable_weights, strip_masks
from acdc.models import build_classifier
from acdc.trainer import memory_format_for
from iht.validation import check_choice

__all__ = ["FORMATS", "MODEL_FILES", "SavedModel", "export_model", "export_path", "load_model", "read_export",
           "read_run", "write_export"]

MODEL_FILES = ("final_sparse", "finetuned_dense", "best_dense", "last_dense")
"""Model files of a run folder that can be exported (``finetuned_dense`` only with ``dense_finetune``)."""
FORMATS = {".safetensors": "safetensors", ".pt": "torch", ".pth": "torch"}
"""Exported formats by file suffix."""


def _run_info(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a run folder of python -m acdc train: it has no "
                                f"config.json")
    info = json.loads(path.read_text())
    if not isinstance(info, dict) or not isinstance(info.get("config"), dict):
        raise ValueError(f"{path} is not a run's config.json: it lacks the 'config' entry")
    return info


def _shapes(info: dict[str, Any], config: TrainConfig) -> tuple[int, tuple[int, ...]]:
    """``(num_classes, sample_shape)`` recorded by the trainer, or read from one example of the data."""
    if "num_classes" in info and "sample_shape" in info:
        return int(info["num_classes"]), tuple(info["sample_shape"])
    splits = load_splits(config.data, config.data_root, config.image_size, 1, 1, config.seed)
    return splits.num_classes, tuple(splits.train.tensors[0].shape[1:])


@dataclass(frozen=True)
class SavedModel:
    """A model as saved: the run's record (``config.json`` entries), its configuration, weights and
    input facts, read and checked by :func:`read_run` or :func:`read_export` before anything is built."""

    info: dict[str, Any]
    config: TrainConfig
    state: dict[str, torch.Tensor]
    num_classes: int
    sample_shape: tuple[int, ...]
    which: str
    epoch: int | None = None
    val_acc: float | None = None

    def build(self) -> nn.Module:
        """The architecture of :attr:`config` with :attr:`state` loaded strictly, in eval mode and the
        trainer's memory layout."""
        with torch.random.fork_rng(devices=[]):  # initial values are overwritten; the caller's RNG untouched
            model = build_classifier(self.config.model, self.num_classes, self.sample_shape,
                                     self.config.width)
        model.load_state_dict(self.state, strict=True)
        return model.to(memory_format=memory_format_for(model, self.sample_shape)).eval()


def read_run(run_dir: str | Path, which: str = "final_sparse") -> SavedModel:
    """Model ``which`` (one of :data:`MODEL_FILES`) of the run folder ``run_dir``, checked.

    Raises
    ------
    FileNotFoundError
        If ``run_dir`` is not a run folder or lacks the model file.
    ValueError
        For an unknown ``which``, a bad ``config.json``, or an unusable model file
        (:class:`~acdc.checkpoint.CorruptCheckpointError`).
    """
    run_dir = Path(run_dir)
    check_choice(which, "which", MODEL_FILES)
    info = _run_info(run_dir)
    config = TrainConfig.from_dict(info["config"])
    path = run_dir / f"{which}.pt"
    if not path.is_file():
        present = [name for name in MODEL_FILES if (run_dir / f"{name}.pt").is_file()]
        raise FileNotFoundError(f"{run_dir} has no {which}.pt (finetuned_dense needs dense_finetune; a run "
                                f"writes its models when it ends); it has: {', '.join(present) or 'none'}")
    snapshot = checkpoint.load(path, map_location="cpu")
    if not isinstance(snapshot, dict) or "state_dict" not in snapshot:
        raise checkpoint.CorruptCheckpointError(f"{path} is not a model file: it lacks 'state_dict'")
    state = strip_masks(snapshot["state_dict"])
    return SavedModel(info, config, state, *_shapes(info, config), which, snapshot.get("epoch"),
                      snapshot.get("val_acc"))


def read_export(path: str | Path) -> SavedModel:
    """The model of a file written by :func:`export_model` (``.safetensors`` or ``.pt``, its ``.json``
    beside it), checked.

    Raises
    ------
    FileNotFoundError
        If the file or its JSON is missing.
    ValueError
        For an unknown suffix or an unusable file.
    """
    path = Path(path)
    check_choice(path.suffix, "suffix", FORMATS)
    described = path.with_suffix(".json")
    if not path.is_file() or not described.is_file():
        raise FileNotFoundError(f"load_model needs {path} and its description {described}: "
                                f"{'neither exists' if not path.is_file() else 'the JSON is missing'}")
    info = json.loads(described.read_text())
    if FORMATS[path.suffix] == "safetensors":
        from safetensors.torch import load_file

        state = load_file(path)
    else:
        state = checkpoint.load(path, map_location="cpu")
    return SavedModel(info, TrainConfig.from_dict(info["config"]), state, int(info["num_classes"]),
                      tuple(info["sample_shape"]), info["which"], info.get("epoch"), info.get("val_acc"))


def export_path(run_dir: str | Path, which: str, out: str | Path | None = None) -> Path:
    """``out`` (default ``RUN_DIR/WHICH.safetensors``) after checking its suffix is one of :data:`FORMATS`."""
    out = Path(run_dir) / f"{which}.safetensors" if out is None else Path(out)
    check_choice(out.suffix, "suffix", FORMATS)
    return out


def _sparsity(model: nn.Module, config: TrainConfig) -> tuple[float, dict[str, float]]:
    layers = {name: float((w == 0).sum()) / w.numel() for name, w in prunable_weights(model).items()}
    pruned = prunable_weights(model, config.exclude, keep_dense=config.keep_dense)
    zeros = sum(int((w == 0).sum()) for w in pruned.values())
    return zeros / sum(w.numel() for w in pruned.values()), layers


def write_export(saved: SavedModel, out: str | Path) -> tuple[Path, Path]:
    """Write ``saved``'s model to ``out`` (``.safetensors`` or ``.pt``) and its description to
    ``out`` with the suffix ``.json`` (see the module docstring); return both paths."""
    out = Path(out)
    model = saved.build()
    sparsity, layers = _sparsity(model, saved.config)
    flops = count_flops(model, (1, *saved.sample_shape), skip_zero_weights=True)
    info = saved.info
    description = {
        "format": FORMATS[out.suffix], "which": saved.which, "epoch": saved.epoch, "val_acc": saved.val_acc,
        "num_classes": saved.num_classes, "sample_shape": list(saved.sample_shape),
        "sparsity": sparsity, "layer_sparsity": layers,
        "flops": {"dense": flops.dense_flops, "sparse": flops.sparse_flops,
                  "sparse_rel": flops.sparse_flops / flops.dense_flops},
        "config": info["config"], "git_revision": info.get("git_revision"), "torch": info.get("torch"),
    }
    tensors = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    if FORMATS[out.suffix] == "safetensors":
        from safetensors.torch import save_file

        save_file(tensors, out, metadata={"which": saved.which,
                                          "git_revision": str(info.get("git_revision"))})
    else:
        checkpoint.save_atomic(tensors, out)
    described = out.with_suffix(".json")
    described.write_text(json.dumps(description, indent=2) + "\n")
    return out, described


def export_model(run_dir: str | Path, which: str = "final_sparse", out: str | Path | None = None
                 ) -> tuple[Path, Path]:
    """Write model ``which`` of the run in ``run_dir`` to ``out`` and its description beside it.

    Parameters
    ----------
    run_dir : path
        Output folder of a finished ``python -m acdc train`` run.
    which : str
        One of :data:`MODEL_FILES`.
    out : path, optional
        ``.safetensors`` (default ``RUN_DIR/WHICH.safetensors``) or ``.pt``; the JSON is ``out`` with
        the suffix ``.json``.

    Returns
    -------
    (model path, JSON path)

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`read_run`, and for an unknown suffix of ``out``.
    """
    out = export_path(run_dir, which, out)
    return write_export(read_run(run_dir, which), out)


def load_model(path: str | Path, which: str = "final_sparse", map_location: str | torch.device = "cpu"
               ) -> nn.Module:
    """The model of a run folder (model ``which``) or of an exported file, ready for inference.

    Parameters
    ----------
    path : path
        A run folder (``config.json`` and ``WHICH.pt``, :func:`read_run`) or a file written by
        :func:`export_model` (``.safetensors`` or ``.pt``, with its ``.json`` beside it,
        :func:`read_export`).
    which : str
        For a run folder: one of :data:`MODEL_FILES`.
    map_location : str or torch.device
        Device of the returned model.

    Returns
    -------
    torch.nn.Module
        The architecture of the run's configuration with the weights loaded strictly, in eval mode,
        in the trainer's memory layout (channels-last for convolutional image models).
    """
    saved = read_run(path, which) if Path(path).is_dir() else read_export(path)
    return saved.build().to(map_location)
