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
    ``prunable_weights`` minus ``exclude``), ``layer_sparsity`` (every prunable weight), ``flops``
    (``dense`` and ``sparse`` forward FLOPs per example, zero weights skipped, and their ratio; see
    :func:`acdc.flops.count_flops`), the run's ``config`` and its ``git_revision`` and ``torch`` version.

:func:`load_model` rebuilds the model from a run folder (its ``config.json`` and one of its model files)
or from an exported file (its JSON beside it), loads the weights strictly and returns it in eval mode,
in the memory layout the trainer used, so its logits equal the trainer's model's bit for bit.

The files of a run folder (see :mod:`acdc.trainer`): ``final_sparse.pt``, ``best_dense.pt``,
``last_dense.pt`` and ``finetuned_dense.pt`` are ``torch.save`` files of ``{"epoch", "val_acc",
"state_dict"}`` (the state dict without mask buffers); ``checkpoint.pt`` is a checkpoint
(:mod:`acdc.checkpoint`: a header with the SHA-256 of its payload, then the payload), for resuming only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from acdc import checkpoint
from acdc.config import TrainConfig
from acdc.data import load_splits
from acdc.errors import check_choice
from acdc.flops import count_flops
from acdc.masks import MASK_SUFFIX, prunable_weights
from acdc.models import build_classifier
from acdc.trainer import memory_format_for

__all__ = ["FORMATS", "MODEL_FILES", "export_model", "load_model"]

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


def _build(config: TrainConfig, num_classes: int, sample_shape: tuple[int, ...],
           state: dict[str, torch.Tensor]) -> nn.Module:
    with torch.random.fork_rng(devices=[]):  # the initial values are overwritten; the caller's RNG untouched
        model = build_classifier(config.model, num_classes, sample_shape, config.width)
    model.load_state_dict(state, strict=True)
    return model.to(memory_format=memory_format_for(model, sample_shape)).eval()


def _model_file(run_dir: Path, which: str) -> dict[str, Any]:
    check_choice(which, "which", MODEL_FILES)
    path = run_dir / f"{which}.pt"
    if not path.is_file():
        present = [name for name in MODEL_FILES if (run_dir / f"{name}.pt").is_file()]
        raise FileNotFoundError(f"{run_dir} has no {which}.pt (finetuned_dense needs dense_finetune; a run "
                                f"writes its models when it ends); it has: {', '.join(present) or 'none'}")
    snapshot = checkpoint.load(path, map_location="cpu")
    if not isinstance(snapshot, dict) or "state_dict" not in snapshot:
        raise checkpoint.CorruptCheckpointError(f"{path} is not a model file: it lacks 'state_dict'")
    return snapshot


def _sparsity(model: nn.Module, exclude: tuple[str, ...]) -> tuple[float, dict[str, float]]:
    layers = {name: float((w == 0).sum()) / w.numel() for name, w in prunable_weights(model).items()}
    pruned = prunable_weights(model, exclude)
    zeros = sum(int((w == 0).sum()) for w in pruned.values())
    return zeros / sum(w.numel() for w in pruned.values()), layers


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
    FileNotFoundError
        If ``run_dir`` is not a run folder or lacks the model file.
    ValueError
        For an unknown ``which`` or suffix, or an unusable model file.
    """
    run_dir = Path(run_dir)
    out = run_dir / f"{which}.safetensors" if out is None else Path(out)
    check_choice(out.suffix, "suffix", FORMATS)
    info = _run_info(run_dir)
    config = TrainConfig.from_dict(info["config"])
    snapshot = _model_file(run_dir, which)
    num_classes, sample_shape = _shapes(info, config)
    state = {k: v for k, v in snapshot["state_dict"].items() if not k.endswith(MASK_SUFFIX)}
    model = _build(config, num_classes, sample_shape, state)
    sparsity, layers = _sparsity(model, config.exclude)
    flops = count_flops(model, (1, *sample_shape), skip_zero_weights=True)
    description = {
        "format": FORMATS[out.suffix], "which": which, "epoch": snapshot.get("epoch"),
        "val_acc": snapshot.get("val_acc"), "num_classes": num_classes, "sample_shape": list(sample_shape),
        "sparsity": sparsity, "layer_sparsity": layers,
        "flops": {"dense": flops.dense_flops, "sparse": flops.sparse_flops,
                  "sparse_rel": flops.sparse_flops / flops.dense_flops},
        "config": info["config"], "git_revision": info.get("git_revision"), "torch": info.get("torch"),
    }
    tensors = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    if FORMATS[out.suffix] == "safetensors":
        from safetensors.torch import save_file

        save_file(tensors, out, metadata={"which": which, "git_revision": str(info.get("git_revision"))})
    else:
        checkpoint.save_atomic(tensors, out)
    described = out.with_suffix(".json")
    described.write_text(json.dumps(description, indent=2) + "\n")
    return out, described


def load_model(path: str | Path, which: str = "final_sparse", map_location: str | torch.device = "cpu"
               ) -> nn.Module:
    """The model of a run folder (model ``which``) or of an exported file, ready for inference.

    Parameters
    ----------
    path : path
        A run folder (``config.json`` and ``WHICH.pt``) or a file written by :func:`export_model`
        (``.safetensors`` or ``.pt``, with its ``.json`` beside it).
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
    path = Path(path)
    if path.is_dir():
        info = _run_info(path)
        config = TrainConfig.from_dict(info["config"])
        state = _model_file(path, which)["state_dict"]
        num_classes, sample_shape = _shapes(info, config)
    else:
        check_choice(path.suffix, "suffix", FORMATS)
        described = path.with_suffix(".json")
        if not path.is_file() or not described.is_file():
            raise FileNotFoundError(f"load_model needs {path} and its description {described}: "
                                    f"{'neither exists' if not path.is_file() else 'the JSON is missing'}")
        info = json.loads(described.read_text())
        config = TrainConfig.from_dict(info["config"])
        num_classes, sample_shape = int(info["num_classes"]), tuple(info["sample_shape"])
        if FORMATS[path.suffix] == "safetensors":
            from safetensors.torch import load_file

            state = load_file(path)
        else:
            state = checkpoint.load(path, map_location="cpu")
    return _build(config, num_classes, sample_shape, state).to(map_location)
