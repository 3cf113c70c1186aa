"""Shared fixtures: the app built once from the migrations, each test in a rolled-back transaction.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set. The schema
is created by the Alembic migrations (never `create_all`), so the tests exercise the same schema
production gets.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
import time_machine
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.clock import LIMA
from app.extensions import db
from config import TestConfig
from tests.builders import Builders

PASSWORD = "correct-horse-battery"
# Where period, ageing and dashboard tests live (`frozen_clock`): a Tuesday evening in Cusco when
# it is already Wednesday in UTC, early in a month, so "today", "last month" and "this week" are
# the same on every run, and a date taken from UTC instead of Lima shows.
FROZEN_NOW = datetime(2026, 11, 3, 21, 30, tzinfo=LIMA)


def is_postgres() -> bool:
    """True when this run targets PostgreSQL."""
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def reset_postgres_schema(url: str) -> None:
    """Drop and recreate the public schema, so each run starts from an empty database."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def recreate_postgres_database(url: str, name: str) -> str:
    """A new, empty database named `name` on `url`'s server (dropped first), made for tests; its URL."""
    target = make_url(url).set(database=name)
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A throwaway database needs no durability: commits return without waiting for the WAL
        # flush (what each commit makes visible, and every lock, is unchanged).
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    admin.dispose()
    return target.render_as_string(hide_password=False)


def pytest_collection_modifyitems(items) -> None:
    """Long tests first: xdist hands tests out in this order, and a long one started last would
    keep one worker busy while the other sits idle."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def pytest_configure(config) -> None:
    """Compile the catalogues once, before any worker starts (workers would race on the files)."""
    if not hasattr(config, "workerinput"):
        compile_catalogues()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id: str) -> str:
    """PostgreSQL from TEST_DATABASE_URL, else a fresh SQLite file.

    Run in parallel (pytest-xdist), each worker gets its own PostgreSQL database, named after
    TEST_DATABASE_URL's plus the worker's id (`test_gw0`); a lone run resets that database's
    schema. SQLite files live in each worker's own temporary folder.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if url and worker_id != "master":
        return recreate_postgres_database(url, f"{make_url(url).database}_{worker_id}")
    if url:
        reset_postgres_schema(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def compile_catalogues() -> None:
    """Compile every Spanish .po into .mo, so a bare `pytest` sees current translations."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent
    for po_path in [*root.glob("app/**/LC_MESSAGES/*.po"), *root.glob("reports/**/LC_MESSAGES/*.po")]:
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalogue = read_po(source)
        with mo_path.open("wb") as target:
            write_mo(target, catalogue)


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """The application, with the schema built by running every migration once."""
    application = create_app({**_test_settings(), "SQLALCHEMY_DATABASE_URI": database_url})
    with application.app_context():
        upgrade()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def make_committed_app(database_url: str, tmp_path_factory):
    """Build an app on its own fresh database, for tests that need real commits.

    Browser tests (a live server in another thread) and concurrency tests (many connections)
    cannot share the rolled-back test transaction. `make_committed_app("browser")` returns an
    app whose database is new and migrated: a temporary SQLite file, or on PostgreSQL a database
    named after TEST_DATABASE_URL's plus `_browser`, dropped and recreated.
    """
    def build(name: str, **settings) -> Flask:
        if database_url.startswith("postgresql"):
            url = recreate_postgres_database(database_url, f"{make_url(database_url).database}_{name}")
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp(name) / f'{name}.db'}"
        application = create_app({**_test_settings(), "SQLALCHEMY_DATABASE_URI": url, **settings})
        with application.app_context():
            upgrade()
            db.session.remove()
        built.append(application)
        return application

    built: list[Flask] = []
    yield build
    for application in built:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def _test_settings() -> dict:
    return {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}


class TestSession(scoped_session):
    """The test's one session, shared with every request the test makes.

    Flask-SQLAlchemy removes the session after each request; here that only expires what the
    session holds, so the next read (by the test or the next request) comes from the database,
    as it would in a fresh request, while the test's objects stay usable.
    """

    def remove(self) -> None:
        if self.registry.has():
            self.registry().expire_all()

    def really_remove(self) -> None:
        super().remove()


@pytest.fixture
def db_session(app: Flask) -> Iterator:
    """A session whose every commit is a savepoint inside one transaction rolled back at the end.

    No app context stays pushed during the test, so each request gets its own `g` (locale,
    signed-in user), as in production; tests that call services use the `ctx` fixture.
    """
    with rolled_back_session(app) as session:
        yield session


@contextmanager
def rolled_back_session(app: Flask) -> Iterator:
    """Swap `db.session` for one on a single connection whose transaction is rolled back on exit
    (commits inside become savepoints)."""
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = TestSession(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=lambda: 0,
    )
    try:
        yield db.session
    finally:
        db.session.really_remove()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def frozen_clock():
    """Time stands still at FROZEN_NOW (time-machine), so dates computed from today never drift."""
    with time_machine.travel(FROZEN_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ctx(app: Flask, db_session):
    """An application context for tests that call services or CLI code directly."""
    with app.app_context():
        yield


@pytest.fixture
def client(app: Flask, db_session):
    """A test client sharing the test's transaction."""
    return app.test_client()


@pytest.fixture
def build(db_session) -> Builders:
    """Builders for communities, families, staff, users... (flushed, never committed)."""
    return Builders(db_session)


class Auth:
    """Sign in and out through the real login form."""

    def __init__(self, client, build: Builders) -> None:
        self.client = client
        self.build = build

    def login_as(self, role, **user_fields):
        """Create a user with `role` and sign in as them; return the user."""
        user = self.build.user(role=role, password=PASSWORD, **user_fields)
        response = self.client.post(
            "/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client, build) -> Auth:
    """Sign in as a freshly built user of any role."""
    return Auth(client, build)


@pytest.fixture
def count_queries(app: Flask):
    """Count the SQL statements run inside a `with count_queries() as counter:` block."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before_cursor_execute)

    return counting
