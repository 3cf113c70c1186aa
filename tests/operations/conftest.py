"""Fixtures for operations tests."""

from __future__ import annotations

import pytest

from tests.operations.builders import OperationsBuilders


@pytest.fixture
def ops(build) -> OperationsBuilders:
    """Builders for routes, departures, travellers, assignments, allocations, workshops."""
    return OperationsBuilders(build)
