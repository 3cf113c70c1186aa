"""Read side of the ledger: balances, payables with ageing, statements, the journal.

Every figure is summed in SQL over whole céntimos (exact on both engines), and each page runs a
fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select, type_coerce
from sqlalchemy.orm import aliased

from app.clock import today_lima
from app.extensions import db
from app.ledger.models import (
    Account,
    AccountKind,
    AccountTotal,
    EntrySource,
    JournalEntry,
    JournalLine,
    Obligation,
    ObligationStatus,
    ServiceKind,
)
from app.money import Money
from app.registries.models import (
    Community,
    HomestayFamily,
    PayeeKind,
    StaffMember,
    WeavingAssociation,
)

ZERO = Decimal("0.00")
# KPAP: porters are paid within 2 days of the trek's end; older porter debts are flagged.
PORTER_PAY_WITHIN_DAYS = 2


def money_sum(expression):
    """SUM of a money expression as exact `Decimal` (zero when there are no rows)."""
    return type_coerce(func.coalesce(func.sum(expression), 0), Money())


# --- Payees ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayeeColumns:
    """Outer joins from (payee_kind, payee_id) columns to the four registries, and what they give."""

    family: type
    association: type
    staff: type
    community: type

    def join(self, query: Select, kind_column, id_column) -> Select:
        """Add the outer joins to `query`."""
        return (
            query
            .outerjoin(self.family, and_(kind_column == PayeeKind.FAMILY, self.family.id == id_column))
            .outerjoin(self.association, and_(kind_column == PayeeKind.ASSOCIATION,
                                              self.association.id == id_column))
            .outerjoin(self.staff, and_(kind_column == PayeeKind.STAFF, self.staff.id == id_column))
            .outerjoin(self.community, and_(kind_column == PayeeKind.COMMUNITY, self.community.id == id_column))
        )

    @property
    def name(self):
        """The payee's name."""
        return func.coalesce(self.family.household_head, self.association.name, self.staff.full_name,
                             self.community.name)

    @property
    def home_community_id(self):
        """The community the payee belongs to (itself for a community; null for staff from elsewhere)."""
        return func.coalesce(self.community.id, self.family.community_id, self.association.community_id,
                             self.staff.community_id)


def payee_columns() -> PayeeColumns:
    """Fresh aliases of the registries, for one query."""
    return PayeeColumns(aliased(HomestayFamily), aliased(WeavingAssociation), aliased(StaffMember),
                        aliased(Community))


# --- Balances ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountBalance:
    """An account's debits, credits and balance (debits minus credits, hledger's sign)."""

    account_id: int
    code: str
    name: str
    kind: AccountKind
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit - self.credit


def account_balances(only_used: bool = False) -> list[AccountBalance]:
    """Every account's totals from its lines, in one query, ordered by code."""
    query = (
        select(Account.id, Account.code, Account.name, Account.kind,
               money_sum(JournalLine.debit), money_sum(JournalLine.credit))
        .outerjoin(JournalLine, JournalLine.account_id == Account.id)
        .group_by(Account.id, Account.code, Account.name, Account.kind)
        .order_by(Account.code)
    )
    if only_used:
        query = query.having(func.count(JournalLine.id) > 0)
    return [AccountBalance(*row) for row in db.session.execute(query)]


def outstanding_total() -> Decimal:
    """What the operator owes right now: every open obligation's unpaid part (one query)."""
    return db.session.scalar(
        select(money_sum(Obligation.amount - Obligation.amount_paid))
        .where(Obligation.status == ObligationStatus.OPEN)
    )


# --- Payables with ageing ----------------------------------------------------------------------


@dataclass(frozen=True)
class PayableRow:
    """What one payee is owed, since when, and whether a porter has waited too long."""

    payee_kind: PayeeKind
    payee_id: int
    payee_name: str
    community_id: int | None
    community_name: str | None
    account_id: int | None
    outstanding: Decimal
    obligations: int
    oldest_trek_end: date
    oldest_porter_trek_end: date | None
    as_of: date

    @property
    def age_days(self) -> int:
        """Days since the oldest unpaid trek ended."""
        return (self.as_of - self.oldest_trek_end).days

    @property
    def porter_overdue(self) -> bool:
        """A porter's wage unpaid more than PORTER_PAY_WITHIN_DAYS after the trek (KPAP)."""
        return (self.oldest_porter_trek_end is not None
                and (self.as_of - self.oldest_porter_trek_end).days > PORTER_PAY_WITHIN_DAYS)


def payables_query(community_id: int | None = None, payee_kind: PayeeKind | None = None,
                   overdue_porters_only: bool = False, as_of: date | None = None) -> Select:
    """Open obligations grouped by payee, oldest debts first (one query; paginate it)."""
    as_of = as_of or today_lima()
    payee = payee_columns()
    home = aliased(Community)
    porter_end = func.min(case((Obligation.service == ServiceKind.PORTER_DAY, Obligation.trek_end_date)))
    query = select(
        Obligation.payee_kind, Obligation.payee_id, payee.name.label("payee_name"),
        home.id.label("community_id"), home.name.label("community_name"), Account.id.label("account_id"),
        money_sum(Obligation.amount - Obligation.amount_paid).label("outstanding"),
        func.count(Obligation.id).label("obligations"),
        func.min(Obligation.trek_end_date).label("oldest"), porter_end.label("oldest_porter"),
        literal(as_of).label("as_of"),
    ).where(Obligation.status == ObligationStatus.OPEN)
    query = payee.join(query, Obligation.payee_kind, Obligation.payee_id)
    query = query.outerjoin(home, home.id == payee.home_community_id).outerjoin(
        Account, and_(Account.payee_kind == Obligation.payee_kind, Account.payee_id == Obligation.payee_id))
    if community_id is not None:
        query = query.where(payee.home_community_id == community_id)
    if payee_kind is not None:
        query = query.where(Obligation.payee_kind == payee_kind)
    query = query.group_by(Obligation.payee_kind, Obligation.payee_id, payee.name, home.id, home.name,
                           Account.id)
    if overdue_porters_only:
        query = query.having(porter_end < as_of - timedelta(days=PORTER_PAY_WITHIN_DAYS))
    return query.order_by(func.min(Obligation.trek_end_date), payee.name, Obligation.payee_id)


def payable_rows(rows, as_of: date | None = None) -> list[PayableRow]:
    """Wrap the rows of `payables_query` (as_of is taken from the query)."""
    return [PayableRow(row.payee_kind, row.payee_id, row.payee_name, row.community_id, row.community_name,
                       row.account_id,
                       row.outstanding, row.obligations, row.oldest, row.oldest_porter,
                       as_of or row.as_of) for row in rows]


@dataclass(frozen=True)
class CommunityPayables:
    """What the payees of one community are owed in total."""

    community_id: int | None
    community_name: str | None
    outstanding: Decimal
    payees: int
    oldest_trek_end: date | None
    overdue_porters: int


def payables_by_community(as_of: date | None = None) -> list[CommunityPayables]:
    """Open obligations summed per payee's community (one query)."""
    as_of = as_of or today_lima()
    per_payee = payables_query(as_of=as_of).order_by(None).subquery()
    late = per_payee.c.oldest_porter < as_of - timedelta(days=PORTER_PAY_WITHIN_DAYS)
    query = (
        select(per_payee.c.community_id, per_payee.c.community_name, money_sum(per_payee.c.outstanding),
               func.count(), func.min(per_payee.c.oldest), func.sum(case((late, 1), else_=0)))
        .group_by(per_payee.c.community_id, per_payee.c.community_name)
        .order_by(per_payee.c.community_name)
    )
    return [CommunityPayables(*row) for row in db.session.execute(query)]


# --- Statements --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    """One movement on a payee's account: accrued (owed more) or paid, and the balance after it."""

    entry_id: int
    entry_date: date
    memo: str
    description: str | None
    source_type: EntrySource
    payee_name: str
    accrued: Decimal
    paid: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Statement:
    """Accrued, paid and balance over a period, with the running balance line by line."""

    opening: Decimal
    lines: list[StatementLine]

    @property
    def accrued(self) -> Decimal:
        return sum((line.accrued for line in self.lines), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((line.paid for line in self.lines), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.opening + self.accrued - self.paid


def _statement(account_ids: Select, date_from: date | None, date_to: date | None) -> Statement:
    """Lines of the payable accounts `account_ids` (a subquery); three queries with a start date.

    Read from the period's end, not from the start of history: the opening balance is what the
    accounts owe now (their `account_totals` rows) minus what moved from `date_from` on, which
    reads only the entries since then, so a decade of history does not slow a statement.
    """
    payee = payee_columns()
    is_payment = JournalEntry.source_type == EntrySource.PAYMENT
    net = JournalLine.credit - JournalLine.debit
    in_period = select(JournalLine).join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
    opening = ZERO
    if date_from is None:
        in_period = in_period.where(JournalLine.account_id.in_(account_ids))
    else:
        # `account_id + 0` keeps the planner off the account index here: the period's entries
        # (by date) are few, the lines those accounts ever had are many.
        in_period = in_period.where((JournalLine.account_id + 0).in_(account_ids),
                                    JournalEntry.entry_date >= date_from)
        ever = db.session.scalar(select(money_sum(AccountTotal.credit - AccountTotal.debit))
                                 .where(AccountTotal.account_id.in_(account_ids)))
        since = db.session.scalar(in_period.with_only_columns(money_sum(net)))
        opening = ever - since
    if date_to is not None:
        in_period = in_period.where(JournalEntry.entry_date <= date_to)
    query = payee.join(in_period.join(Account, Account.id == JournalLine.account_id),
                       Account.payee_kind, Account.payee_id).with_only_columns(
        JournalEntry.id, JournalEntry.entry_date, JournalEntry.memo, JournalLine.description,
        JournalEntry.source_type, payee.name,
        type_coerce(case((is_payment, 0), else_=net), Money()),
        type_coerce(case((is_payment, -net), else_=0), Money()),
    ).order_by(JournalEntry.entry_date, JournalEntry.id, JournalLine.id)
    balance = opening
    lines = []
    for entry_id, entry_date, memo, description, source, name, accrued, paid in db.session.execute(query):
        balance += accrued - paid
        lines.append(StatementLine(entry_id, entry_date, memo, description, source, name, accrued, paid, balance))
    return Statement(opening, lines)


def payee_statement(account: Account, date_from: date | None = None, date_to: date | None = None) -> Statement:
    """The statement of one payee's payable account."""
    return _statement(select(Account.id).where(Account.id == account.id), date_from, date_to)


def community_statement(community_id: int, date_from: date | None = None,
                        date_to: date | None = None) -> Statement:
    """The statement of every payee of a community (the community, its families, weavers, staff)."""
    payee = payee_columns()
    accounts = payee.join(select(Account.id), Account.payee_kind, Account.payee_id).where(
        Account.payee_kind.is_not(None), payee.home_community_id == community_id)
    return _statement(accounts, date_from, date_to)


# --- The journal -------------------------------------------------------------------------------


def journal_query(date_from: date | None = None, date_to: date | None = None,
                  account_id: int | None = None, source_type: EntrySource | None = None) -> Select:
    """Entries, newest first, filtered; lines load in one more query (selectin)."""
    query = select(JournalEntry).order_by(JournalEntry.entry_date.desc(), JournalEntry.id.desc())
    if date_from is not None:
        query = query.where(JournalEntry.entry_date >= date_from)
    if date_to is not None:
        query = query.where(JournalEntry.entry_date <= date_to)
    if source_type is not None:
        query = query.where(JournalEntry.source_type == source_type)
    if account_id is not None:
        query = query.where(exists().where(JournalLine.entry_id == JournalEntry.id,
                                           JournalLine.account_id == account_id))
    return query


def reversal_ids(entry_ids: list[int]) -> dict[int, int]:
    """{entry id: id of the entry that reversed it} for these entries (one query)."""
    if not entry_ids:
        return {}
    rows = db.session.execute(select(JournalEntry.reverses_entry_id, JournalEntry.id)
                              .where(JournalEntry.reverses_entry_id.in_(entry_ids)))
    return dict(rows.all())


def payable_accounts_query(search: str | None = None) -> Select:
    """Payable accounts (payees the ledger has owed), by name."""
    query = select(Account).where(Account.payee_kind.is_not(None)).order_by(Account.name)
    if search:
        query = query.where(or_(Account.name.ilike(f"%{search}%"), Account.code.ilike(f"%{search}%")))
    return query
