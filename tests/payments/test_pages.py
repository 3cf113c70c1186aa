"""The payments pages as accountants use them: pay, print, approve, void, batch, export."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.accounts.roles import Role
from app.clock import today_lima
from app.ledger.models import ObligationStatus
from app.payments.models import Payment, PaymentBatch, PaymentStatus
from tests.payments.test_receipt_documents import pdf_text

# Periods, ageing and "today" are computed from the clock: hold it still (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("frozen_clock")


def form_token(html: str) -> str:
    return re.search(r'name="form_token" type="hidden" value="([^"]+)"', html).group(1)


def payment_form_url(payee) -> str:
    return f"/payments/new?payee_kind=family&payee_id={payee.id}"


def pay_form(owed, amount="120.00", method="cash", reference="", **extra) -> dict:
    owed = owed if isinstance(owed, list) else [owed]
    return {"obligations": [str(o.id) for o in owed], "amount": amount, "method": method,
            "reference": reference, "payment_date": today_lima().isoformat(), "note": "", **extra}


def payment_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Payment))


@pytest.fixture
def accountant(auth):
    return auth.login_as(Role.ACCOUNTANT, full_name="Rosa Condori")


def test_accountant_pays_a_family_from_its_form_and_downloads_the_receipt(client, accountant, payments, build, db_session):
    family = build.family(household_head="Justina Ñaupa Huillca")
    owed = payments.owe(family, "120.00")
    page = client.get(payment_form_url(family))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Justina Ñaupa Huillca" in html and 'value="120.00"' in html  # prefilled with what is owed
    response = client.post(payment_form_url(family), data=pay_form(owed, form_token=form_token(html)))
    assert response.status_code == 302
    payment = db_session.scalars(select(Payment)).one()
    assert response.headers["Location"].endswith(f"/payments/{payment.id}")
    assert payment.status == PaymentStatus.POSTED and owed.status == ObligationStatus.SETTLED
    detail = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert payment.receipt_label in detail and "S/ 120.00" in detail
    receipt = client.get(f"/payments/{payment.id}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    text = pdf_text(receipt.data)
    assert "CIENTO VEINTE Y 00/100 SOLES" in text and "Justina Ñaupa Huillca" in text


def test_submitting_the_same_form_twice_makes_one_payment_and_shows_it(client, accountant, payments, build, db_session):
    family = build.family()
    owed = payments.owe(family, "120.00")
    token = form_token(client.get(payment_form_url(family)).get_data(as_text=True))
    first = client.post(payment_form_url(family), data=pay_form(owed, form_token=token))
    second = client.post(payment_form_url(family), data=pay_form(owed, form_token=token))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert payment_count(db_session) == 1
    shown = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "already recorded" in shown


def test_a_forged_token_is_refused_and_nothing_is_written(client, accountant, payments, build, db_session):
    family = build.family()
    owed = payments.owe(family, "120.00")
    response = client.post(payment_form_url(family), data=pay_form(owed, form_token="made-up"))
    assert response.status_code == 400
    assert "forged" in response.get_data(as_text=True)
    assert payment_count(db_session) == 0


def test_a_token_from_another_payees_form_is_refused(client, accountant, payments, build, db_session):
    one, other = build.family(), build.family()
    payments.owe(one, "120.00")
    owed = payments.owe(other, "80.00")
    token = form_token(client.get(payment_form_url(one)).get_data(as_text=True))
    response = client.post(payment_form_url(other), data=pay_form(owed, "80.00", form_token=token))
    assert response.status_code == 400
    assert "another payee" in response.get_data(as_text=True)
    assert payment_count(db_session) == 0


@pytest.mark.parametrize("amount, message", [("0", "greater than zero"), ("-3", "greater than zero"),
                                             ("12.345", "two decimals"), ("120.01", "overpayments are refused")])
def test_bad_amounts_re_render_the_form_with_the_reason(client, accountant, payments, build, db_session, amount, message):
    family = build.family()
    owed = payments.owe(family, "120.00")
    token = form_token(client.get(payment_form_url(family)).get_data(as_text=True))
    response = client.post(payment_form_url(family), data=pay_form(owed, amount, form_token=token))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert payment_count(db_session) == 0 and owed.amount_paid == Decimal("0.00")


def test_yape_without_operation_number_is_refused(client, accountant, payments, build, db_session):
    family = build.family()
    owed = payments.owe(family, "120.00")
    token = form_token(client.get(payment_form_url(family)).get_data(as_text=True))
    response = client.post(payment_form_url(family), data=pay_form(owed, method="yape", form_token=token))
    assert response.status_code == 400 and "operation number" in response.get_data(as_text=True)
    assert payment_count(db_session) == 0


def test_the_payee_picker_lists_who_is_owed(client, accountant, payments, build):
    payments.owe(build.family(household_head="Familia Quispe"), "60.00")
    html = client.get("/payments/new").get_data(as_text=True)
    assert "Familia Quispe" in html and "S/ 60.00" in html


def test_a_second_accountant_approves_a_large_payment_on_its_page(client, auth, payments, build, db_session):
    family = build.family()
    pending = payments.pay(payments.owe(family, "1500.00"), "1500.00").payment  # by payments.accountant
    auth.login_as(Role.ACCOUNTANT, full_name="Walter Huamán")
    assert "S/ 1,500.00" in client.get("/payments/approvals").get_data(as_text=True)
    response = client.post(f"/payments/{pending.id}/approve")
    assert response.status_code == 302
    assert pending.status == PaymentStatus.POSTED and pending.receipt_number is not None
    again = client.post(f"/payments/{pending.id}/approve", follow_redirects=True)
    assert "already approved" in again.get_data(as_text=True)


def test_the_creator_cannot_approve_their_own_payment_on_its_page(client, auth, payments, build, db_session):
    maker = auth.login_as(Role.ACCOUNTANT)
    pending = payments.pay(payments.owe(build.family(), "1500.00"), "1500.00", actor=maker).payment
    page = client.get(f"/payments/{pending.id}").get_data(as_text=True)
    assert 'data-testid="approve"' not in page and "another accountant" in page
    response = client.post(f"/payments/{pending.id}/approve", follow_redirects=True)
    assert "another accountant or an administrator must approve it" in response.get_data(as_text=True)
    assert pending.status == PaymentStatus.PENDING


def test_voiding_on_the_page_needs_a_reason_and_the_receipt_then_says_anulado(client, accountant, payments, build, db_session):
    payment = payments.pay(payments.owe(build.family(), "120.00"), "120.00").payment
    client.post(f"/payments/{payment.id}/void", data={"reason": ""})
    assert payment.status == PaymentStatus.POSTED
    client.post(f"/payments/{payment.id}/void", data={"reason": "wrong family"})
    assert payment.status == PaymentStatus.VOIDED and payment.void_entry_id is not None
    assert "ANULADO" in pdf_text(client.get(f"/payments/{payment.id}/receipt.pdf").data)


def test_a_pending_payment_has_no_receipt_yet(client, accountant, payments, build):
    pending = payments.pay(payments.owe(build.family(), "1500.00"), "1500.00").payment
    assert client.get(f"/payments/{pending.id}/receipt.pdf").status_code == 404


def test_payments_list_filters_and_paginates(client, accountant, payments, build):
    family = build.family(household_head="Familia Mamani")
    payments.pay(payments.owe(family, "50.00"), "50.00")
    payments.pay(payments.owe(build.family(household_head="Familia Yupanqui"), "70.00"), "70.00",
                 method="yape", reference="Y-1")
    assert "Familia Yupanqui" not in client.get("/payments?method=cash").get_data(as_text=True)
    html = client.get("/payments?method=yape&status=posted&payee_kind=family").get_data(as_text=True)
    assert "Familia Yupanqui" in html and "Familia Mamani" not in html
    assert "Familia Mamani" in client.get("/payments?q=mamani").get_data(as_text=True)
    tomorrow = (today_lima() + timedelta(days=1)).isoformat()
    assert "No payments match" in client.get(f"/payments?date_from={tomorrow}").get_data(as_text=True)


def test_payments_list_runs_the_same_queries_for_3_or_30_payments(app, client, accountant, payments, build, count_queries):
    def make(n):
        for _ in range(n):
            payments.pay(payments.owe(build.family(), "10.00"), "10.00")

    make(3)
    client.get("/payments")
    with app.app_context(), count_queries() as few:
        assert client.get("/payments").status_code == 200
    make(27)
    with app.app_context(), count_queries() as many:
        assert client.get("/payments").status_code == 200
    assert len(few) == len(many)


def test_pages_for_approvals_and_batches_run_constant_queries(app, client, accountant, payments, build, count_queries):
    def make(n):
        for _ in range(n):
            payments.pay(payments.owe(build.family(), "1500.00"), "1500.00")

    make(2)
    for url in ("/payments/approvals", "/payments/batches", "/payments/new"):
        client.get(url)
    with app.app_context(), count_queries() as few:
        for url in ("/payments/approvals", "/payments/new"):
            client.get(url)
    make(20)
    with app.app_context(), count_queries() as many:
        for url in ("/payments/approvals", "/payments/new"):
            client.get(url)
    assert len(few) == len(many)


def test_payments_export_as_csv_and_xlsx(client, accountant, payments, build):
    payments.pay(payments.owe(build.family(household_head="Familia Ñaupa"), "1234.50"), "1000.00")
    csv_text = client.get("/payments/export.csv").data.decode("utf-8-sig")
    header, row = csv_text.splitlines()[:2]
    assert header.startswith("payment,receipt,payment_date,status")
    assert "Familia Ñaupa" in row and "1000.00" in row
    workbook = load_workbook(io.BytesIO(client.get("/payments/export.xlsx").data))
    values = [cell.value for cell in workbook.active[2]]
    assert "Familia Ñaupa" in values and Decimal("1000.00") in [Decimal(str(v)) for v in values if isinstance(v, (int, float))]


def test_batch_run_pays_everyone_owed_in_a_community_and_prints_one_sheet(client, accountant, payments, build, db_session):
    cuncani = build.community(name="Cuncani")
    elsewhere = build.community(name="Huacahuasi")
    quispe, huaman = build.family(cuncani, household_head="Familia Quispe"), build.family(cuncani, household_head="Familia Huamán")
    porter = build.staff(full_name="Wilber Ccori", community_id=cuncani.id)
    payments.owe_many(quispe, ["60.00", "120.00"], day=today_lima() - timedelta(days=5))
    payments.owe(huaman, "60.00", day=today_lima() - timedelta(days=5))
    payments.owe(porter, "161.00", day=today_lima() - timedelta(days=4))
    later = payments.owe(huaman, "60.00")  # after the cut-off
    payments.owe(build.family(elsewhere, household_head="Familia Lejana"), "60.00", day=today_lima() - timedelta(days=5))
    cutoff = (today_lima() - timedelta(days=1)).isoformat()
    preview = client.get(f"/payments/batches/new?community={cuncani.id}&cutoff={cutoff}").get_data(as_text=True)
    assert "Familia Quispe" in preview and "Wilber Ccori" in preview and "Familia Lejana" not in preview
    assert "S/ 401.00" in preview
    token = form_token(preview)
    data = {"community": str(cuncani.id), "cutoff": cutoff, "payment_date": today_lima().isoformat(), "form_token": token}
    response = client.post("/payments/batches/new", data=data)
    assert response.status_code == 302
    batch = db_session.scalars(select(PaymentBatch)).one()
    assert batch.payment_count == 3 and batch.total == Decimal("401.00")
    assert {p.status for p in batch.payments} == {PaymentStatus.POSTED}
    assert later.status == ObligationStatus.OPEN
    again = client.post("/payments/batches/new", data=data)  # a refresh of the confirmation
    assert again.headers["Location"] == response.headers["Location"]
    assert db_session.scalar(select(func.count()).select_from(PaymentBatch)) == 1
    sheet = pdf_text(client.get(f"/payments/batches/{batch.id}/sheet.pdf").data)
    for name in ("Familia Quispe", "Familia Huamán", "Wilber Ccori"):
        assert name in sheet
    assert "Firma o huella digital" in sheet and "S/ 401.00" in sheet


def test_batch_run_with_nothing_owed_says_so(client, accountant):
    page = client.get(f"/payments/batches/new?cutoff={today_lima().isoformat()}")
    assert "Nothing is owed" in page.get_data(as_text=True)


def test_admin_sets_a_new_threshold_and_accountants_cannot(client, auth, db_session):
    auth.login_as(Role.ACCOUNTANT)
    assert client.get("/payments/threshold").status_code == 403
    auth.logout()
    auth.login_as(Role.ADMIN)
    response = client.post("/payments/threshold", data={"amount": "500.00", "effective_from": today_lima().isoformat(), "note": "new policy"})
    assert response.status_code == 302
    assert "S/ 500.00" in client.get("/payments/threshold").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.PARTNER])
def test_managers_and_partners_see_no_payments(client, auth, role):
    auth.login_as(role)
    for url in ("/payments", "/payments/new", "/payments/approvals", "/payments/batches", "/payments/export.csv"):
        assert client.get(url).status_code == 403


def test_a_spanish_speaking_accountant_reads_the_payments_pages_in_spanish(client, auth, payments, build):
    auth.login_as(Role.ACCOUNTANT, language="es")
    payments.pay(payments.owe(build.family(), "1500.00"), "1500.00")
    assert "Pagar a un beneficiario" in client.get("/payments").get_data(as_text=True)
    assert "Pendiente de aprobación" in client.get("/payments").get_data(as_text=True)
