"""FLOPs accounting as the AC/DC and RigL tables report it: inference FLOPs and training FLOPs.

Convention: 1 multiply-add = 2 FLOPs, which reproduces the published dense costs (ResNet-50 at
224×224: 8.2 GFLOPs, AC/DC Table 1; MobileNetV1: 1.1 GFLOPs, Table 3); a training step costs
3 forward passes per example (RigL), with sparse phases at the masks' densities.

==========================  ==================================================================
:func:`count_flops`         forward FLOPs per operation call, dense and at mask densities
:func:`training_flops`      FLOPs of a run from its phases, per phase and layer, vs dense
:class:`PhaseCost`          one phase: kind, examples, layer densities, dense-gradient examples
:func:`phases_from_epochs`  per-epoch ``(kind, {layer: density})`` history -> phases
:func:`phases_from_history` a controller's ``PhaseRecord`` history -> phases (RigL extras)
:class:`RunFlops`           the trainer's per-epoch and whole-run FLOPs columns
:func:`flops_report`        markdown per-layer table of a model
==========================  ==================================================================

The formulas, with their derivations, are in :mod:`acdc.flops.formulas`; which module type uses
which is in :mod:`acdc.flops.module_costs` (``transformers``' ``Conv1D`` included, its dot products
running along the input-feature axis of :mod:`acdc.weight_axes`), and tensor operations written in a
``forward`` (residual adds, matmul, attention, ``F.linear`` on a custom layer's parameter) are counted
as :mod:`acdc.flops.functional_costs` explains. :attr:`FlopsCount.product_flops` are the operations
``torch.utils.flop_counter.FlopCounterMode`` counts (convolutions and matrix products); a training
step measured with it is ``3 ×`` those, less the first layer's input gradient that autograd skips
on image models (tests/acdc/flops/test_thirdparty.py).
"""

from acdc.flops.counter import COLUMNS, FlopsCount, count_flops
from acdc.flops.errors import InputShapeError, UnknownLayerError, UnknownLayerWarning
from acdc.flops.module_costs import Cost
from acdc.flops.report import count_to_markdown, flops_report
from acdc.flops.run import RunFlops
from acdc.flops.training import (
    PhaseCost,
    TrainingCost,
    phases_from_epochs,
    phases_from_history,
    training_flops,
)

__all__ = [
    "COLUMNS",
    "Cost",
    "FlopsCount",
    "InputShapeError",
    "PhaseCost",
    "RunFlops",
    "TrainingCost",
    "UnknownLayerError",
    "UnknownLayerWarning",
    "count_flops",
    "count_to_markdown",
    "flops_report",
    "phases_from_epochs",
    "phases_from_history",
    "training_flops",
]
