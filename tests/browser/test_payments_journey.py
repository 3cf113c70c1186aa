"""In a real browser: an accountant posts a completed trek, pays a family in cash, prints the
receipt (with the amount in words), and the family's statement shows nothing owed.

Uses the shared live server (the demo data) and its `page`, with its own community and trek.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.accounts.roles import Role
from app.clock import today_lima
from app.extensions import db
from app.ledger.models import Account
from app.operations.models import DepartureStatus, NightKind
from app.registries.models import PayeeKind
from tests.builders import Builders
from tests.operations.builders import OperationsBuilders
from tests.tools import require_tool

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def journey(live_server) -> dict:
    """On the shared demo server: an accountant and a completed, unposted trek through a new
    community at the demo's general rates (homestay S/ 60, visitor fee S/ 10)."""
    require_tool("chromium")
    with live_server.app.app_context():
        build = Builders(db.session)
        ops = OperationsBuilders(build)
        build.user(role=Role.ACCOUNTANT, email="rosa@example.com", full_name="Rosa Condori",
                   password=PASSWORD, language="en")
        pampacorral = build.community(name="Pampacorral")
        family = build.family(pampacorral, household_head="Justina Ñaupa Huillca")
        start = today_lima() - timedelta(days=3)
        route = ops.route(nights=[(NightKind.HOMESTAY, pampacorral), (NightKind.NONE, None)])
        departure = ops.departure(route, start=start, status=DepartureStatus.COMPLETED, code="LAR-TEST-A")
        ops.traveller(departure, walked=True)
        ops.traveller(departure, walked=True)
        ops.allocation(departure, family, start, guests=2, guests_actual=2)
        db.session.commit()
        ids = {"departure_id": departure.id, "family_id": family.id}
        db.session.remove()
    return ids


def test_accountant_posts_a_trek_pays_the_family_prints_the_receipt_and_nothing_is_owed(live_server, journey, page):
    ids = journey
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
    with live_server.app.app_context():
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
