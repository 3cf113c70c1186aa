"""Fixtures for operations tests."""

from __future__ import annotations

import pytest

from tests.operations.builders import OperationsBuilders


@pytest.fixture
def ops(build) -> OperationsBuilders:
    """Builders for routes, departures, travellers, assignments, allocations, workshops."""
    return OperationsBuilders(build)


@pytest.fixture
def svc(ctx):
    """An app context in English, for calling services directly and reading their messages."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield
