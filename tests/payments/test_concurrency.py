"""Never twice, never more than owed: 20 simultaneous submissions against a real database.

Each thread is its own browser tab: its own test client, request, session and connection. On
PostgreSQL the obligations are locked with SELECT ... FOR UPDATE; on SQLite the payment's
transaction begins with BEGIN IMMEDIATE and the others queue on the busy timeout.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from app.accounts.models import User
from app.accounts.roles import Role
from app.clock import today_lima
from app.extensions import db
from app.ledger.models import EntrySource, JournalEntry, Obligation, ObligationStatus, ServiceKind
from app.ledger.services import post_services
from app.ledger.verification import run_checks
from app.payments.models import Payment
from app.registries.models import Community, Gender, HomestayFamily, PayeeKind
from tests.payments.conftest import Delivered

THREADS = 20
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def committed_app(make_committed_app):
    """One migrated database with real commits for this module's tests."""
    return make_committed_app("concurrency")


_families = iter(range(1, 10_000))


def owe_a_family(app, amount: str = "240.00") -> tuple[HomestayFamily, int, str]:
    """Commit an accountant and a family owed `amount`; return the family, obligation id, email."""
    n = next(_families)
    with app.app_context():
        accountant = User(email=f"accountant{n}@example.com", full_name=f"Accountant {n}",
                          role=Role.ACCOUNTANT, language="en")
        accountant.set_password(PASSWORD)
        community = Community(name=f"Cuncani {n}", slug=f"cuncani-{n}", district="Lares")
        family = HomestayFamily(community=community, household_head=f"Familia Quispe {n}",
                                host_gender=Gender.FEMALE, beds=4)
        db.session.add_all([accountant, family])
        db.session.flush()
        day = today_lima()
        entry = post_services(
            [Delivered(ServiceKind.HOMESTAY_NIGHT, PayeeKind.FAMILY, family.id, community.id, 4, day,
                       Decimal(amount) / 4)],
            entry_date=day, trek_end_date=day, memo="trek", source_type=EntrySource.ADJUSTMENT,
            source_id=None, departure_id=None, actor_id=accountant.id)
        obligation_id = db.session.scalar(select(Obligation.id).where(Obligation.entry_id == entry.id))
        db.session.commit()
        family_id, email = family.id, accountant.email
        db.session.remove()
    return family_id, obligation_id, email


def signed_in_clients(app, email: str, count: int = THREADS) -> list:
    """`count` browser tabs of one signed-in accountant (signed in once, session cookie shared)."""
    first = app.test_client()
    assert first.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    cookie = first.get_cookie("session")
    clients = [first]
    for _ in range(count - 1):
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost")
        clients.append(client)
    return clients


def form_token(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="form_token" type="hidden" value="([^"]+)"', html).group(1)


def fire_together(submissions):
    """Run every submission at the same instant (a barrier), each in its own thread."""
    barrier = threading.Barrier(len(submissions))

    def run(submit):
        barrier.wait()
        return submit()

    with ThreadPoolExecutor(max_workers=len(submissions)) as pool:
        return list(pool.map(run, submissions))


def payment_data(obligation_id: int, token: str, amount: str = "240.00") -> dict:
    return {"obligations": [str(obligation_id)], "amount": amount, "method": "cash", "reference": "",
            "payment_date": today_lima().isoformat(), "note": "", "form_token": token}


def test_twenty_identical_submissions_make_one_payment_and_one_entry(committed_app):
    family_id, obligation_id, email = owe_a_family(committed_app)
    url = f"/payments/new?payee_kind=family&payee_id={family_id}"
    clients = signed_in_clients(committed_app, email)
    token = form_token(clients[0], url)  # one form, submitted 20 times (double clicks, retries)
    data = payment_data(obligation_id, token)
    responses = fire_together([lambda c=c: c.post(url, data=data) for c in clients])
    assert [r.status_code for r in responses] == [302] * THREADS
    assert len({r.headers["Location"] for r in responses}) == 1
    with committed_app.app_context():
        payments = db.session.scalars(select(Payment).where(Payment.payee_id == family_id)).all()
        assert len(payments) == 1
        key = payments[0].idempotency_key
        assert db.session.scalar(select(func.count()).select_from(JournalEntry)
                                 .where(JournalEntry.transfer_id == key)) == 1
        obligation = db.session.get(Obligation, obligation_id)
        assert obligation.amount_paid == Decimal("240.00") and obligation.status == ObligationStatus.SETTLED
        assert {name: problems for name, problems in run_checks().items() if problems} == {}
        db.session.remove()


def test_twenty_different_forms_paying_everything_pay_it_once(committed_app):
    family_id, obligation_id, email = owe_a_family(committed_app)
    url = f"/payments/new?payee_kind=family&payee_id={family_id}"
    clients = signed_in_clients(committed_app, email)
    tokens = [form_token(c, url) for c in clients]  # twenty tabs, each its own form and key
    responses = fire_together([lambda c=c, t=t: c.post(url, data=payment_data(obligation_id, t))
                               for c, t in zip(clients, tokens, strict=True)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [302] + [400] * (THREADS - 1)
    for refused in (r for r in responses if r.status_code == 400):
        assert "overpayments are refused" in refused.get_data(as_text=True)
    with committed_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Payment)
                                 .where(Payment.payee_id == family_id)) == 1
        obligation = db.session.get(Obligation, obligation_id)
        assert obligation.amount_paid == Decimal("240.00")
        assert {name: problems for name, problems in run_checks().items() if problems} == {}
        db.session.remove()


def test_partial_payments_racing_never_overpay(committed_app):
    """Twenty forms of S/ 50 against S/ 240: four are paid (S/ 200), the rest refused."""
    family_id, obligation_id, email = owe_a_family(committed_app)
    url = f"/payments/new?payee_kind=family&payee_id={family_id}"
    clients = signed_in_clients(committed_app, email)
    tokens = [form_token(c, url) for c in clients]
    responses = fire_together([lambda c=c, t=t: c.post(url, data=payment_data(obligation_id, t, "50.00"))
                               for c, t in zip(clients, tokens, strict=True)])
    assert sorted(r.status_code for r in responses) == [302] * 4 + [400] * (THREADS - 4)
    with committed_app.app_context():
        assert db.session.get(Obligation, obligation_id).amount_paid == Decimal("200.00")
        db.session.remove()


def test_the_payment_transaction_really_begins_immediate_on_sqlite(committed_app):
    """The option must reach the BEGIN: a view's transaction has begun before it runs."""
    with committed_app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("BEGIN IMMEDIATE is SQLite's; PostgreSQL locks rows FOR UPDATE (tested above)")
    family_id, obligation_id, email = owe_a_family(committed_app)
    url = f"/payments/new?payee_kind=family&payee_id={family_id}"
    client = signed_in_clients(committed_app, email, 1)[0]
    token = form_token(client, url)
    statements: list[str] = []
    with committed_app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.post(url, data=payment_data(obligation_id, token)).status_code == 302
    finally:
        event.remove(engine, "before_cursor_execute", record)
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert "BEGIN IMMEDIATE" in begins
    immediate = statements.index("BEGIN IMMEDIATE")
    first_write = next(i for i, s in enumerate(statements) if s.startswith(("INSERT", "UPDATE")))
    locked_read = next(i for i, s in enumerate(statements) if i > immediate and "FROM obligations" in s)
    assert immediate < locked_read < first_write  # the write lock is held before the amounts are read
    assert not any(s.startswith("BEGIN") for s in statements[immediate + 1:first_write])
