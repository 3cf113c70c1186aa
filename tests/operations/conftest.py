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
    """An app context for calling services directly; outside a request they speak English.

    (`CLI_LOCALE`, the one rule for messages outside a request: `app.i18n.select_locale`.)
    """
    yield
