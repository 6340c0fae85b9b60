"""Models of the AC/DC experiments, written out without torchvision.

==================  =========================================================
``resnet20``        CIFAR-style ResNet20 (3 stages; input channels and width)
``resnet50``        ImageNet ResNet-50 v1.5
``mobilenet_v1``    ImageNet MobileNetV1
``mlp``             flatten + ReLU MLP (digits, MNIST-1D)
``mlp-bn``          the same with batch norm after each hidden layer
``transformer_lm``  small causal Transformer language model (Table 4 analogue)
==================  =========================================================

:func:`build_classifier` builds the classifiers the reference trainer accepts (:data:`CLASSIFIERS`).
"""

import math
from collections.abc import Sequence

from torch import nn

from acdc.models.mlp import MLP, mlp
from acdc.models.mobilenet_v1 import MobileNetV1, mobilenet_v1
from acdc.models.resnet20 import ResNet20, resnet20
from acdc.models.resnet50 import ResNet50, resnet50
from acdc.models.transformer_lm import TransformerLM, transformer_lm
from iht.validation import check_choice

CLASSIFIERS = ("mlp", "mlp-bn", "resnet20")
"""Models of the reference trainer (``TrainConfig.model``)."""


def build_classifier(name: str, num_classes: int, sample_shape: Sequence[int], width: int = 16) -> nn.Module:
    """Classifier ``name`` for inputs of ``sample_shape`` (channels first, no batch dimension).

    ``width`` is ResNet20's first-stage channel count (16 in the paper; larger values give a wide
    ResNet); the MLPs use two hidden layers of ``16 * width`` units (256 at the default), ``mlp-bn`` with
    batch norm after each.
    """
    check_choice(name, "model", CLASSIFIERS)
    if name in ("mlp", "mlp-bn"):
        widths = (16 * width, 16 * width)
        return mlp(math.prod(sample_shape), num_classes, widths, batch_norm=name == "mlp-bn")
    return resnet20(num_classes, sample_shape[0], width)

__all__ = ["CLASSIFIERS", "MLP", "MobileNetV1", "ResNet20", "ResNet50", "TransformerLM", "build_classifier",
           "mlp", "mobilenet_v1", "resnet20", "resnet50", "transformer_lm"]
