"""Posting to the journal, accruing obligations, closing months.

Services take plain arguments, flush and write the audit trail; the caller commits once.
The journal's invariants are stated in `app.ledger.models`; `post_entry` is the only way an
entry is written, and it checks them before the database checks them again.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app.audit.services import record_change, snapshot
from app.clock import now_utc, today_lima
from app.extensions import db
from app.ledger.errors import (
    AlreadyPosted,
    AlreadyReversed,
    DuplicateTransfer,
    InvalidAmount,
    LedgerError,
    MissingExchangeRate,
    MissingRate,
    NothingToPost,
    NotReversible,
    ObligationError,
    PeriodClosed,
    PeriodError,
    UnbalancedEntry,
)
from app.ledger.models import (
    Account,
    AccountingPeriod,
    AccountKind,
    EntrySource,
    JournalEntry,
    JournalLine,
    Obligation,
    ObligationStatus,
    ServiceKind,
)
from app.ledger.rates import positive_amount, rate_in_force, usd_to_pen
from app.money import MoneyError, to_money
from app.operations.actuals import DepartureNotCompleted, ServiceDelivered, departure_services
from app.operations.models import Departure
from app.registries.models import (
    Community,
    HomestayFamily,
    PayeeKind,
    PaymentMethod,
    StaffMember,
    WeavingAssociation,
)

__all__ = [
    "AlreadyPosted", "AlreadyReversed", "DuplicateTransfer", "InvalidAmount", "LedgerError",
    "MissingExchangeRate", "MissingRate", "NothingToPost", "NotReversible", "ObligationError",
    "PeriodClosed", "PeriodError", "UnbalancedEntry", "LineSpec", "post_entry", "payable_account",
    "cash_account", "system_account", "expense_account", "ensure_period_open", "close_period",
    "reopen_period", "reverse_entry", "reverse_payment_entry", "post_services", "post_departure",
    "departure_entry_date", "post_departure_correction", "price_services", "PricedService",
    "void_obligation", "usd_to_pen",
]

ZERO = Decimal("0.00")

# The accounts every ledger has: code -> (English name, kind). hledger-safe ASCII codes.
SYSTEM_ACCOUNTS: dict[str, tuple[str, AccountKind]] = {
    "expenses:homestays": ("Homestays", AccountKind.EXPENSE),
    "expenses:workshops": ("Weaving workshops", AccountKind.EXPENSE),
    "expenses:community-fees": ("Community fees", AccountKind.EXPENSE),
    "expenses:porterage": ("Porterage", AccountKind.EXPENSE),
    "expenses:arrieros-mules": ("Arrieros and mules", AccountKind.EXPENSE),
    "expenses:cooks": ("Cooks", AccountKind.EXPENSE),
    "expenses:guides": ("Guides", AccountKind.EXPENSE),
    "assets:cash:box": ("Cash box", AccountKind.ASSET),
    "assets:bank": ("Bank", AccountKind.ASSET),
    "assets:wallet:yape": ("Yape wallet", AccountKind.ASSET),
    "assets:wallet:plin": ("Plin wallet", AccountKind.ASSET),
    "liabilities:community-funds": ("Community funds", AccountKind.LIABILITY),
}

EXPENSE_ACCOUNT_OF_SERVICE: dict[ServiceKind, str] = {
    ServiceKind.HOMESTAY_NIGHT: "expenses:homestays",
    ServiceKind.WORKSHOP_PARTICIPANT: "expenses:workshops",
    ServiceKind.VISITOR_FEE: "expenses:community-fees",
    ServiceKind.HOT_SPRINGS: "expenses:community-fees",
    ServiceKind.PORTER_DAY: "expenses:porterage",
    ServiceKind.ARRIERO_DAY: "expenses:arrieros-mules",
    ServiceKind.MULE_DAY: "expenses:arrieros-mules",
    ServiceKind.COOK_DAY: "expenses:cooks",
    ServiceKind.GUIDE_DAY: "expenses:guides",
}

CASH_ACCOUNT_OF_METHOD: dict[PaymentMethod, str] = {
    PaymentMethod.CASH: "assets:cash:box",
    PaymentMethod.BANK: "assets:bank",
    PaymentMethod.YAPE: "assets:wallet:yape",
    PaymentMethod.PLIN: "assets:wallet:plin",
}

PAYEE_MODELS = {
    PayeeKind.COMMUNITY: Community,
    PayeeKind.FAMILY: HomestayFamily,
    PayeeKind.ASSOCIATION: WeavingAssociation,
    PayeeKind.STAFF: StaffMember,
}


# --- Accounts ----------------------------------------------------------------------------------


def _get_or_create_account(code: str, **values) -> Account:
    """The account with `code`, created on first use (safe when two requests race to create it)."""
    account = db.session.scalar(select(Account).where(Account.code == code))
    if account is not None:
        return account
    try:
        with db.session.begin_nested():
            account = Account(code=code, **values)
            db.session.add(account)
    except IntegrityError:
        account = db.session.scalar(select(Account).where(Account.code == code))
        if account is None:
            raise
    return account


def system_account(code: str) -> Account:
    """One of the SYSTEM_ACCOUNTS (expense categories, cash box, bank, wallets, community funds)."""
    name, kind = SYSTEM_ACCOUNTS[code]
    return _get_or_create_account(code, name=name, kind=kind)


def expense_account(service: ServiceKind) -> Account:
    """The expense category a service is booked to."""
    return system_account(EXPENSE_ACCOUNT_OF_SERVICE[ServiceKind(service)])


def cash_account(method: PaymentMethod) -> Account:
    """Where money leaves from: the cash box, the bank, the Yape or the Plin wallet."""
    return system_account(CASH_ACCOUNT_OF_METHOD[PaymentMethod(method)])


def payable_code(payee_kind: PayeeKind, payee_id: int) -> str:
    """`liabilities:payable:family:12`."""
    return f"liabilities:payable:{PayeeKind(payee_kind).value}:{int(payee_id)}"


def payable_account(payee_kind: PayeeKind, payee_id: int) -> Account:
    """What the operator owes one payee; created on first use."""
    payee_kind = PayeeKind(payee_kind)
    payee = db.session.get(PAYEE_MODELS[payee_kind], payee_id)
    if payee is None:
        raise LedgerError(_("No such payee: %(kind)s %(id)s.", kind=payee_kind.value, id=payee_id))
    return _get_or_create_account(
        payable_code(payee_kind, payee_id), name=str(payee)[:200], kind=AccountKind.LIABILITY,
        payee_kind=payee_kind, payee_id=payee_id,
    )


# --- Periods -----------------------------------------------------------------------------------


def _period(year: int, month: int) -> AccountingPeriod | None:
    return db.session.scalar(
        select(AccountingPeriod).where(AccountingPeriod.year == year, AccountingPeriod.month == month)
    )


def is_period_closed(day: date) -> bool:
    """True when `day`'s month is closed."""
    return db.session.scalar(select(exists().where(
        AccountingPeriod.year == day.year, AccountingPeriod.month == day.month,
        AccountingPeriod.closed_at.is_not(None),
    ))) or False


def ensure_period_open(day: date) -> None:
    """Refuse (`PeriodClosed`) a posting dated inside a closed month."""
    if is_period_closed(day):
        raise PeriodClosed(_(
            "%(month)s is closed: nothing can be posted dated %(day)s. Date it in an open month "
            "(an administrator can reopen the month).", month=f"{day.year:04d}-{day.month:02d}",
            day=day.isoformat()), field="entry_date")


def close_period(year: int, month: int, actor_id: int | None) -> AccountingPeriod:
    """Close a month that has ended: from now on nothing is posted dated inside it."""
    today = today_lima()
    if actor_id is None:
        raise PeriodError(_("A month is closed by someone: sign in first."))
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise PeriodError(_("Not a month: %(year)s-%(month)s.", year=year, month=month))
    if (year, month) >= (today.year, today.month):
        raise PeriodError(_("%(month)s has not ended yet: only past months can be closed.",
                            month=f"{year:04d}-{month:02d}"))
    period = _period(year, month)
    if period is not None and period.is_closed:
        raise PeriodError(_("%(month)s is already closed.", month=period.label))
    before = snapshot(period) if period is not None else None
    if period is None:
        period = AccountingPeriod(year=year, month=month)
        db.session.add(period)
    period.closed_at = now_utc()
    period.closed_by_id = actor_id
    record_change(actor_id, "close", period, before=before, summary=f"closed {year:04d}-{month:02d}")
    return period


def reopen_period(period: AccountingPeriod, actor_id: int | None, reason: str) -> AccountingPeriod:
    """Reopen a closed month (administrators only, with a reason that the audit trail keeps)."""
    if not period.is_closed:
        raise PeriodError(_("%(month)s is not closed.", month=period.label))
    if not reason or not reason.strip():
        raise PeriodError(_("Say why the month is reopened."), field="reason")
    before = snapshot(period)
    period.closed_at = None
    period.closed_by_id = None
    period.reopened_at = now_utc()
    period.reopened_by_id = actor_id
    period.reopen_reason = reason.strip()
    record_change(actor_id, "reopen", period, before=before, reason=reason.strip(),
                  summary=f"reopened {period.label}")
    return period


# --- The journal -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineSpec:
    """One line to post: an account and either a debit or a credit."""

    account: Account
    debit: Decimal = Decimal("0")
    credit: Decimal = Decimal("0")
    description: str | None = None


def _amount_or_zero(value: Decimal | int | str) -> Decimal:
    try:
        amount = to_money(value)
    except MoneyError as exc:
        raise InvalidAmount(_("Not a valid amount: %(value)s (two decimals at most).", value=value)) from exc
    if amount < 0:
        raise InvalidAmount(_("Amounts must be greater than zero (got %(value)s).", value=amount))
    return amount


def _checked_lines(lines: Sequence[LineSpec]) -> list[tuple[Account, Decimal, Decimal, str | None]]:
    """Exact, one-sided lines whose debits equal their credits, or `InvalidAmount`/`UnbalancedEntry`."""
    checked = []
    for line in lines:
        debit, credit = _amount_or_zero(line.debit), _amount_or_zero(line.credit)
        if (debit > 0) == (credit > 0):
            raise InvalidAmount(_("Each line is a debit or a credit greater than zero, not both."))
        if not isinstance(line.account, Account) or line.account.id is None:
            raise LedgerError(_("Each line needs an existing account."))
        checked.append((line.account, debit, credit, line.description))
    if len(checked) < 2:
        raise UnbalancedEntry(_("An entry needs at least two lines."))
    debits = sum((line[1] for line in checked), ZERO)
    credits = sum((line[2] for line in checked), ZERO)
    if debits != credits:
        raise UnbalancedEntry(_("Debits (%(debits)s) and credits (%(credits)s) differ.",
                                debits=debits, credits=credits))
    return checked


def _same_posting(entry: JournalEntry, source_type: EntrySource, source_id: int | None,
                  lines: list[tuple[Account, Decimal, Decimal, str | None]]) -> bool:
    mine = sorted((account.id, debit, credit) for account, debit, credit, _d in lines)
    theirs = sorted((line.account_id, line.debit, line.credit) for line in entry.lines)
    return entry.source_type == source_type and entry.source_id == source_id and mine == theirs


def _existing_transfer(transfer_id: str, source_type, source_id, lines) -> JournalEntry | None:
    existing = db.session.scalar(select(JournalEntry).where(JournalEntry.transfer_id == transfer_id))
    if existing is None:
        return None
    if not _same_posting(existing, source_type, source_id, lines):
        raise DuplicateTransfer(_("Transfer id %(id)s was already used for another entry (#%(entry)s).",
                                  id=transfer_id, entry=existing.id))
    return existing


def post_entry(
    entry_date: date,
    memo: str,
    lines: Sequence[LineSpec],
    source_type: EntrySource | str,
    source_id: int | None,
    actor_id: int | None,
    transfer_id: str | None = None,
    reverses: JournalEntry | None = None,
    adjusts: JournalEntry | None = None,
) -> JournalEntry:
    """Post one balanced entry dated in an open month; a retried `transfer_id` returns the first.

    Refuses (nothing written) unbalanced or one-line entries, zero/negative/over-precise amounts,
    a closed month, a transfer id already used for a different entry, a second reversal.
    """
    source_type = EntrySource(source_type)
    memo = (memo or "").strip()
    if not memo:
        raise LedgerError(_("Say what the entry is for (memo)."), field="memo")
    checked = _checked_lines(lines)
    transfer_id = (transfer_id or "").strip() or uuid.uuid4().hex
    if len(transfer_id) > 80:
        raise LedgerError(_("Transfer ids are at most 80 characters."))
    existing = _existing_transfer(transfer_id, source_type, source_id, checked)
    if existing is not None:
        return existing
    ensure_period_open(entry_date)
    if reverses is not None:
        _ensure_not_reversed(reverses)
    entry = JournalEntry(
        entry_date=entry_date, memo=memo[:255], source_type=source_type, source_id=source_id,
        transfer_id=transfer_id, created_by_id=actor_id, posted=False,
        reverses_entry_id=reverses.id if reverses is not None else None,
        adjusts_entry_id=adjusts.id if adjusts is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            for account, debit, credit, description in checked:
                db.session.add(JournalLine(entry=entry, account=account, debit=debit, credit=credit,
                                           description=description))
            db.session.flush()
            # The flip the database checks: from here the entry balances and never changes.
            entry.posted = True
            db.session.flush()
    except IntegrityError:
        # A concurrent retry with the same transfer id won the race: answer with its entry.
        existing = _existing_transfer(transfer_id, source_type, source_id, checked)
        if existing is None:
            raise
        return existing
    record_change(actor_id, "post", entry, summary=memo[:255])
    return entry


def _ensure_not_reversed(entry: JournalEntry) -> None:
    reversal = db.session.scalar(select(JournalEntry.id).where(JournalEntry.reverses_entry_id == entry.id))
    if reversal is not None:
        raise AlreadyReversed(_("Entry #%(entry)s was already reversed by entry #%(reversal)s.",
                                entry=entry.id, reversal=reversal))


def _reversal_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(_("Say why the entry is reversed."), field="reason")
    return reason


def _post_reversal(entry: JournalEntry, actor_id: int | None, reason: str, entry_date: date | None,
                   transfer_id: str | None) -> JournalEntry:
    lines = [LineSpec(line.account, debit=line.credit, credit=line.debit, description=line.description)
             for line in entry.lines]
    return post_entry(
        entry_date or today_lima(), _("Reversal of #%(entry)s: %(reason)s", entry=entry.id, reason=reason),
        lines, EntrySource.ADJUSTMENT, entry.source_id, actor_id,
        transfer_id=transfer_id or f"reversal:{entry.id}", reverses=entry,
    )


def reverse_entry(entry: JournalEntry, actor_id: int | None, reason: str,
                  entry_date: date | None = None, transfer_id: str | None = None) -> JournalEntry:
    """Cancel an entry with its mirror image, dated today (an open month) unless told otherwise.

    Obligations the entry accrued are voided with it; refused if any was (partly) paid, if the
    entry is itself a reversal or voided obligations, if it was reversed already, or if it is a
    payment's: reversing that alone would leave the obligations paid (void the payment instead).
    """
    reason = _reversal_reason(reason)
    if entry.source_type == EntrySource.PAYMENT:
        raise NotReversible(_("A payment is undone by voiding the payment, not its entry."))
    if entry.reverses_entry_id is not None:
        raise NotReversible(_("Entry #%(entry)s is itself a reversal: post a new entry instead.",
                              entry=entry.id))
    _ensure_not_reversed(entry)
    if db.session.scalar(select(exists().where(Obligation.void_entry_id == entry.id))):
        raise NotReversible(_("Entry #%(entry)s voided obligations; a voided obligation stays voided.",
                              entry=entry.id))
    accrued = list(db.session.scalars(select(Obligation).where(Obligation.entry_id == entry.id)))
    voided = [obligation for obligation in accrued if obligation.status == ObligationStatus.VOIDED]
    if voided:
        raise NotReversible(_("Obligation #%(id)s of entry #%(entry)s was voided already: void the "
                              "other obligations one by one instead.", id=voided[0].id, entry=entry.id))
    paid = [obligation for obligation in accrued if obligation.amount_paid > 0]
    if paid:
        raise NotReversible(_("Payments were made against obligations of entry #%(entry)s: "
                              "void those payments first.", entry=entry.id))
    reversal = _post_reversal(entry, actor_id, reason, entry_date, transfer_id)
    for obligation in accrued:
        if obligation.status == ObligationStatus.OPEN:
            _mark_voided(obligation, reversal, actor_id, reason)
    return reversal


def reverse_payment_entry(entry: JournalEntry, actor_id: int | None, reason: str,
                          transfer_id: str) -> JournalEntry:
    """Mirror a payment's entry, dated today: only for `void_payment`, which gives the amounts back."""
    return _post_reversal(entry, actor_id, _reversal_reason(reason), None, transfer_id)


# --- Obligations -------------------------------------------------------------------------------


class DeliveredService(Protocol):
    """What operations' `ServiceDelivered` carries (CONTRACTS.md); tests may pass look-alikes."""

    service: ServiceKind
    payee_kind: PayeeKind
    payee_id: int
    community_id: int | None
    quantity: int
    service_date: date
    agreed_rate: Decimal | None


def _mark_voided(obligation: Obligation, entry: JournalEntry, actor_id: int | None, reason: str) -> None:
    before = snapshot(obligation)
    obligation.status = ObligationStatus.VOIDED
    obligation.void_entry_id = entry.id
    record_change(actor_id, "void", obligation, before=before, reason=reason,
                  summary=f"obligation #{obligation.id} voided")


def _priced(service: DeliveredService) -> tuple[Decimal, int | None]:
    """(unit rate, rate card id): the agreed rate when given, else the card's in force that day."""
    if service.agreed_rate is not None:
        return positive_amount(service.agreed_rate, field="agreed_rate"), None
    card = rate_in_force(ServiceKind(service.service), service.community_id, service.service_date)
    return card.rate, card.id


@dataclass(frozen=True)
class PricedService:
    """A delivered service with the rate it is paid at and what it comes to."""

    service: DeliveredService
    rate: Decimal
    rate_card_id: int | None
    amount: Decimal

    def __iter__(self):
        return iter((self.service, self.rate, self.rate_card_id, self.amount))


def price_services(services: Iterable[DeliveredService]) -> list[PricedService]:
    """Price each service with quantity > 0 (agreed rate, else the rate card on its date)."""
    priced = []
    for service in services:
        if service.quantity < 0:
            raise LedgerError(_("A quantity cannot be negative (%(service)s).", service=service.service))
        if service.quantity == 0:
            continue
        rate, card_id = _priced(service)
        priced.append(PricedService(service, rate, card_id, rate * service.quantity))
    return priced


def post_services(
    services: Iterable[DeliveredService],
    *,
    entry_date: date,
    trek_end_date: date,
    memo: str,
    source_type: EntrySource,
    source_id: int | None,
    departure_id: int | None,
    actor_id: int | None,
    transfer_id: str | None = None,
    adjusts: JournalEntry | None = None,
) -> JournalEntry:
    """Accrue an obligation per service delivered and post them as one balanced entry.

    Debits each expense category, credits each payee's payable account (a line per payee and
    service). Services with quantity zero are skipped; a negative quantity is refused.
    """
    priced = price_services(services)
    if not priced:
        raise NothingToPost(_("No service was delivered: there is nothing to post."))

    debits: dict[str, Decimal] = defaultdict(lambda: ZERO)
    credits: dict[tuple[PayeeKind, int, ServiceKind], list[Decimal | int]] = {}
    for service, _rate, _card, amount in priced:
        kind = ServiceKind(service.service)
        debits[EXPENSE_ACCOUNT_OF_SERVICE[kind]] += amount
        key = (PayeeKind(service.payee_kind), service.payee_id, kind)
        total, quantity = credits.get(key, (ZERO, 0))
        credits[key] = [total + amount, quantity + service.quantity]
    lines = [LineSpec(system_account(code), debit=amount) for code, amount in sorted(debits.items())]
    for (payee_kind, payee_id, kind), (amount, quantity) in credits.items():
        lines.append(LineSpec(payable_account(payee_kind, payee_id), credit=amount,
                              description=f"{kind.value} x{quantity}"))
    entry = post_entry(entry_date, memo, lines, source_type, source_id, actor_id,
                       transfer_id=transfer_id, adjusts=adjusts)
    if db.session.scalar(select(exists().where(Obligation.entry_id == entry.id))):
        return entry  # a retried transfer: its obligations exist already
    for service, rate, card_id, amount in priced:
        db.session.add(Obligation(
            payee_kind=service.payee_kind, payee_id=service.payee_id,
            community_id=service.community_id, service=service.service, quantity=service.quantity,
            unit_rate=rate, amount=amount, amount_paid=ZERO, service_date=service.service_date,
            trek_end_date=trek_end_date, departure_id=departure_id, entry_id=entry.id,
            rate_card_id=card_id, status=ObligationStatus.OPEN,
        ))
    db.session.flush()
    return entry


def void_obligation(obligation: Obligation, actor_id: int | None, reason: str,
                    entry_date: date | None = None) -> JournalEntry:
    """Cancel an unpaid obligation: an adjustment entry (debit payable, credit expense) dated today."""
    reason = (reason or "").strip()
    if not reason:
        raise ObligationError(_("Say why the obligation is voided."), field="reason")
    if obligation.status != ObligationStatus.OPEN:
        raise ObligationError(_("Obligation #%(id)s is %(status)s; only open obligations can be voided.",
                                id=obligation.id, status=obligation.status.value))
    if obligation.amount_paid > 0:
        raise ObligationError(_("Obligation #%(id)s is partly paid; void its payments first.",
                                id=obligation.id))
    entry = post_entry(
        entry_date or today_lima(),
        _("Void obligation #%(id)s: %(reason)s", id=obligation.id, reason=reason),
        [LineSpec(payable_account(obligation.payee_kind, obligation.payee_id), debit=obligation.amount,
                  description=f"{obligation.service.value} x{obligation.quantity}"),
         LineSpec(expense_account(obligation.service), credit=obligation.amount)],
        EntrySource.ADJUSTMENT, obligation.departure_id, actor_id,
        transfer_id=f"void-obligation:{obligation.id}", adjusts=obligation.entry,
    )
    _mark_voided(obligation, entry, actor_id, reason)
    return entry


# --- Departures --------------------------------------------------------------------------------


def departure_entry_date(departure: Departure) -> date:
    """The trek's last day; today instead when that month is closed (late postings land open)."""
    if is_period_closed(departure.end_date):
        return today_lima()
    return departure.end_date


def post_departure(departure: Departure, actor_id: int | None) -> JournalEntry:
    """Post what a completed departure delivered: its obligations in one balanced entry, once.

    Sets `departure.posted_at`, which makes the departure read-only for operations. Later
    corrections are adjustments (`void_obligation`, `post_departure_correction`).
    """
    if departure.posted_at is not None:
        raise AlreadyPosted(_("Departure %(code)s was already posted to the ledger.", code=departure.code))
    try:
        services: list[ServiceDelivered] = departure_services(departure)
    except DepartureNotCompleted as exc:
        raise LedgerError(_("Departure %(code)s is not completed: only completed departures are posted.",
                            code=departure.code)) from exc
    try:
        entry = post_services(
            services, entry_date=departure_entry_date(departure), trek_end_date=departure.end_date,
            memo=_("Departure %(code)s: services delivered", code=departure.code),
            source_type=EntrySource.DEPARTURE, source_id=departure.id, departure_id=departure.id,
            actor_id=actor_id, transfer_id=f"departure:{departure.id}",
        )
    except IntegrityError as exc:  # a concurrent posting won the race (unique departure posting)
        raise AlreadyPosted(_("Departure %(code)s was already posted to the ledger.",
                              code=departure.code)) from exc
    before = snapshot(departure)
    departure.posted_at = now_utc()
    record_change(actor_id, "post", departure, before=before, summary=f"posted {departure.code} as entry #{entry.id}")
    return entry


def post_departure_correction(departure: Departure, services: Iterable[DeliveredService],
                              actor_id: int | None, reason: str) -> JournalEntry:
    """Accrue services left out of a posted departure, as an adjustment of its entry, dated today."""
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(_("Say why the departure is corrected."), field="reason")
    original = db.session.scalar(select(JournalEntry).where(
        JournalEntry.source_type == EntrySource.DEPARTURE, JournalEntry.source_id == departure.id))
    if original is None:
        raise LedgerError(_("Departure %(code)s is not posted yet: post it first.", code=departure.code))
    return post_services(
        services, entry_date=today_lima(), trek_end_date=departure.end_date,
        memo=_("Correction of departure %(code)s: %(reason)s", code=departure.code, reason=reason),
        source_type=EntrySource.ADJUSTMENT, source_id=departure.id, departure_id=departure.id,
        actor_id=actor_id, adjusts=original,
    )
