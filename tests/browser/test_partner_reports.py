"""A partner reader signs in, sees only its organisation's issued reports, and downloads one.

Runs on the shared live server (tests/browser/conftest.py): the demo data includes the 2026 dry
season report issued to the demo partner; this test issues another organisation a report of
its own, which the demo partner's reader must never see.
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.roles import Role
from app.demo.impact import DEMO_PARTNER
from app.extensions import db
from app.impact.models import ImpactReport
from app.impact.services import issue_report
from app.partners.models import Partner, PartnerKind
from tests.browser.conftest import BROWSER_PASSWORD, login, make_user


@pytest.fixture(scope="module")
def reports(live_server):
    """(id, number, pdf sha) of the demo partner's report, and (id, number) of another's."""
    with live_server.app.app_context():
        ours = db.session.scalar(select(ImpactReport).join(Partner).where(Partner.name == DEMO_PARTNER))
        assert ours is not None, "the demo data issues the dry-season report to the demo partner"
        theirs_partner = Partner(name="Travelife audit (browser test)", kind=PartnerKind.CERTIFIER, language="en")
        db.session.add(theirs_partner)
        db.session.flush()
        accountant = db.session.scalar(select(User).where(User.role == Role.ACCOUNTANT).order_by(User.id).limit(1))
        theirs = issue_report(theirs_partner, ours.period_from, ours.period_to, "cash", accountant.id)
        values = {"ours": (ours.id, ours.number, ours.pdf_sha256), "theirs": (theirs.id, theirs.number)}
        db.session.commit()
        db.session.remove()
    return values


def test_partner_sees_only_its_reports_and_downloads_one(live_server, page, reports, tmp_path):
    our_id, our_number, our_sha = reports["ours"]
    their_id, their_number = reports["theirs"]
    with live_server.app.app_context():
        demo_partner_id = db.session.scalar(select(Partner.id).where(Partner.name == DEMO_PARTNER))
    email = make_user(live_server, Role.PARTNER, language="en")
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.partner_id == demo_partner_id  # make_user gives partners the first organisation
        db.session.remove()

    login(page, email, BROWSER_PASSWORD)
    page.wait_for_selector("[data-testid=issued-report]")
    assert DEMO_PARTNER in page.inner_text("h1")
    rows = page.locator("[data-testid=issued-report]")
    assert rows.count() == 1
    assert our_number in rows.first.inner_text() and their_number not in page.content()

    with page.expect_download() as download_info:
        rows.first.get_by_role("link", name="Download").click()
    target = tmp_path / "report.pdf"
    download_info.value.save_as(target)
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == our_sha

    assert page.goto(f"/impact/reports/{their_id}").status == 403
    assert page.goto(f"/impact/reports/{their_id}/pdf").status == 403
    response = page.goto(f"/impact/reports/{our_id}")
    assert response.status == 200 and our_number in page.inner_text("h1")
