"""A manager plans a classic 3-day trek in a real browser, from an empty draft to the manifest.

Uses its own small live server (a committed demo database served by werkzeug on a free port)
and the shared `browser` fixture.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.serving import make_server

from app.extensions import db
from app.operations.models import Departure, HomestayAllocation
from tests.browser.steps import plan_and_confirm_departure

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def operations_server(make_committed_app):
    """The demo data committed to a fresh database, served in a background thread."""
    from app.demo.cli import seed_demo

    app = make_committed_app("operations_browser")
    with app.app_context():
        seed_demo()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page(operations_server, browser):
    """A page on this module's server, in the session's Chromium (tests/browser/conftest.py):
    a second sync_playwright() while the session's runs is refused ("inside the asyncio loop")."""
    _, url = operations_server
    context = browser.new_context(base_url=url, accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_manager_plans_a_classic_trek_and_prints_the_manifest(operations_server, page):
    app, _ = operations_server
    page.goto("/login")
    page.fill("input[name=email]", "manager@lares.example")
    page.fill("input[name=password]", "lares-demo-2026")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=Los próximos 14 días")

    plan_and_confirm_departure(page, "2026-12-15", [
        ("Zoë Ñúñez", "Chile"), ("Liam Byrne", "Ireland"), ("Aiko Sato", "Japan"),
        ("Jonas Berg", "Norway"), ("Marta Peña", "Spain"), ("Kofi Mensah", "Ghana")])
    heading = page.inner_text("h1")
    assert "LAR-2026-12-15-A" in heading and "Confirmada" in heading, page.inner_text("main")

    with page.expect_download() as download:
        page.click("[data-testid=manifest-es]")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages)

    with app.app_context():
        departure = db.session.scalars(select(Departure).where(Departure.code == "LAR-2026-12-15-A")).one()
        families = {a.family.household_head for a in db.session.scalars(
            select(HomestayAllocation).where(HomestayAllocation.departure_id == departure.id))}
        assert len(departure.travellers) == 6
        assert sum(1 for a in departure.staff_assignments if a.role.value == "porter") == 3
    assert families
    for family in families:
        assert family in text
    assert "Zoë Ñúñez" in text and "Familias anfitrionas" in text
