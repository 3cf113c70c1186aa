"""Fixtures for tests on the demo data (walking every route, reading the demo season): seeded
once per worker, each test rolled back.

A test module uses them with `pytest_plugins = ["tests.walk_fixtures"]` (this module must not
be imported directly, so pytest can register it as a plugin).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from tests.conftest import rolled_back_session
from tests.route_walk import collect_access_rules, sample_values


@pytest.fixture(scope="session")
def walk_app(make_committed_app) -> Flask:
    """An app on its own database with the demo data committed once (seeding takes seconds;
    every walking test starts from the same data and rolls its changes back)."""
    from app.demo.cli import seed_demo

    app = make_committed_app("walk")
    with app.app_context():
        seed_demo()
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture
def walk_session(walk_app: Flask) -> Iterator:
    """The walk database in one transaction rolled back after the test; requests share it."""
    with rolled_back_session(walk_app) as session:
        yield session


@pytest.fixture
def walk_samples(walk_app: Flask, walk_session) -> dict[str, Any]:
    """The URL parameter values on the demo data (see `sample_values`)."""
    with walk_app.app_context():
        return sample_values(collect_access_rules().url_params)


@pytest.fixture
def demo(walk_app: Flask, walk_session) -> Iterator:
    """The demo data (seeded once per worker) for tests that read or change it: the walk
    database's rolled-back session, with the walk app's context pushed for service calls."""
    with walk_app.app_context():
        yield walk_session
