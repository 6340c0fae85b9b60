"""Atomic checkpoint files and the random-number-generator states a run needs to resume exactly.

Files are written to a temporary name in the target folder, flushed to disk and moved into place with
``os.replace``: a run killed mid-write leaves the previous checkpoint intact. Everything stored is a
tensor or plain Python data, so :func:`load` uses ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch


def save_atomic(obj: Any, path: str | Path) -> None:
    """``torch.save(obj)`` to ``path`` atomically (temporary file + ``os.replace``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path: str | Path, map_location: str | torch.device | None = None) -> Any:
    """Object saved by :func:`save_atomic`, loaded with ``weights_only=True``."""
    return torch.load(path, map_location=map_location, weights_only=True)


def capture_rng(loader_generator: torch.Generator) -> dict[str, Any]:
    """States of torch (CPU and CUDA), numpy's and Python's global generators and the data loader's."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()  # noqa: NPY002 (global state, on purpose)
    state = {
        "torch": torch.get_rng_state(),
        "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)],
        "python": random.getstate(),
        "loader": loader_generator.get_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any], loader_generator: torch.Generator) -> None:
    """Inverse of :func:`capture_rng`."""
    torch.set_rng_state(state["torch"])
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))  # noqa: NPY002
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    loader_generator.set_state(state["loader"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
