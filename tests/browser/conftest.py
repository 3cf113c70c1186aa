"""Browser tests: a live server on its own committed database, driven by Debian's Chromium.

- `live_server` (session): the app from `make_committed_app("browser")`, demo data seeded and
  committed, served by werkzeug on 127.0.0.1 and a free port in a daemon thread. `.url` is
  its base URL, `.app` the Flask app (use `live_server.app.app_context()` to set up data, and
  commit it: the server sees only committed rows).
- `browser` (module): Chromium through Playwright's sync API. Never `playwright install`: the
  system's /usr/bin/chromium is used (tests/tools.py: missing, it fails under CI, else skips).
- `page` / `browser_page`: a fresh context (cookies, storage) and page per test, its base URL
  the live server; when the test fails a screenshot goes to test-artifacts/.
- `login(page, email, password)`, `make_user(live_server, role, language)`.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.accounts.roles import Role
from app.accounts.services import create_user
from app.extensions import db
from app.partners.models import Partner
from tests.live import LiveServer, serve
from tests.tools import require_tool

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BROWSER_PASSWORD = "browser-test-2026"
_serial = itertools.count(1)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group marker into the node id
def pytest_collection_modifyitems(items) -> None:
    """Everything under tests/browser is a browser test, and all run on one xdist worker, so
    the demo is seeded and served, and Chromium started, once."""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))
            item.add_marker(pytest.mark.long)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def live_server(make_committed_app) -> Iterator[LiveServer]:
    """The app with demo data, served on 127.0.0.1 in a background thread."""
    from app.demo.cli import seed_demo

    app = make_committed_app("browser")
    with app.app_context():
        seed_demo()
        db.session.commit()
        db.session.remove()
    with serve(app) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    """Chromium, headless, from the system (never downloaded). One per test module, closed
    after it: Playwright's sync API allows one running instance, and a module may start its own."""
    executable = require_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(request, browser, live_server):
    """A fresh browser context and page on the live server; a screenshot if the test fails."""
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    browser_page = context.new_page()
    try:
        yield browser_page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            browser_page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        context.close()


@pytest.fixture
def browser_page(page):
    """The same as `page` (the name the common brief announced)."""
    return page


def login(page, email: str, password: str) -> None:
    """Sign in through the form and wait until the start page is shown."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form.form button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))


def make_user(live_server: LiveServer, role: Role, language: str = "en", **fields) -> str:
    """Create and commit a user on the live server's database; return the email.

    Tests that change a user (language, password) use their own, so they stay independent.
    """
    email = fields.pop("email", f"browser{next(_serial)}-{role.value}@lares.example")
    with live_server.app.app_context():
        partner_id = None
        if role == Role.PARTNER:
            partner_id = db.session.scalar(db.select(Partner.id).order_by(Partner.id).limit(1))
        create_user(email, fields.pop("full_name", f"Browser {role.value}"), role,
                    BROWSER_PASSWORD, language=language, partner_id=partner_id)
        db.session.commit()
        db.session.remove()
    return email
