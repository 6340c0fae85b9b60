"""Data sets of the reference trainer, loaded into memory as tensors.

==================  ===============================================================
``fashion-mnist``   Fashion-MNIST IDX files (Debian ``dataset-fashion-mnist``)
``cifar10/100``     CIFAR python batches from ``data_root`` (:mod:`acdc.data.cifar`)
``digits``          scikit-learn's 8×8 digits, seeded train/validation split
``mnist1d``         MNIST-1D generated offline, ``(n, 1, 40)`` signals (use the ``mlp`` model)
``synthetic``       class templates plus Gaussian noise (:mod:`acdc.data.synthetic`)
==================  ===============================================================

Loaders of files check what they read and raise :class:`DataFileError` (a ``ValueError``) with one
line naming the file and the problem: corrupt gzip, truncated or inconsistent headers, images and
labels of different counts, labels outside ``[0, num_classes)``, images of the wrong shape, pixels
that are not whole numbers in ``[0, 255]`` (:mod:`acdc.data.files`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import TensorDataset

from acdc.data.cifar import LAYOUTS as CIFAR_LAYOUTS
from acdc.data.cifar import cifar_class_names, load_cifar
from acdc.data.digits import load_digits
from acdc.data.fashion_mnist import DEFAULT_ROOT, NUM_CLASSES, load_fashion_mnist
from acdc.data.files import DataFileError
from acdc.data.idx import read_idx
from acdc.data.mnist1d import load_mnist1d
from acdc.data.synthetic import make_synthetic_images
from acdc.data.text_corpus import Corpus, batchify, lm_batches, load_corpus, read_text_file, read_wiki_excerpt
from iht.validation import check_choice, check_int

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


def take_first(pair: tuple[torch.Tensor, torch.Tensor], n: int | None, name: str) -> tuple[torch.Tensor, ...]:
    """The first ``n`` images and labels of ``pair`` (all when ``n`` is None), ``n`` checked as ``name``."""
    if n is None:
        return pair
    n = check_int(n, name, 1, len(pair[1]))
    return tuple(t[:n] for t in pair)


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
        train = take_first(load_digits("train", image_size=image_size, seed=seed), subset, "subset")
        val = take_first(load_digits("val", image_size=image_size, seed=seed), val_subset, "val_subset")
        return Splits(TensorDataset(*train), TensorDataset(*val), 10, 1)
    if name == "mnist1d":
        train, val = load_mnist1d("train", subset), load_mnist1d("test", val_subset)
        return Splits(TensorDataset(*train), TensorDataset(*val), 10, 1)
    n_train = SYNTHETIC_SIZES[0] if subset is None else check_int(subset, "subset", 1)
    n_val = SYNTHETIC_SIZES[1] if val_subset is None else check_int(val_subset, "val_subset", 1)
    x, y = make_synthetic_images(n_train + n_val, NUM_CLASSES, image_size, seed=seed)
    train, val = TensorDataset(x[:n_train], y[:n_train]), TensorDataset(x[n_train:], y[n_train:])
    return Splits(train, val, NUM_CLASSES, 1)


__all__ = ["DATASETS", "DEFAULT_ROOT", "Corpus", "DataFileError", "Splits", "batchify", "cifar_class_names",
           "lm_batches", "load_cifar", "load_corpus", "load_digits", "load_fashion_mnist", "load_mnist1d",
           "load_splits", "make_synthetic_images", "read_idx", "read_text_file", "read_wiki_excerpt"]
