"""A learnable synthetic image classification task, for demos and tests (no files needed).

Each class ``c`` has a fixed random template image ``T_c``; a sample of class ``c`` is
``T_c + noise · ε`` with ``ε ~ N(0, 1)``. Everything is drawn from one seeded ``torch.Generator``.
"""

from __future__ import annotations

import torch

from iht.validation import check_int, check_real


def make_synthetic_images(
    n: int, num_classes: int = 10, image_size: int = 8, channels: int = 1, noise: float = 1.0, seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` images of shape ``(channels, image_size, image_size)`` and labels, balanced by class.

    Returns
    -------
    images : Tensor, float32, shape ``(n, channels, image_size, image_size)``
    labels : Tensor, int64, shape ``(n,)``, class ``i % num_classes`` for sample ``i``

    Raises
    ------
    ValueError
        If ``n``, ``image_size`` or ``channels`` is below 1, ``num_classes`` below 2, or ``noise`` is
        negative or not finite.
    """
    n = check_int(n, "n", 1)
    num_classes = check_int(num_classes, "num_classes", 2)
    image_size = check_int(image_size, "image_size", 1)
    channels = check_int(channels, "channels", 1)
    noise = check_real(noise, "noise", 0.0)
    generator = torch.Generator().manual_seed(seed)
    templates = torch.randn(num_classes, channels, image_size, image_size, generator=generator)
    labels = torch.arange(n) % num_classes
    images = templates[labels] + noise * torch.randn(n, channels, image_size, image_size, generator=generator)
    return images, labels
