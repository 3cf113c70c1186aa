"""In a real browser: an accountant posts a completed trek, pays a family in cash, prints the
receipt (with the amount in words), and the family's statement shows nothing owed.

Uses a minimal local live server (werkzeug on port 0) and the shared `browser` fixture.
"""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.serving import make_server

from app.accounts.roles import Role
from app.clock import today_lima
from app.extensions import db
from app.ledger.models import Account, ServiceKind
from app.ledger.rates import add_rate
from app.operations.models import DepartureStatus, NightKind
from app.registries.models import PayeeKind
from tests.builders import Builders
from tests.operations.builders import OperationsBuilders
from tests.tools import require_tool

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def journey_app(make_committed_app):
    """A committed database with an accountant and a completed, unposted trek (homestay S/ 60)."""
    require_tool("chromium")
    app = make_committed_app("payments_browser")
    with app.app_context():
        build = Builders(db.session)
        ops = OperationsBuilders(build)
        accountant = build.user(role=Role.ACCOUNTANT, email="rosa@example.com", full_name="Rosa Condori",
                                password=PASSWORD, language="en")
        add_rate(ServiceKind.HOMESTAY_NIGHT, "60.00", today_lima() - timedelta(days=365), None, accountant.id)
        add_rate(ServiceKind.VISITOR_FEE, "10.00", today_lima() - timedelta(days=365), None, accountant.id)
        huacahuasi = build.community(name="Huacahuasi")
        family = build.family(huacahuasi, household_head="Justina Ñaupa Huillca")
        start = today_lima() - timedelta(days=3)
        route = ops.route(nights=[(NightKind.HOMESTAY, huacahuasi), (NightKind.NONE, None)])
        departure = ops.departure(route, start=start, status=DepartureStatus.COMPLETED, code="LAR-TEST-A")
        ops.traveller(departure, walked=True)
        ops.traveller(departure, walked=True)
        ops.allocation(departure, family, start, guests=2, guests_actual=2)
        db.session.commit()
        app.config["JOURNEY"] = {"departure_id": departure.id, "family_id": family.id}
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def server_url(journey_app):
    server = make_server("127.0.0.1", 0, journey_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page(server_url, browser):
    """A page on this module's server, in the session's Chromium (tests/browser/conftest.py):
    a second sync_playwright() while the session's runs is refused ("inside the asyncio loop")."""
    context = browser.new_context(base_url=server_url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_accountant_posts_a_trek_pays_the_family_prints_the_receipt_and_nothing_is_owed(journey_app, page):
    ids = journey_app.config["JOURNEY"]
    page.goto("/login")
    page.fill("input[name=email]", "rosa@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")

    # Post the completed departure on the ledger's page.
    page.goto(f"/ledger/departures/{ids['departure_id']}")
    page.click("summary:has-text('Post to the ledger')")
    page.click("button:has-text('Yes, post to the ledger')")
    page.wait_for_load_state()
    assert "posted" in page.inner_text("main").lower()

    # From the family's statement, pay it in cash (the form is prefilled with what it is owed).
    with journey_app.app_context():
        account_id = db.session.scalar(select(Account.id).where(
            Account.payee_kind == PayeeKind.FAMILY, Account.payee_id == ids["family_id"]))
        db.session.remove()
    statement = f"/ledger/accounts/{account_id}/statement"
    page.goto(statement)
    assert page.inner_text("[data-testid=balance]").strip() == "S/ 120.00"
    page.click("[data-testid=pay-payee]")
    page.wait_for_url("**/payments/new?*")
    assert page.input_value("input[name=amount]") == "120.00"
    assert page.input_value("select[name=method]") == "cash"
    page.click("[data-testid=pay]")
    page.wait_for_url("**/payments/*")
    assert "S/ 120.00" in page.inner_text("[data-testid=payment-amount]")

    # Print the receipt: a PDF whose text carries the amount in words.
    receipt_url = page.get_attribute("[data-testid=receipt-link]", "href")
    response = page.request.get(receipt_url)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    text = " ".join(text.split())
    assert "CIENTO VEINTE Y 00/100 SOLES" in text and "Justina Ñaupa Huillca" in text
    assert "Firma o huella digital" in text

    # The family's statement: accrued 120, paid 120, nothing owed.
    page.goto(statement)
    assert page.inner_text("[data-testid=accrued]").strip() == "S/ 120.00"
    assert page.inner_text("[data-testid=paid]").strip() == "S/ 120.00"
    assert page.inner_text("[data-testid=balance]").strip() == "S/ 0.00"
    assert page.locator("[data-testid=pay-payee]").count() == 0
