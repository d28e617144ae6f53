"""Shared pytest configuration.

Hypothesis profiles: ``dev`` (the default; quick enough for every local run) and
``ci`` (more examples, no deadline: CI machines are slow and noisy).  Pick one
with ``HYPOTHESIS_PROFILE=ci pytest``; CI (``CI=true``) picks ``ci``.

``pytest --update-goldens`` rewrites every golden output and the generated
``docs/json-schema.md`` instead of comparing with them (review the diff, then commit).
"""

from __future__ import annotations

import os

import pytest
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


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-goldens``: rewrite the expected outputs instead of comparing with them."""
    parser.addoption(
        "--update-goldens", action="store_true", default=False,
        help="Rewrite the golden outputs (tests/goldens/files, tests/audit/snapshots) and "
             "docs/json-schema.md from the code, then review the diff.")


def pytest_configure(config: pytest.Config) -> None:
    """The audit snapshots (tests/audit/test_snapshots.py) follow ``--update-goldens`` too."""
    if config.getoption("update_goldens"):
        os.environ["NETVERIFY_UPDATE_SNAPSHOTS"] = "1"


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites golden files (``pytest --update-goldens``)."""
    return bool(request.config.getoption("update_goldens"))
