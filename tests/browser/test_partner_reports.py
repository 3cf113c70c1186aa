"""A partner reader signs in, sees only its organisation's issued reports, and downloads one.

A minimal live server of its own (make_committed_app + werkzeug on a free port) and the
system Chromium through Playwright's sync API; never `playwright install`.
"""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import date
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.accounts.roles import Role
from app.accounts.services import create_user
from app.extensions import db
from app.impact.services import issue_report
from app.ledger.services import close_period
from app.partners.models import Partner, PartnerKind

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "lectura-socia-2026"


@pytest.fixture(scope="module")
def reports_server(make_committed_app):
    """A served app with two organisations, each issued one report for a closed month."""
    app = make_committed_app("impact_browser")
    with app.app_context():
        accountant = create_user("carmen@lares.example", "Carmen Huamán", Role.ACCOUNTANT, PASSWORD)
        ours = Partner(name="Tejiendo Futuro", kind=PartnerKind.NGO, language="en")
        theirs = Partner(name="Travelife audit", kind=PartnerKind.CERTIFIER, language="en")
        db.session.add_all([ours, theirs])
        db.session.flush()
        create_user("lectora@tejiendo.example", "Nilda Ccorimanya", Role.PARTNER, PASSWORD,
                    language="en", partner_id=ours.id)
        close_period(2025, 1, accountant.id)
        january = (date(2025, 1, 1), date(2025, 1, 31))
        our_report = issue_report(ours, *january, "accrual", accountant.id)
        their_report = issue_report(theirs, *january, "cash", accountant.id)
        reports = {"ours": (our_report.id, our_report.number, our_report.pdf_sha256),
                   "theirs": (their_report.id, their_report.number)}
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", reports
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def chromium():
    """The system Chromium, headless."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_partner_sees_only_its_reports_and_downloads_one(reports_server, chromium, tmp_path):
    url, reports = reports_server
    our_id, our_number, our_sha = reports["ours"]
    their_id, their_number = reports["theirs"]
    context = chromium.new_context(base_url=url, locale="en-US", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/login")
        page.fill("input[name=email]", "lectora@tejiendo.example")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_selector("[data-testid=issued-report]")
        assert "Impact reports for Tejiendo Futuro" in page.inner_text("h1")
        rows = page.locator("[data-testid=issued-report]")
        assert rows.count() == 1
        assert our_number in rows.first.inner_text() and their_number not in page.content()

        with page.expect_download() as download_info:
            rows.first.get_by_role("link", name="Download").click()
        target = tmp_path / "report.pdf"
        download_info.value.save_as(target)
        pdf = target.read_bytes()
        assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == our_sha

        response = page.goto(f"/impact/reports/{their_id}")
        assert response.status == 403
        response = page.goto(f"/impact/reports/{our_id}")
        assert response.status == 200 and our_number in page.inner_text("h1")
    finally:
        context.close()
