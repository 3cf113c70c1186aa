"""Posting a completed departure: its obligations in one balanced entry, once, then read-only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.clock import today_lima
from app.extensions import db
from app.ledger.models import EntrySource, JournalEntry, Obligation, ObligationStatus, ServiceKind
from app.ledger.services import (
    AlreadyPosted,
    LedgerError,
    MissingRate,
    close_period,
    post_departure,
    post_departure_correction,
)
from app.operations.models import DepartureStatus
from app.operations.services import DepartureLocked, assert_departure_editable
from app.registries.models import PayeeKind
from tests.ledger.conftest import COMPLETED_DEPARTURE_TOTAL, Delivered, last_month_day


def obligations_of(entry) -> list[Obligation]:
    return list(db.session.scalars(select(Obligation).where(Obligation.entry_id == entry.id)))


def test_accountant_posts_a_completed_departure_once(app, ledger, completed_departure):
    departure = completed_departure(days_ago=3)
    entry = post_departure(departure, ledger.actor.id)
    assert entry.source_type == EntrySource.DEPARTURE and entry.source_id == departure.id
    assert entry.entry_date == departure.end_date
    assert entry.total == COMPLETED_DEPARTURE_TOTAL
    assert sum(line.debit for line in entry.lines) == sum(line.credit for line in entry.lines)
    obligations = obligations_of(entry)
    assert sum(o.amount for o in obligations) == COMPLETED_DEPARTURE_TOTAL
    assert {o.trek_end_date for o in obligations} == {departure.end_date}
    assert all(o.departure_id == departure.id and o.status == ObligationStatus.OPEN for o in obligations)
    assert departure.posted_at is not None
    with app.test_request_context(), pytest.raises(DepartureLocked):
        assert_departure_editable(departure)  # operations' messages need a request's locale
    count = db.session.scalar(select(func.count(JournalEntry.id)))
    with pytest.raises(AlreadyPosted, match=departure.code):
        post_departure(departure, ledger.actor.id)
    assert db.session.scalar(select(func.count(JournalEntry.id))) == count


def test_a_second_posting_is_impossible_even_if_the_flag_is_lost(ledger, completed_departure):
    departure = completed_departure()
    first = post_departure(departure, ledger.actor.id)
    departure.posted_at = None  # pretend the application forgot: the transfer id answers
    db.session.flush()
    assert post_departure(departure, ledger.actor.id).id == first.id
    assert db.session.scalar(select(func.count(JournalEntry.id)).where(
        JournalEntry.source_type == EntrySource.DEPARTURE)) == 1
    assert len(obligations_of(first)) == 10
    # And the database's unique index refuses a second departure entry whatever its transfer id.
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.execute(text(
                "INSERT INTO journal_entries (entry_date, memo, source_type, source_id, transfer_id, "
                "created_at, posted) VALUES (:day, 'again', 'departure', :id, 'other', CURRENT_TIMESTAMP, :no)"),
                {"day": today_lima(), "id": departure.id, "no": False})


def test_a_departure_that_is_not_completed_is_not_posted(ledger, completed_departure):
    departure = completed_departure()
    departure.status = DepartureStatus.IN_PROGRESS
    with pytest.raises(LedgerError, match="not completed"):
        post_departure(departure, ledger.actor.id)
    assert departure.posted_at is None


def test_without_a_rate_nothing_is_posted(ledger, completed_departure):
    departure = completed_departure(rates=False)
    with pytest.raises(MissingRate):
        post_departure(departure, ledger.actor.id)
    assert departure.posted_at is None
    assert db.session.scalar(select(func.count(Obligation.id))) == 0


def test_a_trek_that_ended_in_a_closed_month_posts_into_the_open_one(ledger, completed_departure):
    departure = completed_departure(days_ago=(today_lima() - last_month_day()).days)
    close_period(departure.end_date.year, departure.end_date.month, ledger.actor.id)
    entry = post_departure(departure, ledger.actor.id)
    assert entry.entry_date == today_lima()
    assert {o.trek_end_date for o in obligations_of(entry)} == {departure.end_date}


def test_a_forgotten_service_is_added_as_an_adjustment_of_the_posting(ledger, completed_departure, build):
    departure = completed_departure()
    original = post_departure(departure, ledger.actor.id)
    community = build.community()
    forgotten = Delivered(ServiceKind.VISITOR_FEE, PayeeKind.COMMUNITY, community.id, community.id, 3,
                          departure.end_date)
    with pytest.raises(LedgerError, match="why"):
        post_departure_correction(departure, [forgotten], ledger.actor.id, "")
    correction = post_departure_correction(departure, [forgotten], ledger.actor.id, "fee forgotten")
    assert correction.adjusts_entry_id == original.id
    assert correction.source_type == EntrySource.ADJUSTMENT and correction.total == Decimal("30.00")
