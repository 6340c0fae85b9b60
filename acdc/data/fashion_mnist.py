"""Fashion-MNIST (Xiao et al. 2017) from the IDX files of Debian's ``dataset-fashion-mnist``.

No download at run time: the files are read from ``root`` (default
``/usr/share/datasets/fashion-mnist``), gzip-compressed (``train-images-idx3-ubyte.gz``) or raw
(``train-images-idx3-ubyte``). The same loader reads upstream MNIST files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from acdc.data.files import check_counts, check_whole_numbers
from acdc.data.idx import read_idx
from iht.validation import check_choice, check_int

DEFAULT_ROOT = Path("/usr/share/datasets/fashion-mnist")
SPLITS = {"train": "train", "test": "t10k"}
MEAN, STD = 0.2860, 0.3530
"""Pixel mean and standard deviation of the Fashion-MNIST training set (in [0, 1] units)."""
NATIVE_SIZE = 28
NUM_CLASSES = 10


def idx_path(root: str | Path, split: str, kind: str) -> Path:
    """Path of the ``kind`` (``images`` or ``labels``) file of ``split``: the ``.gz`` or the raw file.

    Raises
    ------
    FileNotFoundError
        Naming both paths tried and how to install the data.
    """
    check_choice(split, "split", SPLITS)
    stem = f"{SPLITS[split]}-{kind}-{'idx3' if kind == 'images' else 'idx1'}-ubyte"
    candidates = [Path(root) / f"{stem}.gz", Path(root) / stem]
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"Fashion-MNIST file not found: {candidates[0]} (nor {candidates[1]}). Install the data with "
        f"`apt-get update && apt-get install -y dataset-fashion-mnist`, or pass the folder holding the "
        f"IDX files as the data root"
    )


def load_fashion_mnist(
    split: str = "train", root: str | Path = DEFAULT_ROOT, image_size: int = 32, subset: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalised images and labels of one split.

    Parameters
    ----------
    split : {"train", "test"}
        60,000 training or 10,000 test images.
    root : path
        Folder with the IDX files.
    image_size : int
        32: zero-pad the 28×28 images by 2 pixels per side (the CIFAR input size of ResNet20);
        28: unchanged; any other size: bilinear resize (e.g. 16 for fast CPU runs).
    subset : int, optional
        Keep the first ``subset`` images (the files are in a fixed shuffled order).

    Returns
    -------
    images : Tensor, float32, shape ``(n, 1, image_size, image_size)``
        ``(pixel / 255 - MEAN) / STD``; padding is applied before normalisation (value 0 = black).
    labels : Tensor, int64, shape ``(n,)``
        Class indices in ``[0, 10)``.

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message says how to install the data).
    DataFileError
        Naming the file, if it is not a readable IDX file (:func:`~acdc.data.idx.read_idx`), the images
        are not 28×28, the labels file is not one-dimensional, a label is 10 or more, or the two files
        hold different numbers of entries (or none).
    """
    image_size = check_int(image_size, "image_size", 4)
    images_path, labels_path = idx_path(root, split, "images"), idx_path(root, split, "labels")
    images = read_idx(images_path, (NATIVE_SIZE, NATIVE_SIZE))
    labels = read_idx(labels_path, ())
    check_counts(len(images), str(images_path), len(labels), str(labels_path))
    labels = check_whole_numbers(labels, NUM_CLASSES - 1, np.int64, labels_path, "labels")
    if subset is not None:
        subset = check_int(subset, "subset", 1, len(labels))
        images, labels = images[:subset], labels[:subset]
    x = torch.from_numpy(images.copy()).unsqueeze(1).float() / 255.0
    if image_size == NATIVE_SIZE + 4:
        x = F.pad(x, (2, 2, 2, 2))
    elif image_size != NATIVE_SIZE:
        x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", antialias=True)
    return (x - MEAN) / STD, torch.from_numpy(labels)
