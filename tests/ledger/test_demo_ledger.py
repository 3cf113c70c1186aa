"""The demo ledger: the season posted, May–September closed, hledger agrees, verify passes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.ledger.models import AccountingPeriod, EntrySource, JournalEntry
from app.ledger.services import PeriodClosed, ensure_period_open
from app.operations.models import Departure, DepartureStatus
from tests.ledger.test_reports import cli_balances, hledger_balances

pytest_plugins = ["tests.walk_fixtures"]  # demo: the demo data, seeded once per worker


def test_demo_season_is_posted_closed_and_hledger_agrees(walk_app, demo, tmp_path):
    app = walk_app
    completed = db.session.scalar(select(func.count(Departure.id)).where(
        Departure.status == DepartureStatus.COMPLETED))
    posted = db.session.scalar(select(func.count(Departure.id)).where(Departure.posted_at.is_not(None)))
    assert completed == posted > 10
    # One entry per posted departure (the demo payments add their own entries besides).
    assert db.session.scalar(select(func.count(JournalEntry.id)).where(
        JournalEntry.source_type == EntrySource.DEPARTURE)) == posted
    assert db.session.scalar(select(func.count(AccountingPeriod.id)).where(
        AccountingPeriod.closed_at.is_not(None))) == 5
    with pytest.raises(PeriodClosed):
        ensure_period_open(date(2026, 7, 15))
    ensure_period_open(date(2026, 10, 1))

    runner = app.test_cli_runner()
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0, verify.output
    path = tmp_path / "demo.journal"
    assert runner.invoke(args=["ledger", "export", "--format", "hledger", "-o", str(path)]).exit_code == 0
    ours = {code: balance for code, balance in cli_balances(app).items() if balance}
    assert ours == hledger_balances(path)
