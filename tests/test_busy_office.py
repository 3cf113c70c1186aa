"""A busy office on one database: many people sign in and save at the same moment.

A real werkzeug server (threaded, as `make run` serves) on a committed database; every session
is its own thread with its own cookies, speaking HTTP over a socket. On SQLite a request that may
write begins with BEGIN IMMEDIATE, so writers queue on the busy timeout instead of failing when a
read transaction tries to become a write one; a lock held past the timeout, or a database that
cannot be written, answers a 503 page in the user's language with nothing saved.
"""

from __future__ import annotations

import html
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

from app import create_app
from app.accounts.models import LoginAttempt, User
from app.accounts.roles import Role
from app.extensions import db
from app.registries.models import Community
from tests.conftest import is_postgres
from tests.live import LiveServer, serve

SESSIONS = 60
PASSWORD = "office-rush-2026"
HTTP_TIMEOUT = 60  # seconds per request: a queued writer waits at most the busy timeout (10 s)
SQLITE_ONLY = pytest.mark.skipif(
    is_postgres(), reason="the write lock, its busy timeout and read-only files are SQLite's"
)


@pytest.fixture(scope="module")
def office(make_committed_app) -> Iterator[LiveServer]:
    """The office's server on its own committed database."""
    with serve(make_committed_app("office")) as server:
        yield server


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
    """One HTTP answer: status, headers and the body's text (HTML entities decoded)."""

    status: int
    headers: dict
    text: str


class Browser:
    """One person's browser tab: its own cookie jar, plain HTTP to the server."""

    def __init__(self, base_url: str, language: str = "en") -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects()
        )
        self.opener.addheaders = [("Accept-Language", language)]

    def post(self, path: str, data: dict) -> Answer:
        """POST a form, as the browser would; any status comes back as an Answer."""
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base_url + path, data=body, method="POST")
        try:
            with self.opener.open(request, timeout=HTTP_TIMEOUT) as response:
                return Answer(response.status, dict(response.headers), html.unescape(response.read().decode()))
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            with error:
                return Answer(error.code, dict(error.headers), html.unescape(error.read().decode()))

    def get(self, path: str) -> Answer:
        """GET a page."""
        try:
            with self.opener.open(self.base_url + path, timeout=HTTP_TIMEOUT) as response:
                return Answer(response.status, dict(response.headers), html.unescape(response.read().decode()))
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, dict(error.headers), html.unescape(error.read().decode()))

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


def sqlite_path(app: Flask) -> str:
    """The file behind an app's SQLite database."""
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database


@pytest.fixture(scope="module")
def impatient_office(make_committed_app) -> Iterator[LiveServer]:
    """A server whose writers wait only a fifth of a second for the write lock."""
    with serve(make_committed_app("impatient", SQLITE_BUSY_TIMEOUT_MS=200)) as server:
        yield server


class HeldWriteLock:
    """Another program holding SQLite's write lock (BEGIN IMMEDIATE) until released."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


@SQLITE_ONLY
@pytest.mark.timeout(60)
def test_a_write_lock_held_past_the_busy_timeout_answers_busy_try_again_and_saves_nothing(impatient_office):
    app = impatient_office.app
    english, spanish = add_managers(app, "busy-en", 1) + add_managers(app, "busy-es", 1, language="es")
    browsers = {email: Browser(impatient_office.url) for email in (english, spanish)}
    for email, browser in browsers.items():
        assert browser.sign_in(email).status == 302
    latecomer = Browser(impatient_office.url)
    attempts_before = count(app, select(func.count(LoginAttempt.id)))

    lock = HeldWriteLock(sqlite_path(app))
    try:
        saved_en = browsers[english].post("/communities/new", community_form("Locked out en"))
        saved_es = browsers[spanish].post("/communities/new", community_form("Locked out es"))
        signed_in = latecomer.sign_in(english)
        reading = browsers[english].get("/communities")
    finally:
        lock.release()

    assert (saved_en.status, saved_es.status, signed_in.status) == (503, 503, 503)
    assert saved_en.headers["Retry-After"] == signed_in.headers["Retry-After"] == "5"
    assert "The database is busy with other people's changes. Nothing was saved." in saved_en.text
    assert "La base de datos está ocupada con cambios de otras personas. No se guardó nada." in saved_es.text
    assert reading.status == 200  # reading never waits on a writer
    assert count(app, select(func.count(Community.id)).where(Community.name.like("Locked out%"))) == 0
    assert count(app, select(func.count(LoginAttempt.id))) == attempts_before
    # The lock gone, the same form saves.
    assert browsers[english].post("/communities/new", community_form("Locked out en")).status == 302


@SQLITE_ONLY
@pytest.mark.timeout(60)
def test_a_read_only_database_file_answers_cannot_be_written_and_saves_nothing(make_committed_app):
    writable = make_committed_app("read-only")
    [email] = add_managers(writable, "ro", 1)
    # What SQLite does with a file it may not write (chmod 444, or a read-only mount): it opens
    # it read-only. The suite may run as root, whom chmod does not stop, so ask for that directly.
    read_only = create_app({**writable.config, "SQLALCHEMY_DATABASE_URI":
                            f"sqlite:///file:{sqlite_path(writable)}?mode=ro&uri=true"})
    try:
        with serve(read_only) as server:
            sign_in_page = Browser(server.url).get("/login")
            signed_in = Browser(server.url).sign_in(email)
            signed_in_es = Browser(server.url, language="es").sign_in(email)
    finally:
        with read_only.app_context():
            db.engine.dispose()

    assert sign_in_page.status == 200  # reading still works
    assert (signed_in.status, signed_in_es.status) == (503, 503)
    assert "Retry-After" not in signed_in.headers  # waiting will not help: someone must fix it
    assert "The database cannot be written right now (it is read-only). Nothing was saved." in signed_in.text
    assert "No se puede escribir en la base de datos en este momento (es de solo lectura). No se guardó nada." in signed_in_es.text
    assert count(writable, select(func.count(LoginAttempt.id))) == 0


@pytest.fixture(scope="module")
def bare_office(make_committed_app) -> Flask:
    """An app on its own committed database, for transactions driven by hand."""
    return make_committed_app("upgrade")


def someone_else_adds(app: Flask, name: str) -> None:
    """Another program adds and commits a community by plain SQL."""
    other = sqlite3.connect(sqlite_path(app), isolation_level=None)
    other.execute("INSERT INTO communities (name, slug, district, payment_method, created_at) "
                  "VALUES (?, ?, 'Lares', 'cash', '2026-01-01 00:00:00')", (name, name.lower().replace(" ", "-")))
    other.close()


@SQLITE_ONLY
def test_a_transaction_that_read_before_someone_else_wrote_can_still_write(bare_office):
    # The deferred read-then-write that SQLite refused at once ("database is locked").
    with bare_office.app_context():
        assert db.session.scalar(select(func.count(Community.id))) == 0  # a read: the snapshot
        someone_else_adds(bare_office, "Written meanwhile")
        db.session.add(Community(name="Ours", slug="ours", district="Lares"))
        db.session.commit()
        names = set(db.session.scalars(select(Community.name)))
        db.session.remove()
    assert {"Written meanwhile", "Ours"} <= names


@SQLITE_ONLY
def test_a_transaction_stays_one_transaction_after_it_takes_the_write_lock(bare_office):
    with bare_office.app_context():
        db.session.scalar(select(func.count(Community.id)))
        db.session.add(Community(name="First half", slug="first-half", district="Lares"))
        db.session.flush()  # the first write: the lock is taken here
        db.session.add(Community(name="Second half", slug="second-half", district="Lares"))
        db.session.flush()
        db.session.rollback()
        landed = db.session.scalar(select(func.count(Community.id)).where(Community.name.like("% half")))
        db.session.remove()
    assert landed == 0
