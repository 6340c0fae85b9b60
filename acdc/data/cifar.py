"""CIFAR-10 and CIFAR-100 (Krizhevsky 2009) from the standard python-pickle batches.

No download at run time, and no copy exists on the package registries these machines reach: the
files are read from a user-given ``root`` holding the extracted archive folder
(``root/cifar-10-batches-py/data_batch_1``) or the folder itself (``root/data_batch_1``).

Each batch file is a pickled dict with byte keys: ``b"data"``, ``uint8`` of shape ``(n, 3072)`` (the
1024 red, then green, then blue pixels of a 32×32 image, row by row), and ``b"labels"`` (CIFAR-10)
or ``b"fine_labels"`` (CIFAR-100, 100 classes; the 20 ``b"coarse_labels"`` are not used). The meta
file holds the class names (``b"label_names"``, ``b"fine_label_names"``). Pickle files can run code
when loaded: read only archives from the official page or other sources you trust.

Each batch is checked before use (:func:`batch_arrays`): ``b"data"`` of shape ``(n, 3072)`` or
``(n, 3, 32, 32)`` holding whole numbers in ``[0, 255]`` (any integer or floating dtype, converted
exactly), as many labels as images, each in ``[0, num_classes)``; anything else raises
:class:`~acdc.data.files.DataFileError` naming the file.

References
----------
Krizhevsky, A. (2009). Learning multiple layers of features from tiny images. Technical report,
University of Toronto. https://www.cs.toronto.edu/~kriz/cifar.html
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from acdc.data.files import DataFileError, check_counts, check_whole_numbers, read_data_bytes
from iht.validation import check_choice, check_int

IMAGE_SIZE = 32
CHANNELS = 3


@dataclass(frozen=True)
class CifarLayout:
    """Where one CIFAR variant keeps its files and keys, and its per-channel pixel statistics.

    ``mean`` and ``std`` are per-channel (red, green, blue) statistics of the training set in [0, 1]
    units.
    """

    folder: str
    archive: str
    files: dict[str, tuple[str, ...]]
    meta: str
    label_key: bytes
    names_key: bytes
    num_classes: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]


LAYOUTS = {
    "cifar10": CifarLayout(
        folder="cifar-10-batches-py",
        archive="cifar-10-python.tar.gz",
        files={"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)},
        meta="batches.meta",
        label_key=b"labels",
        names_key=b"label_names",
        num_classes=10,
        mean=(0.4914, 0.4822, 0.4465),
        std=(0.2470, 0.2435, 0.2616),
    ),
    "cifar100": CifarLayout(
        folder="cifar-100-python",
        archive="cifar-100-python.tar.gz",
        files={"train": ("train",), "test": ("test",)},
        meta="meta",
        label_key=b"fine_labels",
        names_key=b"fine_label_names",
        num_classes=100,
        mean=(0.5071, 0.4865, 0.4409),
        std=(0.2673, 0.2564, 0.2762),
    ),
}
"""File layout of each variant, keyed by data set name."""


def cifar_file(name: str, root: str | Path, filename: str) -> Path:
    """Path of ``filename`` of variant ``name``: under ``root/<archive folder>`` or directly under ``root``.

    Raises
    ------
    FileNotFoundError
        Naming both paths tried and how to get the data.
    """
    layout = LAYOUTS[check_choice(name, "name", LAYOUTS)]
    candidates = [Path(root) / layout.folder / filename, Path(root) / filename]
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"{name} file not found: {candidates[0]} (nor {candidates[1]}). CIFAR cannot be downloaded here: "
        f"fetch {layout.archive} from https://www.cs.toronto.edu/~kriz/cifar.html on a machine with internet "
        f"access, extract it with `tar xzf {layout.archive}` and pass the folder holding {layout.folder}/ "
        f"as the data root"
    )


def read_pickle_batch(path: Path) -> dict[bytes, Any]:
    """The dict stored in one CIFAR batch or meta file (byte keys, as written by Python 2's cPickle).

    Raises
    ------
    DataFileError
        Naming the file, if it is empty, cannot be unpickled, or does not hold a dict.
    """
    raw = read_data_bytes(path)
    try:
        batch = pickle.loads(raw, encoding="bytes")
    except Exception as err:  # corrupt pickle data can raise almost any exception type
        raise DataFileError(
            f"{path} is not a CIFAR batch: unpickling failed ({type(err).__name__}: {err})"
        ) from err
    if not isinstance(batch, dict):
        raise DataFileError(
            f"{path} is not a CIFAR batch: the pickle must hold a dict; got {type(batch).__name__}"
        )
    return batch


def batch_array(batch: dict[bytes, Any], key: bytes, path: Path) -> np.ndarray:
    """``batch[key]`` as a numpy array (lists become arrays), naming the file if that fails."""
    try:
        return np.asarray(batch[key])
    except (ValueError, TypeError) as err:
        raise DataFileError(
            f"{path}: {key!r} must be an array of numbers; got {type(batch[key]).__name__} ({err})"
        ) from err


def batch_arrays(path: Path, layout: CifarLayout) -> tuple[np.ndarray, np.ndarray]:
    """Pixels ``uint8 (n, 3072)`` and labels ``int64 (n,)`` of one batch file of ``layout``.

    ``b"data"`` may have shape ``(n, 3072)`` (the files' layout) or ``(n, 3, 32, 32)`` (the same
    pixels, same order), and any integer or floating dtype whose values are whole numbers in
    ``[0, 255]``; the labels must be whole numbers in ``[0, num_classes)``. Values are checked before
    conversion, so nothing wraps or is rounded.

    Raises
    ------
    DataFileError
        Naming the file, if it is not a pickled dict, lacks ``b"data"`` or the label key, or the
        shapes, counts, dtypes or values break the rules above.
    """
    batch = read_pickle_batch(path)
    missing = [key for key in (b"data", layout.label_key) if key not in batch]
    if missing:
        raise DataFileError(f"{path} is not a CIFAR batch: missing key(s) {missing}; got keys {list(batch)}")
    pixels, labels = batch_array(batch, b"data", path), batch_array(batch, layout.label_key, path)
    pixels_per_image = CHANNELS * IMAGE_SIZE * IMAGE_SIZE
    if pixels.shape[1:] not in ((pixels_per_image,), (CHANNELS, IMAGE_SIZE, IMAGE_SIZE)):
        raise DataFileError(
            f"{path}: b'data' must have shape (n, {pixels_per_image}) or (n, {CHANNELS}, {IMAGE_SIZE}, "
            f"{IMAGE_SIZE}); got {pixels.shape}"
        )
    if labels.ndim != 1:
        raise DataFileError(f"{path}: {layout.label_key!r} must have shape (n,); got {labels.shape}")
    check_counts(len(pixels), f"b'data' of {path}", len(labels), f"{layout.label_key!r} of {path}")
    pixels = pixels.reshape(len(pixels), pixels_per_image)
    pixels = check_whole_numbers(pixels, 255, np.uint8, path, "b'data' pixels")
    labels = check_whole_numbers(labels, layout.num_classes - 1, np.int64, path,
                                 f"{layout.label_key!r} labels")
    return pixels, labels


def cifar_class_names(name: str, root: str | Path) -> tuple[str, ...]:
    """Class names of variant ``name``, in label order, from its meta file.

    Raises
    ------
    DataFileError
        Naming the meta file, if it is not a pickled dict holding ``num_classes`` UTF-8 byte strings
        under the names key.
    """
    layout = LAYOUTS[check_choice(name, "name", LAYOUTS)]
    path = cifar_file(name, root, layout.meta)
    meta = read_pickle_batch(path)
    key = layout.names_key
    if key not in meta:
        raise DataFileError(f"{path} is not a CIFAR meta file: missing key {key!r}; got keys {list(meta)}")
    names = meta[key]
    if not isinstance(names, (list, tuple)) or len(names) != layout.num_classes:
        count = len(names) if isinstance(names, (list, tuple)) else type(names).__name__
        raise DataFileError(f"{path}: {key!r} must list {layout.num_classes} class names; got {count}")
    decoded = []
    for label in names:
        try:
            decoded.append(label.decode("utf-8"))
        except (AttributeError, UnicodeDecodeError) as err:
            raise DataFileError(f"{path}: {key!r} must hold UTF-8 byte strings; got {label!r}") from err
    return tuple(decoded)


def load_cifar(
    name: str, split: str, root: str | Path, subset: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel normalised images and labels of one split of CIFAR-10 or CIFAR-100.

    Parameters
    ----------
    name : {"cifar10", "cifar100"}
    split : {"train", "test"}
        50,000 training images (CIFAR-10: ``data_batch_1`` to ``data_batch_5``, in that order) or
        10,000 test images.
    root : path
        Folder holding the extracted archive folder, or that folder itself.
    subset : int, optional
        Keep the first ``subset`` images (the files are in a fixed shuffled order).

    Returns
    -------
    images : Tensor, float32, shape ``(n, 3, 32, 32)``
        ``(pixel / 255 - mean[c]) / std[c]`` with the per-channel statistics of :data:`LAYOUTS`.
    labels : Tensor, int64, shape ``(n,)``
        Class indices in ``[0, num_classes)``; CIFAR-100 uses the 100 fine labels.

    Raises
    ------
    FileNotFoundError
        If a batch file is missing (the message says where to get the archive).
    DataFileError
        Naming the file, if a batch is unreadable or breaks the rules of :func:`batch_arrays`.
    """
    layout = LAYOUTS[check_choice(name, "name", LAYOUTS)]
    split = check_choice(split, "split", layout.files)
    arrays = [batch_arrays(cifar_file(name, root, f), layout) for f in layout.files[split]]
    pixels = np.concatenate([batch_pixels for batch_pixels, _ in arrays])
    labels = np.concatenate([batch_labels for _, batch_labels in arrays])
    if subset is not None:
        subset = check_int(subset, "subset", 1, len(labels))
        pixels, labels = pixels[:subset], labels[:subset]
    images = torch.from_numpy(pixels.reshape(-1, CHANNELS, IMAGE_SIZE, IMAGE_SIZE)).float()
    mean = torch.tensor(layout.mean).view(1, CHANNELS, 1, 1)
    std = torch.tensor(layout.std).view(1, CHANNELS, 1, 1)
    return images.div_(255.0).sub_(mean).div_(std), torch.from_numpy(labels)  # in place: 600 MB at 50k
