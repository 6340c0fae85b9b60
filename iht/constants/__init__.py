"""The constants the convergence theorems take as inputs: ``β`` (restricted smoothness), ``α``
(CPL) and ``σ²`` (oracle variance), known in closed form or measured as brackets."""

from iht.constants.brackets import Bracket, KnownConstants
from iht.constants.cpl import cpl_alpha
from iht.constants.smoothness import restricted_smoothness
from iht.constants.variance import oracle_variance

__all__ = ["Bracket", "KnownConstants", "cpl_alpha", "oracle_variance", "restricted_smoothness"]
