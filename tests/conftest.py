"""Shared pytest configuration.

Hypothesis profiles: ``dev`` (the default; quick enough for every local run) and
``ci`` (more examples, no deadline: CI machines are slow and noisy).  Pick one
with ``HYPOTHESIS_PROFILE=ci pytest``; CI (``CI=true``) picks ``ci``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=50,
    # Loading YAML and building numpy matrices on the first example can exceed
    # Hypothesis' 200 ms default; a deadline failure here would be noise.
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# CI (which sets CI=true) runs the same command with more examples.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE",
                                     "ci" if os.environ.get("CI") else "dev"))

# CLI runs cache parses by default; keep the tests' entries out of the user's cache.
if "NETVERIFY_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["NETVERIFY_CACHE_DIR"] = tempfile.mkdtemp(prefix="netverify-test-cache-")
