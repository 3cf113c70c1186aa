"""The year's work end to end in a real browser, on the demo data: the manager plans and confirms
a trek; the accountant posts a completed one, pays every payee in one batch run and prints the
batch sheet; the administrator closes a month; the partner downloads the report issued to it.

Uses the shared live server and page (tests/browser/conftest.py), which keeps a screenshot of
any failing step under test-artifacts/.
"""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.clock import today_lima
from app.demo.users import DEMO_PASSWORD
from app.extensions import db
from app.ledger.models import AccountingPeriod, Obligation, ObligationStatus
from app.operations.models import Departure, DepartureStatus, Route
from app.payments.models import PaymentBatch, PaymentStatus
from app.registries.models import Community, StaffMember, StaffRole, StaffRoleLink
from tests.browser.conftest import login
from tests.browser.steps import plan_and_confirm_departure
from tests.builders import Builders
from tests.operations.builders import OperationsBuilders

TREK_START = date(2026, 11, 16)  # a short trek that ended in November (an open month)
FAMILY = "Journey Family Ñaupa"


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def confirm(page) -> None:
    """Open the confirmation step of the page's one confirm form and say yes."""
    page.click("form details.confirm summary")
    page.click("form details.confirm[open] button[type=submit]")


@pytest.fixture(scope="module")
def completed_trek(live_server):
    """The short route's trek of 16-17 November, walked and recorded, not yet posted."""
    with live_server.app.app_context():
        build = Builders(db.session)
        ops = OperationsBuilders(build)
        route = db.session.scalars(select(Route).where(Route.code == "LCO")).one()
        departure = ops.departure(route, start=TREK_START, status=DepartureStatus.COMPLETED,
                                  code=f"LCO-{TREK_START.isoformat()}-J")
        for _ in range(3):
            ops.traveller(departure, walked=True)
        family = build.family(db.session.get(Community, route.days[0].night_community_id),
                              household_head=FAMILY)
        ops.allocation(departure, family, TREK_START, guests=3, guests_actual=3)
        porter = db.session.scalars(select(StaffMember).join(StaffRoleLink)
                                    .where(StaffRoleLink.role == StaffRole.PORTER).order_by(StaffMember.id)).first()
        ops.assignment(departure, porter, StaffRole.PORTER, daily_wage=Decimal("170.00"), actual_days=2)
        db.session.commit()
        ids = {"departure": departure.id, "family": family.id}
        db.session.remove()
    return ids


def test_manager_plans_and_confirms_a_departure(page, live_server):
    login(page, "manager@lares.example", DEMO_PASSWORD)
    plan_and_confirm_departure(page, "2026-12-09", [(name, "Chile") for name in (
        "Zoë Ñúñez", "Liam Byrne", "Aiko Sato", "Marta Peña")])
    with live_server.app.app_context():
        departure = db.session.scalars(select(Departure).where(Departure.code == "LAR-2026-12-09-A")).one()
        assert departure.status == DepartureStatus.CONFIRMED
        assert len(departure.travellers) == 4 and departure.homestay_allocations
        db.session.remove()


def test_accountant_posts_a_trek_pays_every_payee_in_a_batch_and_prints_the_sheet(page, live_server, completed_trek):
    login(page, "accountant@lares.example", DEMO_PASSWORD)
    page.goto(f"/ledger/departures/{completed_trek['departure']}")
    confirm(page)
    page.wait_for_load_state()
    with live_server.app.app_context():
        posted = db.session.get(Departure, completed_trek["departure"])
        assert posted.posted_at is not None
        owed_to_family = db.session.scalar(select(func.count(Obligation.id)).where(
            Obligation.departure_id == posted.id, Obligation.payee_id == completed_trek["family"]))
        assert owed_to_family == 1
        db.session.remove()

    cutoff = today_lima().isoformat()
    page.goto(f"/payments/batches/new?cutoff={cutoff}")
    assert FAMILY in page.inner_text("main")
    page.click("form details.confirm summary")
    page.click("[data-testid=run-batch]")
    page.wait_for_url(re.compile(r".*/payments/batches/\d+$"))
    sheet = page.get_attribute("a[href$='/sheet.pdf']", "href")
    printed = page.request.get(sheet)  # what the button opens, with the accountant's session
    assert printed.ok and FAMILY in pdf_text(printed.body())

    # Every payee was paid (or waits, above the threshold, for a second person's approval).
    page.goto(f"/payments/batches/new?cutoff={cutoff}")
    assert page.query_selector("[data-testid=run-batch]") is None
    assert page.query_selector("main .empty") is not None
    with live_server.app.app_context():
        batch = db.session.scalars(select(PaymentBatch).order_by(PaymentBatch.id.desc())).first()
        assert batch.payment_count == len(batch.payments) > 1
        assert {p.status for p in batch.payments} <= {PaymentStatus.POSTED, PaymentStatus.PENDING}
        family_paid = db.session.scalars(select(Obligation).where(
            Obligation.departure_id == completed_trek["departure"],
            Obligation.payee_id == completed_trek["family"])).one()
        assert family_paid.status == ObligationStatus.SETTLED
        db.session.remove()


def test_admin_closes_the_month(page, live_server):
    login(page, "admin@lares.example", DEMO_PASSWORD)
    page.goto("/ledger/periods")
    page.fill("input[name=month]", "2026-10")
    confirm(page)
    page.wait_for_url("**/ledger/periods")
    assert "2026-10" in page.inner_text("main table")
    with live_server.app.app_context():
        october = db.session.scalars(select(AccountingPeriod).where(
            AccountingPeriod.year == 2026, AccountingPeriod.month == 10)).one()
        assert october.is_closed
        db.session.remove()


def test_partner_downloads_the_report_issued_to_it(page, live_server):
    login(page, "partner@lares.example", DEMO_PASSWORD)  # lands on its organisation's reports
    number = page.inner_text("main table tbody tr:first-child td:first-child")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").first.click()
    assert download.value.suggested_filename == f"{number}.pdf"
    text = pdf_text(Path(download.value.path()).read_bytes())
    assert number in text and "Huacahuasi" in text
