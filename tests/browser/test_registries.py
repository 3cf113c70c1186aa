"""In a real browser: a manager adds a homestay family, switches to Spanish and finds it listed.

Runs a live server on its own committed database (`make_committed_app`). Until the shared
`live_server`/`browser_page` fixtures land, this file carries a minimal local pair.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.accounts.roles import Role
from app.extensions import db
from tests.builders import Builders

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-pass-2026"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def registries_server(make_committed_app):
    """A live server with a manager and the community of Huacahuasi, committed."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: browser tests must run in CI")
        pytest.skip("Chromium is not installed")
    app = make_committed_app("browser_registries", WTF_CSRF_ENABLED=True)
    with app.app_context():
        build = Builders(db.session)
        build.user(role=Role.MANAGER, email="manager@browser.example", password=PASSWORD,
                   full_name="Rubén Quispe", language="en")
        build.community(name="Huacahuasi")
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(registries_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


def test_manager_adds_a_family_then_finds_it_in_spanish(registries_server, page):
    base = registries_server
    page.goto(f"{base}/login")
    page.fill("input[name=email]", "manager@browser.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.click("nav.mainnav >> text=Families")
    page.click("text=New homestay family")
    page.select_option("select[name=community_id]", label="Huacahuasi")
    page.fill("input[name=household_head]", "Dominga Ñaupa Ccorimanya")
    page.select_option("select[name=host_gender]", "female")
    page.fill("input[name=beds]", "5")
    page.select_option("select[name='payment-payment_method']", "yape")
    page.fill("input[name='payment-wallet_phone']", "987654321")
    page.click("main button[type=submit]")
    page.wait_for_url("**/families/*")
    assert "Dominga Ñaupa Ccorimanya added." in page.inner_text("main")

    page.click("[data-testid=switch-language]")
    page.click("nav.mainnav >> text=Familias")
    page.wait_for_url(f"{base}/families")
    listing = page.inner_text("main")
    assert "Familias anfitrionas" in listing
    assert "Dominga Ñaupa Ccorimanya" in listing and "Huacahuasi" in listing
