"""Paying payees: issuing, approving and voiding payments, and batch runs.

Services take plain arguments, flush and write the audit trail; the caller commits once. A
payment's rules, in the order they are checked:

1. the idempotency key is a UUID4; if it already made a payment, the same request (same payee
   and amount) gets that payment back and anything else is refused as a reused key;
2. the amount is exact, above zero; non-cash payments carry their operation number;
3. the payee exists and is not archived; each obligation is the payee's and not voided;
4. the amount fits in what the chosen obligations still owe (minus what pending payments have
   reserved): it is allocated to them oldest first, and overpayment is refused;
5. above the approval threshold in force on the payment date the payment waits, pending, for a
   second person; otherwise it is posted at once: next receipt number, one balanced journal
   entry (debit the payee's payable account, credit the cash box, bank or wallet) whose
   `transfer_id` is the idempotency key, obligations paid down.

Races: the payment's transaction locks the obligations it reads (`SELECT ... FOR UPDATE` on
PostgreSQL) and the receipt counter; on SQLite `start_payment_transaction` opens it with
`BEGIN IMMEDIATE`, so writers queue on the busy timeout instead of failing half-way.
"""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update

from app.accounts.models import User
from app.accounts.roles import Role
from app.audit.services import record_change, snapshot
from app.clock import now_utc, today_lima
from app.extensions import db
from app.ledger.models import Account, EntrySource, JournalEntry, Obligation, ObligationStatus
from app.ledger.services import (
    LineSpec,
    cash_account,
    ensure_period_open,
    payable_account,
    payable_code,
    post_entry,
    reverse_payment_entry,
)
from app.money import MoneyError, format_money, to_money
from app.payments.errors import (
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    InvalidPaymentAmount,
    InvalidPaymentDate,
    NothingToPay,
    ObligationNotPayable,
    ObligationVoided,
    OverpaymentRefused,
    PayeeArchived,
    PayeeNotFound,
    PaymentAlreadyApproved,
    PaymentAlreadyVoided,
    PaymentTransitionError,
    ReferenceRequired,
    SelfApprovalRefused,
    VoidReasonRequired,
)
from app.payments.models import (
    ApprovalThreshold,
    Payment,
    PaymentAllocation,
    PaymentBatch,
    PaymentStatus,
    ReceiptSequence,
)
from app.payments.payees import PayeeInfo, PayeeKey, find_payee, load_payees
from app.registries.models import (
    HomestayFamily,
    PayeeKind,
    PaymentMethod,
    StaffMember,
    WeavingAssociation,
)

ZERO = Decimal("0.00")
RECEIPTS = "receipts"
APPROVER_ROLES = frozenset({Role.ACCOUNTANT, Role.ADMIN})


# --- The transaction ---------------------------------------------------------------------------


def start_payment_transaction() -> None:
    """Begin the payment's own transaction, holding the write lock on SQLite.

    By the time a view runs, loading the signed-in user has already begun a (deferred, read-only)
    transaction, and SQLAlchemy ignores execution options on a connection already in use. So the
    read-only transaction is ended first (nothing is pending in it; this is checked), then the
    next one is opened with `BEGIN IMMEDIATE` (see `app.database._begin_sqlite`). PostgreSQL needs
    no such thing: the services lock the rows they read with `FOR UPDATE`.
    """
    session = db.session()  # the Session itself (the scoped proxy lacks in_transaction)
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("start_payment_transaction() must run before anything is changed")
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def _lock_obligations(ids: Iterable[int]) -> dict[int, Obligation]:
    """The obligations with these ids, re-read and locked until the transaction ends (id order)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    query = (select(Obligation).where(Obligation.id.in_(ids)).order_by(Obligation.id)
             .with_for_update(of=Obligation).execution_options(populate_existing=True))
    return {obligation.id: obligation for obligation in db.session.scalars(query)}


def _take_receipt_numbers(count: int) -> list[int]:
    """The next `count` receipt numbers; the counter row stays locked until commit or rollback."""
    query = (select(ReceiptSequence).where(ReceiptSequence.name == RECEIPTS)
             .with_for_update().execution_options(populate_existing=True))
    sequence = db.session.scalar(query)
    if sequence is None:
        sequence = ReceiptSequence(name=RECEIPTS, last_number=0)
        db.session.add(sequence)
    first = sequence.last_number + 1
    sequence.last_number += count
    db.session.flush()
    return list(range(first, first + count))


# --- Parameters --------------------------------------------------------------------------------


def threshold_in_force(day: date) -> ApprovalThreshold | None:
    """The approval threshold in force on `day` (the latest one from that day or before)."""
    return db.session.scalar(
        select(ApprovalThreshold).where(ApprovalThreshold.effective_from <= day)
        .order_by(ApprovalThreshold.effective_from.desc()).limit(1)
    )


def needs_approval(amount: Decimal, day: date) -> bool:
    """True when `amount` is above the threshold in force on `day` (or no threshold is set)."""
    threshold = threshold_in_force(day)
    return threshold is None or amount > threshold.amount


def set_approval_threshold(amount: Decimal | str, effective_from: date, actor_id: int | None,
                           note: str | None = None) -> ApprovalThreshold:
    """Set the threshold from a date on; earlier payments keep the one they were made under."""
    value = _positive_amount(amount)
    if db.session.scalar(select(ApprovalThreshold.id).where(ApprovalThreshold.effective_from == effective_from)):
        raise InvalidPaymentDate(_("A threshold already starts on %(day)s; pick another date.",
                                   day=effective_from.isoformat()), field="effective_from")
    threshold = ApprovalThreshold(amount=value, effective_from=effective_from, note=note,
                                  created_by_id=actor_id)
    db.session.add(threshold)
    record_change(actor_id, "create", threshold, summary=f"approval threshold {value} from {effective_from}")
    return threshold


# --- Checks ------------------------------------------------------------------------------------


def _positive_amount(value: Decimal | int | str, field: str = "amount") -> Decimal:
    try:
        amount = to_money(value)
    except MoneyError as exc:
        raise InvalidPaymentAmount(
            _("Not a valid amount: %(value)s. Write soles with at most two decimals, e.g. 120.50.",
              value=value), field=field) from exc
    if amount <= 0:
        raise InvalidPaymentAmount(_("The amount must be greater than zero."), field=field)
    return amount


def parse_idempotency_key(key: str | None) -> str:
    """The canonical form of a UUID4 key, or `IdempotencyKeyInvalid`."""
    try:
        parsed = uuid.UUID(str(key or "").strip())
    except ValueError as exc:
        raise IdempotencyKeyInvalid(_("This form has no valid payment key; reload it and try again.")) from exc
    if parsed.version != 4:
        raise IdempotencyKeyInvalid(_("This form has no valid payment key; reload it and try again."))
    return str(parsed)


def _reference_for(method: PaymentMethod, reference: str | None) -> str | None:
    reference = (reference or "").strip() or None
    if method != PaymentMethod.CASH and reference is None:
        raise ReferenceRequired(_("Bank transfers, Yape and Plin payments need the operation number."),
                                field="reference")
    if reference is not None and len(reference) > 80:
        raise ReferenceRequired(_("The operation number is at most 80 characters."), field="reference")
    return reference


def _payment_date(day: date | None) -> date:
    day = day or today_lima()
    if day > today_lima():
        raise InvalidPaymentDate(_("A payment cannot be dated in the future."), field="payment_date")
    return day


def _payable_payee(kind: PayeeKind | str, payee_id: int) -> PayeeInfo:
    payee = find_payee(kind, payee_id)
    if payee is None:
        raise PayeeNotFound(_("There is no such payee."))
    if payee.archived:
        raise PayeeArchived(_("%(name)s is archived: restore the record before paying it.", name=payee.name))
    return payee


def reserved_by_pending(obligation_ids: Iterable[int]) -> dict[int, Decimal]:
    """What payments awaiting approval have already promised against each obligation."""
    ids = list(set(obligation_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(PaymentAllocation.obligation_id, func.sum(PaymentAllocation.amount))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(PaymentAllocation.obligation_id.in_(ids), Payment.status == PaymentStatus.PENDING)
        .group_by(PaymentAllocation.obligation_id)
    )
    return {obligation_id: Decimal(total) for obligation_id, total in rows}


def payable_now(obligation: Obligation, reserved: Decimal = ZERO) -> Decimal:
    """What can still be paid on an obligation: unpaid and not promised to a pending payment."""
    if obligation.status != ObligationStatus.OPEN:
        return ZERO
    return max(obligation.amount - obligation.amount_paid - reserved, ZERO)


def _allocate(amount: Decimal, obligations: Sequence[Obligation], reserved: dict[int, Decimal]) -> list[tuple[Obligation, Decimal]]:
    """Spread `amount` over the obligations, oldest service first; refuse what does not fit."""
    available = {o.id: payable_now(o, reserved.get(o.id, ZERO)) for o in obligations}
    payable = sum(available.values(), ZERO)
    if amount > payable:
        raise OverpaymentRefused(
            _("%(amount)s is more than what the chosen obligations still owe (%(payable)s); "
              "overpayments are refused.", amount=format_money(amount), payable=format_money(payable)),
            field="amount")
    allocations, left = [], amount
    for obligation in sorted(obligations, key=lambda o: (o.service_date, o.id)):
        share = min(left, available[obligation.id])
        if share > 0:
            allocations.append((obligation, share))
            left -= share
    return allocations


def _check_obligations(payee: PayeeInfo, wanted: Sequence[int], found: dict[int, Obligation]) -> list[Obligation]:
    obligations = []
    for obligation_id in wanted:
        obligation = found.get(obligation_id)
        if obligation is None or (obligation.payee_kind, obligation.payee_id) != payee.key:
            raise ObligationNotPayable(_("Obligation #%(id)s is not owed to %(name)s.",
                                         id=obligation_id, name=payee.name), field="obligations")
        if obligation.status == ObligationStatus.VOIDED:
            raise ObligationVoided(_("Obligation #%(id)s was voided: nothing is owed on it.",
                                     id=obligation_id), field="obligations")
        obligations.append(obligation)
    return obligations


# --- Issuing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedPayment:
    """The payment a request made, or found already made by the same key (`replayed`)."""

    payment: Payment
    replayed: bool = False


def _replay(key: str, payee_kind: PayeeKind, payee_id: int, amount: Decimal) -> IssuedPayment | None:
    existing = db.session.scalar(
        select(Payment).where(Payment.idempotency_key == key).execution_options(populate_existing=True)
    )
    if existing is None:
        return None
    if (existing.payee_kind, existing.payee_id, existing.amount) != (payee_kind, payee_id, amount):
        raise IdempotencyKeyReused(_(
            "This form was already used for another payment (%(amount)s to %(payee)s). "
            "Open a new payment form.", amount=format_money(existing.amount), payee=existing.payee_name))
    return IssuedPayment(existing, replayed=True)


def issue_payment(
    *,
    payee_kind: PayeeKind | str,
    payee_id: int,
    obligation_ids: Sequence[int],
    amount: Decimal | str,
    method: PaymentMethod | str,
    reference: str | None,
    idempotency_key: str,
    actor_id: int,
    payment_date: date | None = None,
    note: str | None = None,
) -> IssuedPayment:
    """Pay a payee against some of its open obligations (see the module's rules)."""
    key = parse_idempotency_key(idempotency_key)
    value = _positive_amount(amount)
    try:
        payee_kind = PayeeKind(payee_kind)
        method = PaymentMethod(method)
    except ValueError as exc:
        raise PayeeNotFound(_("There is no such payee or payment method.")) from exc
    wanted = list(dict.fromkeys(int(i) for i in obligation_ids))
    if not wanted:
        raise ObligationNotPayable(_("Choose at least one obligation to pay."), field="obligations")
    found = _lock_obligations(wanted)
    # After the locks: a concurrent twin that got there first has committed, and is seen here.
    replayed = _replay(key, payee_kind, payee_id, value)
    if replayed is not None:
        return replayed
    reference = _reference_for(method, reference)
    day = _payment_date(payment_date)
    ensure_period_open(day)
    payee = _payable_payee(payee_kind, payee_id)
    obligations = _check_obligations(payee, wanted, found)
    allocations = _allocate(value, obligations, reserved_by_pending(wanted))
    payment = _new_payment(payee, value, method, reference, day, key, actor_id, note, allocations)
    if needs_approval(value, day):
        record_change(actor_id, "create", payment, summary=f"pending payment to {payee.name}")
    else:
        _post(payment, found, actor_id, _take_receipt_numbers(1)[0])
        record_change(actor_id, "post", payment,
                      summary=f"receipt {payment.receipt_label}: {payment.amount} to {payee.name}")
    return IssuedPayment(payment)


def _new_payment(payee: PayeeInfo, amount: Decimal, method: PaymentMethod, reference: str | None,
                 day: date, key: str, actor_id: int, note: str | None,
                 allocations: list[tuple[Obligation, Decimal]], batch_id: int | None = None) -> Payment:
    payment = Payment(
        payee_kind=payee.kind, payee_id=payee.id, payee_name=payee.name[:200],
        payee_document=payee.document_number, representative=payee.representative,
        community_id=payee.community_id, method=method, reference=reference, amount=amount,
        payment_date=day, status=PaymentStatus.PENDING, idempotency_key=key,
        note=(note or "").strip() or None, created_by_id=actor_id, batch_id=batch_id,
        allocations=[PaymentAllocation(obligation_id=o.id, amount=share) for o, share in allocations],
    )
    db.session.add(payment)
    return payment


def _journal(payment: Payment, actor_id: int, receipt_number: int, payable: Account, cash: Account) -> dict:
    """Post the payment's journal entry (debit the payee's payable, credit cash/bank/wallet).

    Returns the payment's new column values (receipt number, entry, status), for the caller to set.
    """
    entry = post_entry(
        payment.payment_date,
        _("Receipt %(number)s: payment to %(payee)s", number=f"{receipt_number:06d}", payee=payment.payee_name),
        [LineSpec(payable, debit=payment.amount, description=f"receipt {receipt_number:06d}"),
         LineSpec(cash, credit=payment.amount, description=payment.reference)],
        EntrySource.PAYMENT, payment.id, actor_id, transfer_id=payment.idempotency_key,
    )
    return {"id": payment.id, "receipt_number": receipt_number, "entry_id": entry.id,
            "status": PaymentStatus.POSTED, "posted_at": now_utc()}


def _paid_down(obligation: Obligation, amount: Decimal) -> tuple[Decimal, ObligationStatus]:
    """An obligation's paid amount and status once `amount` more is paid on it."""
    paid = obligation.amount_paid + amount
    return paid, (ObligationStatus.SETTLED if paid == obligation.amount else ObligationStatus.OPEN)


def _post(payment: Payment, obligations: dict[int, Obligation], actor_id: int, receipt_number: int) -> None:
    """Post a pending payment: journal entry, receipt number, obligations paid down."""
    db.session.flush()
    posted = _journal(payment, actor_id, receipt_number,
                      payable_account(payment.payee_kind, payment.payee_id), cash_account(payment.method))
    for key, value in posted.items():
        setattr(payment, key, value)
    for allocation in payment.allocations:
        obligation = obligations[allocation.obligation_id]
        obligation.amount_paid, obligation.status = _paid_down(obligation, allocation.amount)
    db.session.flush()


# --- Approval and voiding: the one transition function ----------------------------------------


class PaymentAction(str, enum.Enum):
    """What can happen to a payment after it is made."""

    APPROVE = "approve"
    VOID = "void"


def transition_payment(payment: Payment, action: PaymentAction | str, actor_id: int,
                       reason: str | None = None) -> Payment:
    """Move a payment along pending → posted, pending → voided, posted → voided; each at most once.

    Approving posts the payment (journal entry, receipt number) and needs an accountant or admin
    other than its creator. Voiding a posted payment posts the reversing entry and gives the
    amounts back to the obligations; the payment keeps its receipt number.
    """
    action = PaymentAction(action)
    payment = db.session.scalar(
        select(Payment).where(Payment.id == payment.id).with_for_update(of=Payment)
        .execution_options(populate_existing=True)
    )
    if payment.status == PaymentStatus.VOIDED:
        raise PaymentAlreadyVoided(_("Payment %(payment)s is already voided.", payment=_label(payment)))
    before = snapshot(payment)
    if action == PaymentAction.APPROVE:
        _approve(payment, actor_id)
    else:
        _void(payment, actor_id, reason)
    record_change(actor_id, action.value, payment, before=before, reason=reason,
                  summary=f"{action.value} payment {_label(payment)} to {payment.payee_name}")
    return payment


def approve_payment(payment: Payment, actor_id: int) -> Payment:
    """A second person approves a pending payment, which is posted at once."""
    return transition_payment(payment, PaymentAction.APPROVE, actor_id)


def void_payment(payment: Payment, actor_id: int, reason: str) -> Payment:
    """Cancel a pending or posted payment, saying why."""
    return transition_payment(payment, PaymentAction.VOID, actor_id, reason)


def _label(payment: Payment) -> str:
    return payment.receipt_label or f"#{payment.id}"


def _approve(payment: Payment, actor_id: int) -> None:
    if payment.status == PaymentStatus.POSTED:
        raise PaymentAlreadyApproved(_("Payment %(payment)s is already approved and posted.",
                                       payment=_label(payment)))
    if actor_id == payment.created_by_id:
        raise SelfApprovalRefused(_("You made this payment: another accountant or an administrator "
                                    "must approve it."))
    approver = db.session.get(User, actor_id)
    if approver is None or approver.role not in APPROVER_ROLES:
        raise PaymentTransitionError(_("Only an accountant or an administrator can approve payments."))
    ensure_period_open(payment.payment_date)
    obligations = _lock_obligations(a.obligation_id for a in payment.allocations)
    for allocation in payment.allocations:
        obligation = obligations[allocation.obligation_id]
        if obligation.status == ObligationStatus.VOIDED:
            raise ObligationVoided(_("Obligation #%(id)s was voided since: void this payment instead.",
                                     id=obligation.id))
        if obligation.amount_paid + allocation.amount > obligation.amount:
            raise OverpaymentRefused(_("Obligation #%(id)s was paid since: void this payment instead.",
                                       id=obligation.id))
    payment.approved_by_id = actor_id
    payment.approved_at = now_utc()
    _post(payment, obligations, actor_id, _take_receipt_numbers(1)[0])


def _void(payment: Payment, actor_id: int, reason: str | None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise VoidReasonRequired(_("Say why the payment is voided."), field="reason")
    if payment.status == PaymentStatus.POSTED:
        obligations = _lock_obligations(a.obligation_id for a in payment.allocations)
        reversal = reverse_payment_entry(db.session.get(JournalEntry, payment.entry_id), actor_id, reason,
                                         transfer_id=f"void:{payment.idempotency_key}")
        for allocation in payment.allocations:
            obligation = obligations[allocation.obligation_id]
            obligation.amount_paid -= allocation.amount
            if obligation.status == ObligationStatus.SETTLED:
                obligation.status = ObligationStatus.OPEN
        payment.void_entry_id = reversal.id
    payment.status = PaymentStatus.VOIDED
    payment.voided_by_id = actor_id
    payment.voided_at = now_utc()
    payment.void_reason = reason[:1000]
    db.session.flush()


# --- Batch runs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchLine:
    """One payee of a batch run and what it would be paid, obligation by obligation."""

    payee: PayeeInfo
    allocations: list[tuple[Obligation, Decimal]]

    @property
    def amount(self) -> Decimal:
        """The payee's total in this run."""
        return sum((share for _o, share in self.allocations), ZERO)


@dataclass(frozen=True)
class BatchPreview:
    """What a batch run would pay, and the payees it leaves out because they are archived."""

    community_id: int | None
    cutoff: date
    lines: list[BatchLine]
    archived: list[BatchLine]

    @property
    def total(self) -> Decimal:
        """The sum of every payment the run would make."""
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def obligation_count(self) -> int:
        """How many obligations the run would pay."""
        return sum(len(line.allocations) for line in self.lines)


def _payee_in_community(community_id: int):
    """SQL: the obligation's payee lives in (or is) the community."""

    def of(kind: PayeeKind, model):
        return and_(Obligation.payee_kind == kind,
                    Obligation.payee_id.in_(select(model.id).where(model.community_id == community_id)))

    return or_(
        and_(Obligation.payee_kind == PayeeKind.COMMUNITY, Obligation.payee_id == community_id),
        of(PayeeKind.FAMILY, HomestayFamily),
        of(PayeeKind.ASSOCIATION, WeavingAssociation),
        of(PayeeKind.STAFF, StaffMember),
    )


def _batch_obligations(community_id: int | None, cutoff: date, lock: bool) -> list[Obligation]:
    query = (select(Obligation)
             .where(Obligation.status == ObligationStatus.OPEN, Obligation.service_date <= cutoff)
             .order_by(Obligation.id))
    if community_id is not None:
        query = query.where(_payee_in_community(community_id))
    if lock:
        query = query.with_for_update(of=Obligation).execution_options(populate_existing=True)
    return list(db.session.scalars(query))


def preview_batch(community_id: int | None, cutoff: date, *, lock: bool = False) -> BatchPreview:
    """Everything open with a service on or before `cutoff`, grouped into one payment per payee.

    A constant number of queries whatever the number of obligations: the obligations, the
    pending reservations, one per registry for the payees.
    """
    obligations = _batch_obligations(community_id, cutoff, lock)
    reserved = reserved_by_pending(o.id for o in obligations)
    by_payee: dict[PayeeKey, list[tuple[Obligation, Decimal]]] = defaultdict(list)
    for obligation in sorted(obligations, key=lambda o: (o.service_date, o.id)):
        share = payable_now(obligation, reserved.get(obligation.id, ZERO))
        if share > 0:
            by_payee[(obligation.payee_kind, obligation.payee_id)].append((obligation, share))
    payees = load_payees(by_payee)
    lines = [BatchLine(payees[key], allocations) for key, allocations in by_payee.items() if key in payees]
    lines.sort(key=lambda line: ((line.payee.community_name or ""), line.payee.kind.value, line.payee.name))
    return BatchPreview(
        community_id=community_id, cutoff=cutoff,
        lines=[line for line in lines if not line.payee.archived],
        archived=[line for line in lines if line.payee.archived],
    )


@dataclass(frozen=True)
class IssuedBatch:
    """The batch a request ran, or found already run with the same key (`replayed`)."""

    batch: PaymentBatch
    replayed: bool = False


def _payable_accounts(payees: Iterable[PayeeInfo]) -> dict[PayeeKey, Account]:
    """Each payee's payable account, read in one query (created, by the ledger, where missing)."""
    codes = {payable_code(payee.kind, payee.id): payee.key for payee in payees}
    found = {account.code: account for account in db.session.scalars(select(Account).where(Account.code.in_(codes)))}
    return {key: found.get(code) or payable_account(*key) for code, key in codes.items()}


def _post_batch(payments: list[Payment], preview: BatchPreview, actor_id: int) -> None:
    """Post a batch's payments: an entry each, consecutive receipts, obligations paid down in bulk."""
    payables = _payable_accounts(line.payee for line in preview.lines)
    cash = cash_account(PaymentMethod.CASH)
    posted = [
        _journal(payment, actor_id, number, payables[(payment.payee_kind, payment.payee_id)], cash)
        for payment, number in zip(payments, _take_receipt_numbers(len(payments)), strict=True)
    ]
    obligations = {o.id: o for line in preview.lines for o, _share in line.allocations}
    changes = []
    for payment in payments:
        for allocation in payment.allocations:
            paid, status = _paid_down(obligations[allocation.obligation_id], allocation.amount)
            changes.append({"id": allocation.obligation_id, "amount_paid": paid, "status": status})
    # Executemany UPDATEs by primary key: the ORM would otherwise walk every payment's
    # allocations and obligations on each of the many flushes posting makes.
    db.session.execute(update(Payment), posted)
    db.session.execute(update(Obligation), changes)
    for payment in payments:
        db.session.expire(payment, ["receipt_number", "entry_id", "status", "posted_at"])
    for change in changes:
        db.session.expire(obligations[change["id"]], ["amount_paid", "status"])


def batch_payment_key(batch_key: str, payee: PayeeInfo) -> str:
    """Each batch payment's own idempotency key, derived from the batch's and the payee."""
    return str(uuid.uuid5(uuid.UUID(batch_key), f"{payee.kind.value}:{payee.id}"))


def run_batch(
    *,
    community_id: int | None,
    cutoff: date,
    idempotency_key: str,
    actor_id: int,
    payment_date: date | None = None,
) -> IssuedBatch:
    """Pay every payee (of a community, or all) in cash for everything open up to `cutoff`.

    One payment per payee, each with its receipt number and journal entry; payments above the
    approval threshold are created pending, like any other. Archived payees are left out.
    """
    key = parse_idempotency_key(idempotency_key)
    day = _payment_date(payment_date)
    ensure_period_open(day)
    preview = preview_batch(community_id, cutoff, lock=True)
    existing = db.session.scalar(select(PaymentBatch).where(PaymentBatch.idempotency_key == key))
    if existing is not None:
        if (existing.community_id, existing.cutoff) != (community_id, cutoff):
            raise IdempotencyKeyReused(_("This form was already used for another batch run (#%(id)s). "
                                         "Open a new batch run form.", id=existing.id))
        return IssuedBatch(existing, replayed=True)
    if not preview.lines:
        raise NothingToPay(_("Nothing is owed up to %(day)s: there is nothing to pay.",
                             day=cutoff.isoformat()), field="cutoff")
    batch = PaymentBatch(community_id=community_id, cutoff=cutoff, payment_date=day,
                         method=PaymentMethod.CASH, idempotency_key=key, created_by_id=actor_id,
                         payment_count=len(preview.lines), total=preview.total)
    db.session.add(batch)
    db.session.flush()
    # By id, not through `batch.payments`: each flush would otherwise walk the whole batch.
    payments = [
        _new_payment(line.payee, line.amount, PaymentMethod.CASH, None, day,
                     batch_payment_key(key, line.payee), actor_id, None, line.allocations, batch.id)
        for line in preview.lines
    ]
    db.session.flush()
    threshold = threshold_in_force(day)
    to_post = [payment for payment in payments if threshold is not None and payment.amount <= threshold.amount]
    if to_post:
        _post_batch(to_post, preview, actor_id)
    record_change(actor_id, "create", batch,
                  summary=f"batch run: {len(payments)} payments, {batch.total}, up to {cutoff}")
    return IssuedBatch(batch)
