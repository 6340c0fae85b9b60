"""MNIST-1D (Greydanus 2020), generated offline by the ``mnist1d`` package: 4000/1000 signals of length 40.

:func:`mnist1d.data.make_dataset` builds the published data set procedurally from ten 1-D digit
templates (random padding, translation, correlated noise, shear and scaling), in about a second; its
``get_dataset`` tries to download first and writes into the working directory, so it is not used.
The generator seeds numpy's and Python's global random state; :func:`generate_mnist1d` restores both
afterwards, so loading the data does not change other code's random streams.

References
----------
Greydanus, S. (2020). Scaling down deep learning. arXiv:2011.14439.
https://github.com/greydanus/mnist1d
"""

from __future__ import annotations

import random
from functools import lru_cache

import numpy as np
import torch

from iht.validation import check_choice, check_int

PUBLISHED_SEED = 42
"""Seed of the published data set (``get_dataset_args().seed``)."""
SEQUENCE_LENGTH = 40
NUM_CLASSES = 10
SPLIT_KEYS = {"train": ("x", "y"), "test": ("x_test", "y_test")}


@lru_cache(maxsize=2)
def generate_mnist1d(seed: int = PUBLISHED_SEED) -> dict[str, np.ndarray]:
    """The arrays ``x, y, x_test, y_test`` of MNIST-1D generated with ``seed`` (cached; do not modify).

    Raises
    ------
    ImportError
        If the ``mnist1d`` package is not installed (the message says how to install it).
    """
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as err:
        raise ImportError(
            "the mnist1d data set needs the `mnist1d` package: pip install mnist1d"
        ) from err
    args = get_dataset_args()
    args.seed = seed
    numpy_state, python_state = np.random.get_state(), random.getstate()  # noqa: NPY002 (legacy global state)
    try:
        data = make_dataset(args)
    finally:
        np.random.set_state(numpy_state)  # noqa: NPY002
        random.setstate(python_state)
    return {key: data[key] for keys in SPLIT_KEYS.values() for key in keys}


def load_mnist1d(
    split: str = "train", subset: int | None = None, seed: int = PUBLISHED_SEED,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Signals and labels of one split of MNIST-1D.

    Parameters
    ----------
    split : {"train", "test"}
        4,000 training or 1,000 test signals.
    subset : int, optional
        Keep the first ``subset`` signals (the generator shuffles them).
    seed : int
        Generator seed; the default 42 gives the published data set.

    Returns
    -------
    signals : Tensor, float32, shape ``(n, 1, 40)``
        As generated (already roughly zero mean and unit variance).
    labels : Tensor, int64, shape ``(n,)``
    """
    check_choice(split, "split", SPLIT_KEYS)
    seed = check_int(seed, "seed", 0)
    x_key, y_key = SPLIT_KEYS[split]
    data = generate_mnist1d(seed)
    x, y = data[x_key], data[y_key]
    if subset is not None:
        subset = check_int(subset, "subset", 1, len(y))
        x, y = x[:subset], y[:subset]
    return torch.tensor(x, dtype=torch.float32).unsqueeze(1), torch.tensor(y, dtype=torch.int64)
