"""Shared inputs of the benchmark suites: ResNet-50 weight shapes and reproducible float32 data.

Naming convention read by ``bench/ratios.py``: in every suite, ``time_ours_*`` times this library,
``time_peer_*`` a standard tool doing the same selection, ``time_floor_*`` one streaming read of the
same data (the lower bound of any exact method).
"""

from __future__ import annotations

import math

import numpy as np

SPARSITIES = (0.5, 0.9, 0.98)


def resnet50_shapes() -> dict[str, tuple[int, ...]]:
    """Shapes of the 54 convolution and linear weights of ResNet-50 (He et al. 2016, Table 1).

    Bottleneck blocks ``[3, 4, 6, 3]`` of widths 64..512 with 4x expansion, a 1x1 projection shortcut
    in the first block of each stage, a 7x7 stem and a 1000-way classifier: 25,502,912 weights.
    """
    shapes = {"conv1.weight": (64, 3, 7, 7)}
    in_channels = 64
    for stage, (width, blocks) in enumerate([(64, 3), (128, 4), (256, 6), (512, 3)], start=1):
        for block in range(blocks):
            prefix = f"layer{stage}.{block}."
            shapes[prefix + "conv1.weight"] = (width, in_channels, 1, 1)
            shapes[prefix + "conv2.weight"] = (width, width, 3, 3)
            shapes[prefix + "conv3.weight"] = (4 * width, width, 1, 1)
            if block == 0:
                shapes[prefix + "downsample.0.weight"] = (4 * width, in_channels, 1, 1)
            in_channels = 4 * width
    shapes["fc.weight"] = (1000, 2048)
    return shapes


def resnet50_weights(seed: int = 0) -> dict[str, np.ndarray]:
    """float32 weights with ResNet-50's shapes, He-uniform (std ``sqrt(2 / fan_in)``; fast to draw)."""
    rng = np.random.default_rng(seed)
    weights = {}
    for name, shape in resnet50_shapes().items():
        w = rng.random(shape, dtype=np.float32)
        w -= np.float32(0.5)
        w *= np.float32(2 * math.sqrt(6 / math.prod(shape[1:])))
        weights[name] = w
    return weights


def signed_uniform(size: int, seed: int = 0) -> np.ndarray:
    """``size`` float32 values uniform in [-0.5, 0.5) (fast to draw at 5e7)."""
    x = np.random.default_rng(seed).random(size, dtype=np.float32)
    x -= np.float32(0.5)
    return x


def kept(size: int, sparsity: float) -> int:
    """Kept count by the library's rounding rule."""
    from iht.projection import k_from_sparsity

    return k_from_sparsity(size, sparsity)
