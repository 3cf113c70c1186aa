"""In a real browser: a manager imports a Spanish CSV of families, previews it, imports all
of it, and finds the families in the Spanish interface.

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
DATA = Path(__file__).resolve().parents[1] / "registries" / "data"
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
        build.community(name="Choquecancha")
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


def test_manager_imports_a_spanish_csv_after_its_preview(registries_server, page):
    base = registries_server
    page.goto(f"{base}/login")
    page.fill("input[name=email]", "manager@browser.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")

    page.click("nav.mainnav >> text=Families")
    page.click("main >> text=Import CSV")
    page.set_input_files("input[name=file]", str(DATA / "familias_es.csv"))
    page.click("main button.primary")
    preview = page.inner_text("main")
    assert "3 rows" in preview and "Juana Ñaupa Quispe" in preview
    page.click("[data-testid=import-all]")
    page.wait_for_url(f"{base}/families")
    assert "3 records imported." in page.inner_text("main")

    page.click("[data-testid=switch-language]")
    page.goto(f"{base}/families?q=Cusihuam")
    listing = page.inner_text("main")
    assert "Familias anfitrionas" in listing
    assert "Martina Cusihuamán Puma" in listing and "Fuera de la rotación" in listing
