"""IHT solvers on :mod:`iht.objectives`: ``iht``, ``stochastic_iht``, ``acdc_iht`` (AC/DC,
Peste et al. 2021), the reference solvers ``niht`` (Blumensath & Davies 2010) and ``htp``
(Foucart 2011), and ``subspace_pursuit`` (Dai & Milenkovic 2009). Each returns a frozen
:class:`IHTResult`, or raises :class:`DivergenceError` when its iterates blow up."""

from iht.solvers.acdc import acdc_iht
from iht.solvers.common import DivergenceError
from iht.solvers.htp import htp
from iht.solvers.iht import iht, stochastic_iht
from iht.solvers.niht import niht
from iht.solvers.pursuit import subspace_pursuit
from iht.solvers.result import ACDCIHTResult, IHTHistory, IHTResult

__all__ = [
    "ACDCIHTResult",
    "DivergenceError",
    "IHTHistory",
    "IHTResult",
    "acdc_iht",
    "htp",
    "iht",
    "niht",
    "stochastic_iht",
    "subspace_pursuit",
]
