"""A busy office on one database: many people sign in and save at the same moment.

A real werkzeug server (threaded, as `make run` serves) on a committed database; every session
is its own thread with its own cookies, speaking HTTP over a socket. On SQLite a request that may
write begins with BEGIN IMMEDIATE, so writers queue on the busy timeout instead of failing when a
read transaction tries to become a write one; a lock held past the timeout, or a database that
cannot be written, answers a 503 page in the user's language with nothing saved.
"""

from __future__ import annotations

import http.cookiejar
import sqlite3
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app.accounts.models import LoginAttempt, User
from app.accounts.roles import Role
from app.extensions import db
from app.registries.models import Community
from tests.conftest import is_postgres

SESSIONS = 60
PASSWORD = "office-rush-2026"
HTTP_TIMEOUT = 60  # seconds per request: a queued writer waits at most the busy timeout (10 s)
SQLITE_ONLY = pytest.mark.skipif(
    is_postgres(), reason="the write lock, its busy timeout and read-only files are SQLite's"
)


@dataclass
class Server:
    """A running server: its base URL and its app."""

    url: str
    app: Flask


def serve(app: Flask) -> Iterator[Server]:
    """Serve `app` with werkzeug's threaded server on 127.0.0.1 and a free port until closed."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="office-server", daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def office(make_committed_app) -> Iterator[Server]:
    """The office's server on its own committed database."""
    yield from serve(make_committed_app("office"))


def add_managers(app: Flask, prefix: str, count: int, language: str = "en") -> list[str]:
    """Commit `count` managers (one password hash shared, to keep the setup quick); their emails."""
    template = User(email="x@x", full_name="x", role=Role.MANAGER)
    template.set_password(PASSWORD)
    emails = [f"{prefix}{n}@lares.example" for n in range(count)]
    with app.app_context():
        for n, email in enumerate(emails):
            db.session.add(User(email=email, full_name=f"Gestora {prefix} {n}", role=Role.MANAGER,
                                language=language, password_hash=template.password_hash))
        db.session.commit()
        db.session.remove()
    return emails


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Let the test see each 302 instead of following it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


@dataclass
class Answer:
    """One HTTP answer: status, headers and body text."""

    status: int
    headers: dict
    text: str


class Browser:
    """One person's browser tab: its own cookie jar, plain HTTP to the server."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects()
        )

    def post(self, path: str, data: dict) -> Answer:
        """POST a form, as the browser would; any status comes back as an Answer."""
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base_url + path, data=body, method="POST")
        try:
            with self.opener.open(request, timeout=HTTP_TIMEOUT) as response:
                return Answer(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            with error:
                return Answer(error.code, dict(error.headers), error.read().decode())

    def sign_in(self, email: str) -> Answer:
        """Sign in through the login form."""
        return self.post("/login", {"email": email, "password": PASSWORD})


def community_form(name: str) -> dict:
    """A valid new-community form as posted."""
    return {"name": name, "district": "Lares", "altitude_m": "3800", "payment-payment_method": "cash"}


def fire_together(jobs: list) -> list:
    """Run every job at the same instant (a barrier), each in its own thread."""
    barrier = threading.Barrier(len(jobs), timeout=30)

    def run(job):
        barrier.wait()
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs, timeout=240))


def count(app: Flask, statement) -> int:
    """One counted figure, read in a fresh session."""
    with app.app_context():
        figure = db.session.scalar(statement)
        db.session.remove()
    return figure


@pytest.mark.timeout(280)
def test_sixty_people_sign_in_and_save_at_once_and_every_save_lands(office):
    emails = add_managers(office.app, "rush", SESSIONS)

    def day_at_the_office(n: int) -> list[int]:
        browser = Browser(office.url)
        signed_in = browser.sign_in(emails[n])
        saved = browser.post("/communities/new", community_form(f"Rush community {n}"))
        return [signed_in.status, saved.status]

    statuses = fire_together([lambda n=n: day_at_the_office(n) for n in range(SESSIONS)])

    failures = [status for pair in statuses for status in pair if status >= 500]
    assert failures == [], f"{len(failures)} of {2 * SESSIONS} answers were server errors"
    assert statuses == [[302, 302]] * SESSIONS
    landed = count(office.app, select(func.count(Community.id)).where(Community.name.like("Rush community %")))
    assert landed == SESSIONS
