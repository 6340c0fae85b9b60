"""Output analysis of trained models (Peste et al. 2021, Sec. 5 and Figure 2b).

============================  ===================================================================
:func:`agreement`             top-1 agreement and cross-entropy between two models' outputs
:func:`corrupt_labels`        N training labels replaced by random wrong ones (memorisation)
:class:`MemorizationProbe`    accuracy on those samples against their true and corrupted labels
:func:`with_corrupt_labels`   training set with corrupted labels, and their probe
:func:`mask_changes`          fraction of the mask that changes between consecutive compressed phases
:func:`zero_masks`,           weights that are zero at an epoch's start and still zero at its end
:func:`count_stayed_zero`     (those that stay zero through dense phases)
============================  ===================================================================
"""

from acdc.analysis.agreement import agreement
from acdc.analysis.mask_dynamics import count_stayed_zero, mask_changes, zero_masks
from acdc.analysis.memorization import MemorizationProbe, corrupt_labels, with_corrupt_labels

__all__ = ["MemorizationProbe", "agreement", "corrupt_labels", "count_stayed_zero", "mask_changes",
           "with_corrupt_labels", "zero_masks"]
