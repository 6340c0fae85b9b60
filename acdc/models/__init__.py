"""Models of the AC/DC experiments, written out without torchvision.

==================  =========================================================
``resnet20``        CIFAR-style ResNet20 (3 stages; input channels and width)
``resnet50``        ImageNet ResNet-50 v1.5
``mobilenet_v1``    ImageNet MobileNetV1
==================  =========================================================
"""

from acdc.models.mobilenet_v1 import MobileNetV1, mobilenet_v1
from acdc.models.resnet20 import ResNet20, resnet20
from acdc.models.resnet50 import ResNet50, resnet50

__all__ = ["MobileNetV1", "ResNet20", "ResNet50", "mobilenet_v1", "resnet20", "resnet50"]
