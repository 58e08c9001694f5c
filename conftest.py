"""Shared by tests/ and compat_tests/: the automatic cache clearing under ever-new input shapes
(tapejax/_cache.py) is off, so a test's trace and compile counts never depend on what earlier tests
in the same worker compiled; tests/test_cache.py turns it on in a process of its own."""

import os

os.environ.setdefault("TAPEJAX_CACHE_CHURN_LIMIT", "0")

import pytest  # noqa: E402

from tapejax import _lazy  # noqa: E402


@pytest.fixture(autouse=True)
def _no_pending_updates_from_earlier_tests():
    """Runs the Variable updates an earlier test in this worker left pending (nothing read them), so
    they do not join this test's first program and change its trace counts."""
    try:
        _lazy.force(())
    except Exception:  # noqa: BLE001 - an earlier test's deliberately failing update
        pass
    yield
