"""Shared by tests/ and compat_tests/: the automatic cache clearing under ever-new input shapes
(tapejax/_cache.py) is off, so a test's trace and compile counts never depend on what earlier tests
in the same worker compiled; tests/test_cache.py turns it on in a process of its own."""

import os

os.environ.setdefault("TAPEJAX_CACHE_CHURN_LIMIT", "0")
