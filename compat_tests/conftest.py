"""Fixtures for programs run on real TensorFlow and on tapejax.

- `compare(program, ...)` (the `compare` fixture) runs `program(tf)` on both and asserts that tapejax
  gives TF's values, dtypes, shapes, None patterns, structures and exception types.
- `tf` is parametrized over both backends, for assertions that must hold on each.
- Tests named in known_gaps.txt are marked strict xfail with the reason given there.
"""

from __future__ import annotations

import os

import pytest

from compat_tests import _harness

_GAPS_FILE = os.path.join(os.path.dirname(__file__), "known_gaps.txt")


def _known_gaps():
    """The non-comment lines of known_gaps.txt: `<test id> <reason>` (test ids may contain spaces)."""
    if not os.path.exists(_GAPS_FILE):
        return []
    lines = (line.strip() for line in open(_GAPS_FILE, encoding="utf-8"))
    return [line for line in lines if line and not line.startswith("#")]


def pytest_collection_modifyitems(config, items):
    gaps = _known_gaps()
    for item in items:
        for key in (item.nodeid.split("compat_tests/")[-1], item.name, item.originalname):
            reason = next((line[len(key):].strip(" -:") for line in gaps if line.startswith(key + " ")), None)
            if reason is not None:
                item.add_marker(pytest.mark.xfail(reason=reason or "known gap", strict=True))
                break


@pytest.fixture(params=_harness.BACKENDS)
def tf(request):
    return _harness.load(request.param)


@pytest.fixture
def compare():
    return _harness.compare
