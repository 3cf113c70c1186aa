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


def option_values(page, select: str, containing: str, count: int) -> list[str]:
    """The values of the first `count` options of `select` whose label contains `containing`."""
    return page.eval_on_selector_all(
        f"{select} option",
        "(options, text) => options.filter(o => o.textContent.includes(text)).map(o => o.value)",
        containing)[:count]


def submit(page, another: bool = False) -> None:
    page.click("form.form button[name=another]" if another else "form.form button.primary")


def test_manager_plans_a_classic_trek_and_prints_the_manifest(operations_server, page):
    app, _ = operations_server
    page.goto("/login")
    page.fill("input[name=email]", "manager@lares.example")
    page.fill("input[name=password]", "lares-demo-2026")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=Los próximos 14 días")

    # A new draft: the classic route, mid-December, with a guide.
    page.goto("/departures/new")
    page.select_option("select[name=route_id]", label="Lares clásico 3 días")
    page.fill("input[name=start_date]", "2026-12-15")
    page.fill("input[name=price_per_traveller_usd]", "590.00")
    page.select_option("select[name=guide_id]", index=1)
    submit(page)
    page.wait_for_url("**/departures/*")
    assert "LAR-2026-12-15-A" in page.inner_text("h1")
    detail_url = page.url

    # Six travellers, one form after the other.
    page.goto(detail_url + "/travellers/new")
    for n, (name, country) in enumerate([("Zoë Ñúñez", "Chile"), ("Liam Byrne", "Ireland"),
                                         ("Aiko Sato", "Japan"), ("Jonas Berg", "Norway"),
                                         ("Marta Peña", "Spain"), ("Kofi Mensah", "Ghana")]):
        page.fill("input[name=full_name]", name)
        page.fill("input[name=nationality]", country)
        page.fill("input[name=emergency_contact_name]", f"{name} family")
        page.fill("input[name=emergency_contact_phone]", "+51 984 000 111")
        submit(page, another=n < 5)
        page.wait_for_load_state()

    # Three porters (wage left blank: the legal floor) and an arriero with two mules.
    page.goto(detail_url + "/staff/new?role=porter")
    for n, value in enumerate(option_values(page, "select[name=staff_member_id]", "Porteador", 3)):
        page.select_option("select[name=staff_member_id]", value)
        submit(page, another=n < 2)
        page.wait_for_load_state()
    page.goto(detail_url + "/staff/new?role=arriero")
    page.select_option("select[name=staff_member_id]", option_values(page, "select[name=staff_member_id]", "Arriero", 1)[0])
    page.fill("input[name=mules]", "2")
    submit(page)
    page.wait_for_url(detail_url + "*")

    # The load plan (48 kg: three porters at 20 kg) and the welfare checklist.
    page.goto(detail_url + "/loads")
    page.fill("input[name=company_load_kg]", "48")
    submit(page)
    page.wait_for_url(detail_url + "*")
    page.goto(detail_url + "/welfare")
    for box in page.query_selector_all("form.form input[type=checkbox]"):
        box.check()
    submit(page)
    page.wait_for_url(detail_url + "*")

    # The rotation's families, then confirm.
    page.click("[data-testid=accept-homestays]")
    page.wait_for_url(detail_url + "*")
    page.click("[data-testid=status-confirmed]")
    page.click("form.confirm details[open] button[type=submit]")
    page.wait_for_url(detail_url + "*")
    assert "Confirmada" in page.inner_text("h1"), page.inner_text("main")

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
