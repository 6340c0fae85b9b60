"""Data sets of the reference trainer, loaded into memory as tensors.

==================  ===============================================================
``fashion-mnist``   Fashion-MNIST IDX files (Debian ``dataset-fashion-mnist``)
``cifar10/100``     CIFAR python batches from ``data_root`` (:mod:`acdc.data.cifar`)
``digits``          scikit-learn's 8×8 digits, seeded train/validation split
``mnist1d``         MNIST-1D generated offline, ``(n, 1, 40)`` signals (use the ``mlp`` model)
``synthetic``       class templates plus Gaussian noise (:mod:`acdc.data.synthetic`)
==================  ===============================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torch.utils.data import TensorDataset

from acdc.data.cifar import LAYOUTS as CIFAR_LAYOUTS
from acdc.data.cifar import cifar_class_names, load_cifar
from acdc.data.digits import load_digits
from acdc.data.fashion_mnist import DEFAULT_ROOT, NUM_CLASSES, load_fashion_mnist
from acdc.data.idx import read_idx
from acdc.data.mnist1d import load_mnist1d
from acdc.data.synthetic import make_synthetic_images
from acdc.data.text_corpus import Corpus, batchify, lm_batches, load_corpus, read_text_file, read_wiki_excerpt
from acdc.errors import check_choice

DATASETS = ("cifar10", "cifar100", "digits", "fashion-mnist", "mnist1d", "synthetic")
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
    if name in CIFAR_LAYOUTS:  # root must point at the CIFAR files (DEFAULT_ROOT is Fashion-MNIST's)
        train, val = load_cifar(name, "train", root, subset), load_cifar(name, "test", root, val_subset)
        return Splits(TensorDataset(*train), TensorDataset(*val), CIFAR_LAYOUTS[name].num_classes, 3)
    if name == "digits":
        train, val = (load_digits(split, image_size=image_size, seed=seed) for split in ("train", "val"))
        train, val = (tuple(t[:n] for t in pair) for pair, n in ((train, subset), (val, val_subset)))
        return Splits(TensorDataset(*train), TensorDataset(*val), 10, 1)
    if name == "mnist1d":
        train, val = load_mnist1d("train", subset), load_mnist1d("test", val_subset)
        return Splits(TensorDataset(*train), TensorDataset(*val), 10, 1)
    n_train, n_val = subset or SYNTHETIC_SIZES[0], val_subset or SYNTHETIC_SIZES[1]
    x, y = make_synthetic_images(n_train + n_val, NUM_CLASSES, image_size, seed=seed)
    train, val = TensorDataset(x[:n_train], y[:n_train]), TensorDataset(x[n_train:], y[n_train:])
    return Splits(train, val, NUM_CLASSES, 1)


__all__ = ["DATASETS", "DEFAULT_ROOT", "Corpus", "Splits", "batchify", "cifar_class_names", "lm_batches",
           "load_cifar", "load_corpus", "load_digits", "load_fashion_mnist", "load_mnist1d", "load_splits",
           "make_synthetic_images", "read_idx", "read_text_file", "read_wiki_excerpt"]
