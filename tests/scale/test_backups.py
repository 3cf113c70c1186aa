"""Backups: the administrator backs the books up and restores them into a new database, with
the same balances and a ledger that verifies; a database with data is never overwritten."""

from __future__ import annotations

import gzip
import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

import app.payments.verification  # noqa: F401  (registers the payments checks of `ledger verify`)
from app.backups.services import BackupError, create_backup, restore_backup
from app.demo.cli import seed_demo
from app.extensions import db
from app.ledger.models import EntrySource, JournalEntry
from app.ledger.queries import account_balances
from app.ledger.services import LineSpec, cash_account, post_entry, system_account
from app.ledger.verification import run_checks
from app.registries.models import Community, PaymentMethod


@pytest.fixture(scope="module")
def backed_up(make_committed_app, tmp_path_factory):
    """A database with the demo's books, and its backup file."""
    source = make_committed_app("backup_source")
    path = tmp_path_factory.mktemp("backup") / "lares.jsonl.gz"
    with source.app_context():
        seed_demo(seed=5)
        db.session.commit()
        balances = [(b.code, b.debit, b.credit) for b in account_balances()]
        counts = create_backup(path)
        db.session.rollback()
    return source, path, balances, counts


def test_a_backup_restores_into_an_empty_database_with_the_same_balances(make_committed_app, backed_up):
    _source, path, balances, counts = backed_up
    assert counts["journal_lines"] > 100 and counts["payments"] > 0 and counts["impact_reports"] == 1
    target = make_committed_app("backup_target")
    with target.app_context():
        restored = restore_backup(path)
        db.session.commit()
        assert restored == counts
        assert [(b.code, b.debit, b.credit) for b in account_balances()] == balances
        assert run_checks() == {name: [] for name in run_checks()}
        # Life goes on: new rows get fresh ids after the restored ones (PostgreSQL sequences).
        entry = post_entry(date(2026, 11, 20), "cash box top-up", [
            LineSpec(cash_account(PaymentMethod.CASH), debit=Decimal("100.00")),
            LineSpec(system_account("assets:bank"), credit=Decimal("100.00")),
        ], EntrySource.ADJUSTMENT, None, None)
        db.session.add(Community(name="Nueva comunidad", slug="nueva", district="Lares"))
        db.session.commit()
        assert entry.id > db.session.scalar(select(func.max(JournalEntry.id)).where(JournalEntry.id != entry.id))
        assert db.session.scalar(select(func.count(JournalEntry.id))) == counts["journal_entries"] + 1

        # Restoring again, over the data now there, is refused and changes nothing.
        with pytest.raises(BackupError, match="not empty"):
            restore_backup(path)
        db.session.rollback()
        assert db.session.scalar(select(func.count(JournalEntry.id))) == counts["journal_entries"] + 1
        db.session.remove()


def test_damaged_or_foreign_files_are_refused(make_committed_app, backed_up, tmp_path):
    _source, path, _balances, _counts = backed_up
    target = make_committed_app("backup_refusals")
    lines = gzip.open(path, "rt", encoding="utf-8").read().splitlines()
    header = json.loads(lines[0])

    def write(name: str, content: list[str]):
        file = tmp_path / name
        with gzip.open(file, "wt", encoding="utf-8") as out:
            out.write("\n".join(content) + "\n")
        return file

    cut_short = write("cut.gz", lines[: len(lines) // 2])
    other_revision = write("old.gz", [json.dumps({**header, "revision": "0001_foundation"}), *lines[1:]])
    not_gzip = tmp_path / "plain.txt"
    not_gzip.write_text("hello")
    with target.app_context():
        for file, message in ((cut_short, "cut short|damaged"), (other_revision, "migration 0001_foundation"),
                              (not_gzip, "not a readable backup")):
            with pytest.raises(BackupError, match=message):
                restore_backup(file)
            db.session.rollback()
        assert db.session.scalar(select(func.count(JournalEntry.id))) == 0
        db.session.remove()


def test_the_commands_back_up_and_restore(make_committed_app, backed_up, tmp_path):
    source, _path, _balances, counts = backed_up
    file = tmp_path / "cli.gz"
    made = source.test_cli_runner().invoke(args=["backup", "create", str(file)])
    assert made.exit_code == 0 and file.exists(), made.output
    again = source.test_cli_runner().invoke(args=["backup", "create", str(file)])
    assert again.exit_code != 0 and "--force" in again.output
    refused = source.test_cli_runner().invoke(args=["backup", "restore", str(file)])
    assert refused.exit_code != 0 and "not empty" in refused.output
    target = make_committed_app("backup_cli")
    restored = target.test_cli_runner().invoke(args=["backup", "restore", str(file)])
    assert restored.exit_code == 0, restored.output
    verify = target.test_cli_runner().invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0 and "FAIL" not in verify.output
    with target.app_context():
        assert db.session.scalar(select(func.count(JournalEntry.id))) == counts["journal_entries"]
        db.session.remove()
