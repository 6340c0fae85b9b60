"""The AC/DC schedule of :mod:`acdc`: re-exported from :mod:`iht.schedule`, where it is defined once.

Torch training counts epochs and :func:`iht.solvers.acdc_iht` counts steps with the same
:class:`Schedule` (see :mod:`iht.schedule` for the builders and the validation of boundaries).
"""

from iht.schedule import (
    LM_RECIPE,
    MIN_PAPER_EPOCHS,
    PAPER_EPOCHS,
    PAPER_RECIPE,
    PHASE_NAMES,
    Phase,
    PhaseSpan,
    Schedule,
    alternating_schedule,
    lm_schedule,
    paper_schedule,
    parse_schedule,
)

__all__ = [
    "LM_RECIPE",
    "MIN_PAPER_EPOCHS",
    "PAPER_EPOCHS",
    "PAPER_RECIPE",
    "PHASE_NAMES",
    "Phase",
    "PhaseSpan",
    "Schedule",
    "alternating_schedule",
    "lm_schedule",
    "paper_schedule",
    "parse_schedule",
]
