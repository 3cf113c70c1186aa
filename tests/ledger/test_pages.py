"""The accountant's pages: post a departure, read the journal, payables and statements,
maintain rates, close months; managers and partners are kept out."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.accounts.roles import Role
from app.clock import today_lima
from app.extensions import db
from app.ledger.models import AccountingPeriod, JournalEntry, Obligation, RateCard, ServiceKind
from app.ledger.services import payable_account, post_departure
from tests.ledger.access_rules import EXPECTED_ACCESS
from tests.ledger.conftest import last_month_day, settle

# Periods, ageing and "today" are computed from the clock: hold it still (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def accountant(auth):
    return auth.login_as(Role.ACCOUNTANT, full_name="Carmen Huamán")


def test_every_ledger_route_declares_the_roles_the_access_rules_expect(app: Flask):
    declared = {endpoint: set(view.allowed_roles) for endpoint, view in app.view_functions.items()
                if endpoint.startswith("ledger.")}
    assert declared == EXPECTED_ACCESS


@pytest.mark.parametrize("role", [Role.MANAGER, Role.PARTNER])
def test_managers_and_partners_cannot_open_the_books(client, auth, role):
    auth.login_as(role)
    for url in ("/ledger/", "/ledger/payables", "/ledger/accounts", "/ledger/export?table=journal&format=csv"):
        assert client.get(url).status_code == 403


def test_accountant_posts_a_completed_departure_from_its_ledger_page(client, accountant, completed_departure):
    departure = completed_departure()
    page = client.get(f"/ledger/departures/{departure.id}").get_data(as_text=True)
    assert "Post to the ledger" in page and "S/ 2,205.00" in page
    response = client.post(f"/ledger/departures/{departure.id}/post")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Departure {departure.code} posted as entry" in page
    assert departure.posted_at is not None
    again = client.post(f"/ledger/departures/{departure.id}/post", follow_redirects=True)
    assert "already posted" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(JournalEntry.id))) == 1
    assert "S/ 2,205.00" in client.get("/ledger/").get_data(as_text=True)


def test_accountant_voids_a_wrong_obligation_with_a_reason(client, accountant, completed_departure):
    departure = completed_departure()
    post_departure(departure, accountant.id)
    obligation = db.session.scalars(select(Obligation).where(Obligation.departure_id == departure.id)).first()
    refused = client.post(f"/ledger/obligations/{obligation.id}/void", data={"reason": ""}, follow_redirects=True)
    assert "Say why" in refused.get_data(as_text=True)
    client.post(f"/ledger/obligations/{obligation.id}/void", data={"reason": "guests slept at the camp"})
    assert obligation.status.value == "voided"


def test_accountant_reverses_an_entry_and_cannot_do_it_twice(client, accountant, ledger):
    entry = ledger.accrual("45.00")
    response = client.post(f"/ledger/entries/{entry.id}/reverse", data={"reason": "typo"}, follow_redirects=True)
    assert f"Entry #{entry.id} reversed" in response.get_data(as_text=True)
    again = client.post(f"/ledger/entries/{entry.id}/reverse", data={"reason": "typo"}, follow_redirects=True)
    assert "already reversed" in again.get_data(as_text=True)


def test_a_payments_entry_is_not_reversed_from_the_journal(client, accountant, ledger, completed_departure):
    post_departure(completed_departure(), accountant.id)
    obligation = db.session.scalars(select(Obligation)).first()
    entry = settle(obligation, Decimal("10.00"), accountant.id)
    refused = client.post(f"/ledger/entries/{entry.id}/reverse", data={"reason": "typo"}, follow_redirects=True)
    assert "undone by voiding the payment" in refused.get_data(as_text=True)


def test_journal_filters_by_source_account_and_dates(client, accountant, ledger, build):
    family = build.family()
    ledger.accrual("10.00", payee=family, day=today_lima() - timedelta(days=1))
    ledger.accrual("20.00")
    account = payable_account("family", family.id)
    page = client.get(f"/ledger/?account={account.id}").get_data(as_text=True)
    assert "S/ 10.00" in page and "S/ 20.00" not in page
    page = client.get(f"/ledger/?date_from={today_lima().isoformat()}").get_data(as_text=True)
    assert "S/ 20.00" in page and "S/ 10.00" not in page
    assert "S/ 10.00" not in client.get("/ledger/?source=departure").get_data(as_text=True)


def test_list_pages_run_a_constant_number_of_queries(client, accountant, ledger, count_queries, completed_departure):
    def counts() -> list[int]:
        result = []
        for url in ("/ledger/", "/ledger/payables", "/ledger/payables/communities", "/ledger/accounts"):
            with count_queries() as statements:
                assert client.get(url).status_code == 200
            result.append(len(statements))
        return result

    post_departure(completed_departure(), accountant.id)
    for _ in range(2):
        ledger.accrual("10.00")
    # The test's app context outlives requests, so Flask-Login loads the signed-in user (one
    # query: their sign-in session) on the first request only; make that one uncounted.
    assert client.get("/").status_code == 200
    few = counts()
    post_departure(completed_departure(rates=False), accountant.id)
    post_departure(completed_departure(rates=False), accountant.id)
    for _ in range(20):
        ledger.accrual("10.00")
    assert counts() == few


def test_statement_pages_show_accrued_paid_and_balance(client, accountant, completed_departure, count_queries):
    departure = completed_departure()
    post_departure(departure, accountant.id)
    obligation = db.session.scalars(select(Obligation).where(
        Obligation.departure_id == departure.id, Obligation.service == ServiceKind.HOMESTAY_NIGHT)).first()
    settle(obligation, Decimal("180.00"))
    account = payable_account(obligation.payee_kind, obligation.payee_id)
    page = client.get(f"/ledger/accounts/{account.id}/statement").get_data(as_text=True)
    assert "S/ 180.00" in page and 'data-testid="balance"><strong>S/ 0.00' in page
    page = client.get(f"/ledger/communities/{obligation.community_id}/statement").get_data(as_text=True)
    assert "S/ 285.00" in page


def test_accountant_adds_a_rate_and_bad_rates_are_refused(client, accountant, build):
    community = build.community()
    response = client.post("/ledger/rates", data={"service": "homestay_night", "community": str(community.id),
                                                 "rate": "65.50", "effective_from": "2026-07-01"})
    assert response.status_code == 302
    card = db.session.scalars(select(RateCard)).one()
    assert (card.rate, card.community_id) == (Decimal("65.50"), community.id)
    for bad in ("0", "-5", "65.555", "abc"):
        response = client.post("/ledger/rates", data={"service": "homestay_night", "rate": bad,
                                                     "effective_from": "2026-08-01"})
        assert response.status_code == 400, bad
    duplicate = client.post("/ledger/rates", data={"service": "homestay_night", "community": str(community.id),
                                                  "rate": "70", "effective_from": "2026-07-01"})
    assert duplicate.status_code == 400 and "already starts" in duplicate.get_data(as_text=True)
    assert db.session.scalar(select(func.count(RateCard.id))) == 1


def test_accountant_enters_an_exchange_rate(client, accountant):
    assert client.post("/ledger/exchange-rates", data={"rate_date": "2026-06-01", "usd_to_pen": "3.7512"}).status_code == 302
    assert client.post("/ledger/exchange-rates", data={"rate_date": "2026-06-02", "usd_to_pen": "3.75123"}).status_code == 400
    assert "3.7512" in client.get("/ledger/exchange-rates").get_data(as_text=True)


def test_accountant_closes_a_month_and_only_an_admin_reopens_it(client, auth, accountant):
    day = last_month_day()
    response = client.post("/ledger/periods/close", data={"month": f"{day.year:04d}-{day.month:02d}"},
                           follow_redirects=True)
    assert "closed." in response.get_data(as_text=True)
    period = db.session.scalars(select(AccountingPeriod)).one()
    assert client.get(f"/ledger/periods/{period.id}/reopen").status_code == 403
    today = today_lima()
    refused = client.post("/ledger/periods/close", data={"month": f"{today.year:04d}-{today.month:02d}"},
                          follow_redirects=True)
    assert "has not ended" in refused.get_data(as_text=True)
    auth.logout()
    auth.login_as(Role.ADMIN)
    assert client.post(f"/ledger/periods/{period.id}/reopen", data={"reason": ""}).status_code == 400
    client.post(f"/ledger/periods/{period.id}/reopen", data={"reason": "late invoice"})
    assert not period.is_closed and period.reopen_reason == "late invoice"


def test_exports_download_as_csv_xlsx_and_hledger(client, accountant, ledger):
    ledger.accrual("12.50")
    csv_response = client.get("/ledger/export?table=journal&format=csv")
    assert csv_response.status_code == 200 and "12.50" in csv_response.get_data(as_text=True)
    xlsx = client.get("/ledger/export?table=balances&format=xlsx")
    assert xlsx.data[:2] == b"PK"
    journal = client.get("/ledger/export?format=hledger").get_data(as_text=True)
    assert "PEN 12.50" in journal and "PEN -12.50" in journal
    assert client.get("/ledger/export?table=secrets&format=csv").status_code == 404


def test_spanish_speaking_accountant_reads_the_ledger_in_spanish(client, auth, ledger):
    auth.login_as(Role.ACCOUNTANT, language="es")
    page = client.get("/ledger/payables").get_data(as_text=True)
    assert "Cuentas por pagar" in page
