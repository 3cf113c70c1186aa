"""Who may open each ledger route: accountants and administrators; reopening a month is the
administrator's alone. Managers do not see the books (they plan treks); partners never."""

from sqlalchemy import select

from app.accounts.roles import Role
from app.extensions import db
from app.ledger.models import Account, AccountingPeriod, JournalEntry, Obligation
from app.operations.models import Departure
from app.registries.models import Community

BOOKKEEPERS = {Role.ADMIN, Role.ACCOUNTANT}

EXPECTED_ACCESS = {
    "ledger.journal": BOOKKEEPERS,
    "ledger.entry_detail": BOOKKEEPERS,
    "ledger.entry_reverse": BOOKKEEPERS,
    "ledger.accounts": BOOKKEEPERS,
    "ledger.payables": BOOKKEEPERS,
    "ledger.payables_by_community_view": BOOKKEEPERS,
    "ledger.account_statement": BOOKKEEPERS,
    "ledger.community_statement_view": BOOKKEEPERS,
    "ledger.rates": BOOKKEEPERS,
    "ledger.exchange_rates": BOOKKEEPERS,
    "ledger.periods": BOOKKEEPERS,
    "ledger.period_close": BOOKKEEPERS,
    "ledger.period_reopen": {Role.ADMIN},
    "ledger.departures": BOOKKEEPERS,
    "ledger.departure_ledger": BOOKKEEPERS,
    "ledger.departure_post": BOOKKEEPERS,
    "ledger.obligation_void": BOOKKEEPERS,
    "ledger.export": BOOKKEEPERS,
}

URL_PARAMS = {
    "entry_id": JournalEntry,
    # Statements exist for payee accounts only (an expense account's statement is a 404).
    "account_id": lambda: db.session.scalar(
        select(Account.id).where(Account.payee_kind.is_not(None)).order_by(Account.id).limit(1)),
    "community_id": Community,
    "period_id": AccountingPeriod,
    "departure_id": Departure,
    "obligation_id": Obligation,
}
