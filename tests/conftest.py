"""Hypothesis profiles: ``ci`` (fast, CI default via ./dev test), ``dev`` and ``thorough``.

Select with the HYPOTHESIS_PROFILE environment variable or ``pytest --hypothesis-profile=NAME``.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "thorough", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
