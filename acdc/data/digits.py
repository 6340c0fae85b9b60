"""scikit-learn's handwritten digits (1,797 images, 8×8, 17 grey levels, 10 classes), split by seed.

The data ship in the scikit-learn wheel (:func:`sklearn.datasets.load_digits`, the test set of the UCI
"Optical Recognition of Handwritten Digits" data, Alpaydin and Kaynak 1998), so they load anywhere
scikit-learn is installed: for unit tests and quick sanity runs. There is no official split: a seeded
permutation puts ``val_size`` images in the validation split and the rest in the training split.

References
----------
Alpaydin, E. and Kaynak, C. (1998). Optical Recognition of Handwritten Digits. UCI Machine Learning
Repository.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from iht.validation import check_choice, check_int

NUM_IMAGES = 1797
NUM_CLASSES = 10
MAX_PIXEL = 16.0
MEAN, STD = 0.3053, 0.3760
"""Pixel mean and standard deviation of all 1,797 images (in [0, 1] units, ``pixel / 16``)."""
SPLITS = ("train", "val")
DEFAULT_VAL_SIZE = 360


def load_digits(
    split: str = "train", image_size: int | None = None, padding: int = 0, val_size: int = DEFAULT_VAL_SIZE,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalised images and labels of one split of the scikit-learn digits.

    Parameters
    ----------
    split : {"train", "val"}
        ``1797 - val_size`` training or ``val_size`` validation images; the two splits of one
        ``(val_size, seed)`` are disjoint and together hold every image.
    image_size : int, optional
        Bilinear resize of the padded images to ``image_size × image_size``; None keeps
        ``8 + 2 · padding``.
    padding : int
        Black pixels added on each side before resizing (e.g. 4 gives 16×16 at the native scale).
    val_size : int
        Number of validation images, in ``[1, 1796]``.
    seed : int
        Seed of the permutation that assigns images to splits.

    Returns
    -------
    images : Tensor, float32, shape ``(n, 1, size, size)``, ``size = image_size or 8 + 2 · padding``
        ``(pixel / 16 - MEAN) / STD``; padding is applied before normalisation (value 0 = black).
    labels : Tensor, int64, shape ``(n,)``
    """
    from sklearn import datasets

    check_choice(split, "split", SPLITS)
    padding = check_int(padding, "padding", 0)
    val_size = check_int(val_size, "val_size", 1, NUM_IMAGES - 1)
    if image_size is not None:
        image_size = check_int(image_size, "image_size", 1)
    digits = datasets.load_digits()
    order = torch.randperm(NUM_IMAGES, generator=torch.Generator().manual_seed(seed))
    chosen = order[:val_size] if split == "val" else order[val_size:]
    x = torch.from_numpy(digits.images).float()[chosen].unsqueeze(1) / MAX_PIXEL
    x = F.pad(x, (padding,) * 4)
    if image_size is not None:
        x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", antialias=True)
    return (x - MEAN) / STD, torch.from_numpy(digits.target)[chosen]
