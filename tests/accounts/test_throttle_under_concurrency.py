"""The sign-in throttle holds when the guesses come all at once, not one after another.

A real threaded server (werkzeug, as in the browser tests) on a committed database; every guess
is its own thread and its own HTTP connection, all released together by a barrier. Checking the
count and recording the attempt happen under one lock (an advisory lock per account and per
address on PostgreSQL, SQLite's write lock), so no more guesses are checked than the limit.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import request
from sqlalchemy import func, select

from app.accounts.models import LoginAttempt
from app.accounts.roles import Role
from app.accounts.services import create_user
from app.extensions import db
from tests.accounts.builders import BULK_PASSWORD, many_users
from tests.live import serve

PASSWORD = "quishuarani-2026"
# Generous bounds: every thread must be answered well within these on a loaded machine.
BARRIER_SECONDS = 60
REQUEST_SECONDS = 120


def begin_writes_immediately(app) -> None:
    """What a request hook may do (another branch plans it): begin every non-GET request's
    transaction IMMEDIATE on SQLite. The sign-in must hold with it and without it."""

    @app.before_request
    def begin_immediately():
        if request.method != "GET":
            db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


@pytest.fixture(params=["as_is", "writes_begin_immediate"])
def race_app(request, make_committed_app):
    """A committed app for one race, with or without the begin-IMMEDIATE request hook."""

    def build(name: str, **settings):
        app = make_committed_app(f"{name}_{request.param}", **settings)
        if request.param == "writes_begin_immediate":
            begin_writes_immediately(app)
        return app

    return build


def guess(base_url: str, email: str, password: str) -> str:
    """Post one sign-in; 'checked' (wrong password), 'throttled' (429) or what else came back."""
    body = urllib.parse.urlencode({"email": email, "password": password}).encode()
    request = urllib.request.Request(f"{base_url}/login", data=body,
                                     headers={"Accept-Language": "en"})
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_SECONDS) as response:
            page = response.read().decode()
            if response.status == 200 and "Wrong email or password" in page:
                return "checked"
            return f"unexpected {response.status}"
    except urllib.error.HTTPError as error:
        return "throttled" if error.code == 429 else f"unexpected {error.code}"


def all_at_once(guesses: list) -> Counter:
    """Run every guess in its own thread, released together; count the outcomes."""
    barrier = threading.Barrier(len(guesses), timeout=BARRIER_SECONDS)

    def run(one):
        barrier.wait()
        return one()

    with ThreadPoolExecutor(max_workers=len(guesses)) as pool:
        return Counter(pool.map(run, guesses, timeout=BARRIER_SECONDS + REQUEST_SECONDS))


def recorded_failures(app, **where) -> int:
    with app.app_context():
        query = select(func.count(LoginAttempt.id)).where(LoginAttempt.succeeded.is_(False))
        for key, value in where.items():
            query = query.where(getattr(LoginAttempt, key) == value)
        count = db.session.scalar(query)
        db.session.remove()
    return count


def test_forty_simultaneous_guesses_at_one_account_check_only_five(race_app):
    app = race_app("race_account")
    with app.app_context():
        create_user("rosa@lares.example", "Rosa Mamani", Role.MANAGER, PASSWORD)
        db.session.commit()
        db.session.remove()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    with serve(app) as server:
        url = server.url
        outcomes = all_at_once(
            [lambda n=n: guess(url, "rosa@lares.example", f"guess-{n:03d}") for n in range(40)])
        assert outcomes == Counter(checked=limit, throttled=40 - limit)
        assert recorded_failures(app, email="rosa@lares.example") == limit
        # The owner is locked out too until the window passes: the guesses were counted.
        assert guess(url, "rosa@lares.example", PASSWORD) == "throttled"


def test_sixty_simultaneous_guesses_from_one_address_check_only_twenty(race_app):
    app = race_app("race_address")
    with app.app_context():
        accounts = [user.email for user in many_users(db.session, 60)]
        db.session.commit()
        db.session.remove()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    assert len(accounts) == 60 and 60 // 2 > limit
    with serve(app) as server:
        url = server.url
        # Half at accounts that exist, half at addresses that do not: both count.
        targets = [email if n % 2 else f"nobody{n}@lares.example" for n, email in enumerate(accounts)]
        outcomes = all_at_once([lambda e=e: guess(url, e, "guess-guess") for e in targets])
        assert outcomes == Counter(checked=limit, throttled=60 - limit)
        assert recorded_failures(app, address="127.0.0.1") == limit


def sign_in_outcome(base_url: str, email: str, password: str) -> str:
    """Post one sign-in; 'signed in' (302 home), or what else came back."""

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    body = urllib.parse.urlencode({"email": email, "password": password}).encode()
    request = urllib.request.Request(f"{base_url}/login", data=body,
                                     headers={"Accept-Language": "en"})
    try:
        with urllib.request.build_opener(NoRedirects()).open(request, timeout=REQUEST_SECONDS) as response:
            return f"unexpected {response.status}"
    except urllib.error.HTTPError as error:
        return "signed in" if error.code == 302 else f"unexpected {error.code}"


def test_thirty_people_signing_in_at_once_from_one_office_address_all_get_in(race_app):
    # Their checks in flight count against the address's 20 failures; the later ones wait for
    # room (the wait made long here, so a loaded machine cannot turn it into a refusal).
    app = race_app("race_office", LOGIN_IN_FLIGHT_WAIT_SECONDS=90)
    with app.app_context():
        accounts = [user.email for user in many_users(db.session, 30)]
        db.session.commit()
        db.session.remove()
    with serve(app) as server:
        url = server.url
        outcomes = all_at_once([lambda e=e: sign_in_outcome(url, e, BULK_PASSWORD) for e in accounts])
    assert outcomes == Counter({"signed in": 30})
    assert 30 > app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
