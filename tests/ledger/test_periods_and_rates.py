"""Closed months take no postings; rates and exchange rates are looked up by date."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.audit.models import AuditEvent
from app.clock import today_lima
from app.extensions import db
from app.ledger.models import JournalEntry, Obligation, ObligationStatus, ServiceKind
from app.ledger.rates import add_exchange_rate, add_rate, rate_in_force, usd_to_pen
from app.ledger.services import (
    EntrySource,
    InvalidAmount,
    LedgerError,
    MissingExchangeRate,
    MissingRate,
    NothingToPost,
    NotReversible,
    ObligationError,
    PeriodClosed,
    PeriodError,
    close_period,
    ensure_period_open,
    payable_account,
    post_services,
    reopen_period,
    reverse_entry,
    void_obligation,
)
from app.registries.models import PayeeKind
from tests.ledger.conftest import Delivered, last_month_day

# Periods, ageing and "today" are computed from the clock: hold it still (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("frozen_clock")


def test_accountant_closes_last_month_and_nothing_can_be_posted_into_it(ledger):
    day = last_month_day()
    ledger.accrual(day=day)
    period = close_period(day.year, day.month, ledger.actor.id)
    before = db.session.scalar(select(func.count(JournalEntry.id)))
    with pytest.raises(PeriodClosed, match=f"{day.year:04d}-{day.month:02d} is closed"):
        ledger.accrual(day=day)
    with pytest.raises(PeriodClosed):
        ensure_period_open(day.replace(day=1))
    assert db.session.scalar(select(func.count(JournalEntry.id))) == before
    assert period.closed_by_id == ledger.actor.id
    # The database refuses it too, whatever the application does.
    with pytest.raises(DBAPIError, match="closed"):
        with db.session.begin_nested():
            db.session.execute(text(
                "INSERT INTO journal_entries (entry_date, memo, source_type, transfer_id, created_at, posted) "
                "VALUES (:day, 'raw', 'adjustment', 'raw-closed', CURRENT_TIMESTAMP, :no)"), {"day": day, "no": False})


def test_a_correction_of_a_closed_month_lands_in_the_open_one(ledger):
    day = last_month_day()
    entry = ledger.accrual(day=day)
    close_period(day.year, day.month, ledger.actor.id)
    reversal = reverse_entry(entry, ledger.actor.id, "double entry")
    assert reversal.entry_date == today_lima()


def test_months_that_have_not_ended_cannot_be_closed_nor_closed_twice(ledger):
    today = today_lima()
    with pytest.raises(PeriodError, match="has not ended"):
        close_period(today.year, today.month, ledger.actor.id)
    with pytest.raises(PeriodError):
        close_period(today.year, 13, ledger.actor.id)
    day = last_month_day()
    close_period(day.year, day.month, ledger.actor.id)
    with pytest.raises(PeriodError, match="already closed"):
        close_period(day.year, day.month, ledger.actor.id)


def test_reopening_needs_a_reason_and_is_audited(ledger, build):
    day = last_month_day()
    period = close_period(day.year, day.month, ledger.actor.id)
    admin = build.user()
    with pytest.raises(PeriodError, match="why"):
        reopen_period(period, admin.id, "")
    reopen_period(period, admin.id, "late homestay invoice from Huacahuasi")
    ensure_period_open(day)
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "accounting_periods", AuditEvent.action == "reopen")).one()
    assert event.actor_id == admin.id and "Huacahuasi" in event.reason
    with pytest.raises(PeriodError, match="not closed"):
        reopen_period(period, admin.id, "again")
    close_period(day.year, day.month, ledger.actor.id)  # and it can be closed again


# --- Rate card -------------------------------------------------------------------------------


def test_the_rate_in_force_on_the_service_date_is_used(ledger, build):
    community = build.community()
    add_rate(ServiceKind.HOMESTAY_NIGHT, "55", date(2026, 1, 1), None, ledger.actor.id)
    add_rate(ServiceKind.HOMESTAY_NIGHT, "60", date(2026, 6, 1), None, ledger.actor.id)
    add_rate(ServiceKind.HOMESTAY_NIGHT, "70", date(2026, 7, 1), community.id, ledger.actor.id)
    assert rate_in_force(ServiceKind.HOMESTAY_NIGHT, None, date(2026, 5, 31)).rate == Decimal("55.00")
    assert rate_in_force(ServiceKind.HOMESTAY_NIGHT, None, date(2026, 6, 1)).rate == Decimal("60.00")
    assert rate_in_force(ServiceKind.HOMESTAY_NIGHT, community.id, date(2026, 6, 30)).rate == Decimal("60.00")
    assert rate_in_force(ServiceKind.HOMESTAY_NIGHT, community.id, date(2026, 7, 2)).rate == Decimal("70.00")
    with pytest.raises(MissingRate, match="2025-12-31"):
        rate_in_force(ServiceKind.HOMESTAY_NIGHT, None, date(2025, 12, 31))
    with pytest.raises(LedgerError, match="already starts"):
        add_rate(ServiceKind.HOMESTAY_NIGHT, "61", date(2026, 6, 1), None, ledger.actor.id)
    with pytest.raises(InvalidAmount):
        add_rate(ServiceKind.COOK_DAY, "0", date(2026, 6, 1), None, ledger.actor.id)
    with pytest.raises(InvalidAmount):
        add_rate(ServiceKind.COOK_DAY, "170.001", date(2026, 6, 1), None, ledger.actor.id)


def test_a_rate_change_never_alters_what_was_posted(ledger, build):
    family = build.family()
    add_rate(ServiceKind.HOMESTAY_NIGHT, "60", date(2020, 1, 1), None, ledger.actor.id)
    today = today_lima()
    entry = post_services([ledger.homestay(family, nights=3, day=today)], entry_date=today,
                          trek_end_date=today, memo="trek", source_type=EntrySource.ADJUSTMENT,
                          source_id=None, departure_id=None, actor_id=ledger.actor.id)
    add_rate(ServiceKind.HOMESTAY_NIGHT, "80", today - timedelta(days=1), None, ledger.actor.id)
    obligation = db.session.scalars(select(Obligation).where(Obligation.entry_id == entry.id)).one()
    db.session.expire_all()
    assert (obligation.unit_rate, obligation.amount) == (Decimal("60.00"), Decimal("180.00"))
    assert entry.total == Decimal("180.00")


def test_services_post_one_balanced_entry_a_line_per_payee_and_service(ledger, build):
    ledger.rate_card()
    family = build.family()
    porter = build.staff()
    community = family.community
    today = today_lima()
    services = [
        ledger.homestay(family, nights=2, day=today - timedelta(days=2)),
        ledger.homestay(family, nights=2, day=today - timedelta(days=1)),
        Delivered(ServiceKind.VISITOR_FEE, PayeeKind.COMMUNITY, community.id, community.id, 4, today),
        Delivered(ServiceKind.PORTER_DAY, PayeeKind.STAFF, porter.id, None, 3, today, Decimal("165.00")),
        Delivered(ServiceKind.WORKSHOP_PARTICIPANT, PayeeKind.COMMUNITY, community.id, community.id, 0, today),
    ]
    entry = post_services(services, entry_date=today, trek_end_date=today, memo="LAR-TEST",
                          source_type=EntrySource.ADJUSTMENT, source_id=None, departure_id=None,
                          actor_id=ledger.actor.id)
    by_account = {(line.account.code, line.description): (line.debit, line.credit) for line in entry.lines}
    assert by_account == {
        ("expenses:community-fees", None): (Decimal("40.00"), Decimal("0.00")),
        ("expenses:homestays", None): (Decimal("240.00"), Decimal("0.00")),
        ("expenses:porterage", None): (Decimal("495.00"), Decimal("0.00")),
        (f"liabilities:payable:family:{family.id}", "homestay_night x4"): (Decimal("0.00"), Decimal("240.00")),
        (f"liabilities:payable:community:{community.id}", "visitor_fee x4"): (Decimal("0.00"), Decimal("40.00")),
        (f"liabilities:payable:staff:{porter.id}", "porter_day x3"): (Decimal("0.00"), Decimal("495.00")),
    }
    obligations = db.session.scalars(select(Obligation).where(Obligation.entry_id == entry.id)).all()
    assert len(obligations) == 4 and all(o.status == ObligationStatus.OPEN for o in obligations)
    porter_obligation = next(o for o in obligations if o.service == ServiceKind.PORTER_DAY)
    assert porter_obligation.unit_rate == Decimal("165.00") and porter_obligation.rate_card_id is None


def test_nothing_delivered_means_nothing_posted(ledger, build):
    with pytest.raises(NothingToPost):
        post_services([ledger.homestay(build.family(), nights=0)], entry_date=today_lima(),
                      trek_end_date=today_lima(), memo="x", source_type=EntrySource.ADJUSTMENT,
                      source_id=None, departure_id=None, actor_id=None)


def test_voiding_an_obligation_posts_an_adjustment_referencing_the_original(ledger, build):
    ledger.rate_card()
    family = build.family()
    today = today_lima()
    entry = post_services([ledger.homestay(family, nights=1)], entry_date=today, trek_end_date=today,
                          memo="trek", source_type=EntrySource.ADJUSTMENT, source_id=None,
                          departure_id=None, actor_id=ledger.actor.id)
    obligation = db.session.scalars(select(Obligation).where(Obligation.entry_id == entry.id)).one()
    with pytest.raises(ObligationError, match="why"):
        void_obligation(obligation, ledger.actor.id, "")
    adjustment = void_obligation(obligation, ledger.actor.id, "family was away")
    assert adjustment.adjusts_entry_id == entry.id and obligation.status == ObligationStatus.VOIDED
    payable = payable_account(PayeeKind.FAMILY, family.id)
    assert sum(line.credit - line.debit for e in (entry, adjustment) for line in e.lines
               if line.account_id == payable.id) == 0
    with pytest.raises(ObligationError, match="voided"):
        void_obligation(obligation, ledger.actor.id, "again")
    with pytest.raises(NotReversible, match="stays voided"):
        reverse_entry(adjustment, ledger.actor.id, "undo")
    # Found by the property test: the accrual cannot be reversed too (the family would be owed -S/ 60).
    with pytest.raises(NotReversible, match="voided already"):
        reverse_entry(entry, ledger.actor.id, "undo the trek")


def test_reversing_an_accrual_voids_its_obligations(ledger, build):
    ledger.rate_card()
    today = today_lima()
    entry = post_services([ledger.homestay(build.family(), nights=2)], entry_date=today,
                          trek_end_date=today, memo="trek", source_type=EntrySource.ADJUSTMENT,
                          source_id=None, departure_id=None, actor_id=ledger.actor.id)
    reverse_entry(entry, ledger.actor.id, "wrong trek")
    statuses = db.session.scalars(select(Obligation.status).where(Obligation.entry_id == entry.id)).all()
    assert statuses == [ObligationStatus.VOIDED]


# --- Exchange rates --------------------------------------------------------------------------


def test_dollars_convert_at_the_rate_in_force_and_the_rate_is_named(ledger):
    first = add_exchange_rate(date(2026, 6, 1), "3.7525", ledger.actor.id, source="SBS")
    add_exchange_rate(date(2026, 6, 15), "3.70", ledger.actor.id)
    assert usd_to_pen(Decimal("100.00"), date(2026, 6, 14)) == (Decimal("375.25"), first.id)
    assert usd_to_pen("0.01", date(2026, 6, 10))[0] == Decimal("0.04")
    assert usd_to_pen("100", date(2026, 6, 20))[0] == Decimal("370.00")
    with pytest.raises(MissingExchangeRate, match="2026-05-31"):
        usd_to_pen("100", date(2026, 5, 31))
    with pytest.raises(MissingExchangeRate):
        usd_to_pen("100", date(2026, 9, 1))  # the last rate is too old to be in force
    with pytest.raises(InvalidAmount):
        add_exchange_rate(date(2026, 7, 1), "3.75251", ledger.actor.id)
    with pytest.raises(InvalidAmount):
        add_exchange_rate(date(2026, 7, 1), "-1", ledger.actor.id)
    with pytest.raises(LedgerError, match="already"):
        add_exchange_rate(date(2026, 6, 1), "3.8", ledger.actor.id)
