"""Data sets of the reference trainer, loaded into memory as tensors.

==================  ===============================================================
``fashion-mnist``   Fashion-MNIST IDX files (Debian ``dataset-fashion-mnist``)
``synthetic``       class templates plus Gaussian noise (:mod:`acdc.data.synthetic`)
==================  ===============================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torch.utils.data import TensorDataset

from acdc.data.fashion_mnist import DEFAULT_ROOT, NUM_CLASSES, load_fashion_mnist
from acdc.data.idx import read_idx
from acdc.data.synthetic import make_synthetic_images
from acdc.errors import check_choice

DATASETS = ("fashion-mnist", "synthetic")
SYNTHETIC_SIZES = (512, 256)
"""Default (train, validation) sizes of the synthetic data set."""


@dataclass(frozen=True)
class Splits:
    """Training and validation sets with the shape facts a model needs."""

    train: TensorDataset
    val: TensorDataset
    num_classes: int
    channels: int


def load_splits(
    name: str, root: str | Path = DEFAULT_ROOT, image_size: int = 32, subset: int | None = None,
    val_subset: int | None = None, seed: int = 0,
) -> Splits:
    """Load data set ``name``: the first ``subset`` training and ``val_subset`` validation images.

    Fashion-MNIST validates on its 10,000 test images. The synthetic set draws ``subset`` (default
    512) training and ``val_subset`` (default 256) validation images from the same templates, seeded
    by ``seed``.
    """
    check_choice(name, "data", DATASETS)
    if name == "fashion-mnist":
        train = load_fashion_mnist("train", root, image_size, subset)
        val = load_fashion_mnist("test", root, image_size, val_subset)
        return Splits(TensorDataset(*train), TensorDataset(*val), NUM_CLASSES, 1)
    n_train, n_val = subset or SYNTHETIC_SIZES[0], val_subset or SYNTHETIC_SIZES[1]
    x, y = make_synthetic_images(n_train + n_val, NUM_CLASSES, image_size, seed=seed)
    train, val = TensorDataset(x[:n_train], y[:n_train]), TensorDataset(x[n_train:], y[n_train:])
    return Splits(train, val, NUM_CLASSES, 1)


__all__ = ["DATASETS", "DEFAULT_ROOT", "Splits", "load_fashion_mnist", "load_splits", "make_synthetic_images",
           "read_idx"]
