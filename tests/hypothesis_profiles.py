"""The hypothesis profiles: ``ci`` in ``make test``, ``slow`` (HYPOTHESIS_PROFILE=slow)
before a release; and the registry the property tests share."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from safeguard_qa.plugins import Registry, load_registry

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "slow",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REGISTRY: Registry = load_registry(entry_points=False)
