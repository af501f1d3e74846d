"""Fixtures for the season tests; helpers live in ``seasonkit`` (a unique module name)."""

from __future__ import annotations

import pytest
from seasonkit import Made, run


@pytest.fixture(scope="module")
def season() -> Made:
    """One honest season (read-only: tests that change it build their own)."""
    return run()
