"""Payment pages: the list, a payment and its receipt, paying a payee, approvals, batch runs.

Views are thin: parse the form, call one service, commit, flash, redirect. Money moves only
through `app.payments.services`; a refused payment rolls back and re-renders its form.
Accountants and administrators pay; managers and partners see none of this (403).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from app.accounts.roles import Role, roles_required
from app.clock import today_lima
from app.extensions import db
from app.forms import business_date_or_none, enum_or_none, id_or_none
from app.ledger.errors import LedgerError
from app.ledger.exporting import csv_bytes, xlsx_bytes
from app.money import format_money, to_money
from app.payments import verification  # noqa: F401  (registers the receipt-sequence check)
from app.payments.documents import batch_sheet_pdf, departure_codes, receipt_pdf, service_label
from app.payments.errors import PaymentError
from app.payments.exports import PAYMENT_COLUMNS, XLSX_MIMETYPE
from app.payments.forms import (
    BATCH_SCOPE,
    ApproveForm,
    BatchFilterForm,
    BatchRunForm,
    PaymentFilterForm,
    PaymentForm,
    ThresholdForm,
    VoidForm,
    issue_form_token,
    payment_scope,
    read_form_token,
)
from app.payments.models import ApprovalThreshold, Payment, PaymentBatch, PaymentStatus
from app.payments.payees import PAYEE_KIND_LABELS, find_payee
from app.payments.queries import (
    batches_query,
    open_obligations,
    payments_query,
    pending_payments_query,
)
from app.payments.services import (
    PaymentAction,
    issue_payment,
    preview_batch,
    run_batch,
    set_approval_threshold,
    start_payment_transaction,
    threshold_in_force,
    transition_payment,
)
from app.registries.models import Community, PayeeKind, PaymentMethod
from app.registries.routes import get_or_404, paginate

blueprint = Blueprint("payments", __name__, template_folder="templates", url_prefix="/payments")

PAYERS = (Role.ADMIN, Role.ACCOUNTANT)
RETRIES_ON_RACE = 2


@blueprint.context_processor
def payment_labels() -> dict:
    """Labels the payment templates share."""
    return {"payee_kind_label": lambda kind: PAYEE_KIND_LABELS[PayeeKind(kind)]}


def _refuse(form, error: ValueError) -> None:
    """Show a refused payment's message on its field, or above the form."""
    field = getattr(error, "field", None)
    if field and field in form:
        form[field].errors = [*form[field].errors, str(error)]
    else:
        form.form_errors.append(str(error))


def _committed(action):
    """Run `action` in its own locked transaction and commit; a lost race on a unique key retries.

    A concurrent twin (same idempotency key) that commits first makes our insert fail on the
    UNIQUE key; the retry then finds its payment and answers with it, as a replay.
    """
    for attempt in range(RETRIES_ON_RACE):
        start_payment_transaction()
        try:
            outcome = action()
            db.session.commit()
            return outcome
        except IntegrityError:
            db.session.rollback()
            if attempt + 1 == RETRIES_ON_RACE:
                raise
        except Exception:
            db.session.rollback()  # a refusal writes nothing
            raise
    raise AssertionError("unreachable")


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


# --- The list and one payment ----------------------------------------------------------------


@blueprint.route("")
@roles_required(*PAYERS)
def payment_list():
    """Payments, filtered by status, method, payee kind, dates or payee name."""
    filters = PaymentFilterForm(request.args)
    return render_template("payments/payment_list.html", page=paginate(_filtered_payments(filters)), filters=filters)


def _filtered_payments(filters: PaymentFilterForm):
    """The list's query; a filter whose value is not one of its choices is ignored."""
    filters.validate()
    return payments_query(enum_or_none(PaymentStatus, filters.status.data),
                          enum_or_none(PaymentMethod, filters.method.data),
                          enum_or_none(PayeeKind, filters.payee_kind.data),
                          filters.date_from.data, filters.date_to.data, filters.q.data)


@blueprint.route("/export.<any(csv, xlsx):fmt>")
@roles_required(*PAYERS)
def payment_export(fmt: str):
    """The payments the list's filters select, as CSV or XLSX."""
    payments = db.session.scalars(_filtered_payments(PaymentFilterForm(request.args))).all()
    if fmt == "xlsx":
        return Response(xlsx_bytes(payments, PAYMENT_COLUMNS, title="payments"), mimetype=XLSX_MIMETYPE,
                        headers={"Content-Disposition": 'attachment; filename="payments.xlsx"'})
    return Response(csv_bytes(payments, PAYMENT_COLUMNS), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="payments.csv"'})


@blueprint.route("/<int:payment_id>")
@roles_required(*PAYERS)
def payment_detail(payment_id: int):
    """One payment: what it paid, its status, its receipt."""
    payment = get_or_404(Payment, payment_id)
    codes = departure_codes(a.obligation.departure_id for a in payment.allocations)
    return render_template("payments/payment_detail.html", payment=payment, codes=codes,
                           service_label=service_label, approve_form=ApproveForm(),
                           void_form=VoidForm())


@blueprint.route("/<int:payment_id>/receipt.pdf")
@roles_required(*PAYERS)
def payment_receipt(payment_id: int):
    """The payment's receipt (PDF, in Spanish); pending payments have none yet."""
    payment = get_or_404(Payment, payment_id)
    if payment.receipt_number is None:
        abort(404)
    return _pdf(receipt_pdf(payment), f"recibo-{payment.receipt_label}.pdf")


# --- Paying a payee --------------------------------------------------------------------------


def _payee_from_args():
    kind = enum_or_none(PayeeKind, request.args.get("payee_kind"))
    payee_id = id_or_none(request.args.get("payee_id"))
    return find_payee(kind, payee_id) if kind and payee_id else None


@blueprint.route("/new", methods=["GET", "POST"])
@roles_required(*PAYERS)
def payment_new():
    """Pay a payee against its open obligations; without a payee, pick one who is owed."""
    payee = _payee_from_args()
    if payee is None:
        if request.args.get("payee_id"):
            abort(404)
        community_id = id_or_none(request.args.get("community"))
        preview = preview_batch(community_id, today_lima())
        return render_template("payments/payee_picker.html", preview=preview,
                               communities=_communities(), community_id=community_id)
    owed = open_obligations(payee)
    form = PaymentForm()
    codes = departure_codes(o.departure_id for o, _payable in owed)
    form.obligations.choices = [SelectChoice(o.id, str(o.id)) for o, payable in owed if payable > 0]
    scope = payment_scope(payee.kind.value, payee.id)
    if request.method == "GET":
        form.form_token.data = issue_form_token(scope)
        form.obligations.data = [o.id for o, payable in owed if payable > 0]
        form.amount.data = sum((payable for _o, payable in owed), to_money("0"))
        form.method.data = payee.preferred_method.value
    if form.validate_on_submit():
        try:
            key = read_form_token(form.form_token.data, scope)
            issued = _committed(lambda: issue_payment(
                payee_kind=payee.kind, payee_id=payee.id, obligation_ids=form.obligations.data,
                amount=form.amount.data, method=form.method.data, reference=form.reference.data,
                idempotency_key=key, actor_id=current_user.id, payment_date=form.payment_date.data,
                note=form.note.data))
        except (PaymentError, LedgerError) as error:
            _refuse(form, error)
        else:
            payment = issued.payment
            if issued.replayed:
                flash(_("This payment was already recorded; here it is (nothing was paid twice)."), "warning")
            elif payment.status == PaymentStatus.PENDING:
                flash(_("Payment of %(amount)s to %(payee)s is waiting for a second person's approval.",
                        amount=format_money(payment.amount), payee=payment.payee_name), "success")
            else:
                flash(_("Payment of %(amount)s to %(payee)s recorded: receipt %(receipt)s.",
                        amount=format_money(payment.amount), payee=payment.payee_name,
                        receipt=payment.receipt_label), "success")
            return redirect(url_for(".payment_detail", payment_id=payment.id))
    boxes = {box.data: box for box in form.obligations}
    return render_template("payments/payment_form.html", form=form, payee=payee, owed=owed, codes=codes,
                           boxes=boxes, service_label=service_label), (400 if form.errors else 200)


# --- Approval and voiding --------------------------------------------------------------------


def _transition(payment_id: int, action: PaymentAction, reason: str | None = None):
    payment = get_or_404(Payment, payment_id)
    try:
        _committed(lambda: transition_payment(payment, action, current_user.id, reason))
    except (PaymentError, LedgerError) as error:
        flash(str(error), "error")
    else:
        if action == PaymentAction.APPROVE:
            flash(_("Payment approved and posted: receipt %(receipt)s.", receipt=payment.receipt_label), "success")
        else:
            flash(_("Payment voided."), "success")
    return redirect(url_for(".payment_detail", payment_id=payment_id))


@blueprint.route("/<int:payment_id>/approve", methods=["POST"])
@roles_required(*PAYERS)
def payment_approve(payment_id: int):
    """Approve a pending payment made by someone else; it is posted at once."""
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    return _transition(payment_id, PaymentAction.APPROVE)


@blueprint.route("/<int:payment_id>/void", methods=["POST"])
@roles_required(*PAYERS)
def payment_void(payment_id: int):
    """Void a payment (a posted one is reversed in the journal and keeps its receipt number)."""
    form = VoidForm()
    if not form.validate_on_submit():
        flash(_("Say why the payment is voided."), "error")
        return redirect(url_for(".payment_detail", payment_id=payment_id))
    return _transition(payment_id, PaymentAction.VOID, form.reason.data)


@blueprint.route("/approvals")
@roles_required(*PAYERS)
def approval_list():
    """Payments waiting for a second person's approval."""
    threshold = threshold_in_force(today_lima())
    return render_template("payments/approval_list.html", page=paginate(pending_payments_query()),
                           threshold=threshold)


@blueprint.route("/threshold", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def threshold_settings():
    """The approval threshold: its history and a new value from a date on (administrators)."""
    form = ThresholdForm()
    if form.validate_on_submit():
        try:
            set_approval_threshold(form.amount.data, form.effective_from.data, current_user.id, form.note.data)
        except PaymentError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Approval threshold saved."), "success")
            return redirect(url_for(".threshold_settings"))
    thresholds = db.session.scalars(select(ApprovalThreshold).order_by(ApprovalThreshold.effective_from.desc())).all()
    return render_template("payments/threshold.html", form=form, thresholds=thresholds,
                           current=threshold_in_force(today_lima())), (400 if form.errors else 200)


# --- Batch runs ------------------------------------------------------------------------------


def _communities() -> list[Community]:
    return list(db.session.scalars(select(Community).where(Community.archived_at.is_(None)).order_by(Community.name)))


@blueprint.route("/batches")
@roles_required(*PAYERS)
def batch_list():
    """Batch runs, newest first."""
    return render_template("payments/batch_list.html", page=paginate(batches_query()))


@blueprint.route("/batches/new", methods=["GET", "POST"])
@roles_required(*PAYERS)
def batch_new():
    """Preview a batch run (a community or all, up to a date), then run it: one payment per payee."""
    filters = BatchFilterForm(request.args)
    filters.community.choices = [SelectChoice("", _("All communities")),
                                 *(SelectChoice(str(c.id), c.name) for c in _communities())]
    run_form = BatchRunForm()
    if request.method == "POST":
        community_id, cutoff = id_or_none(run_form.community.data), business_date_or_none(run_form.cutoff.data)
        if cutoff is None:
            abort(400)
        if run_form.validate_on_submit():
            try:
                key = read_form_token(run_form.form_token.data, BATCH_SCOPE)
                issued = _committed(lambda: run_batch(
                    community_id=community_id, cutoff=cutoff, idempotency_key=key,
                    actor_id=current_user.id, payment_date=run_form.payment_date.data))
            except (PaymentError, LedgerError) as error:
                _refuse(run_form, error)
            else:
                if issued.replayed:
                    flash(_("This batch run was already made; here it is (nothing was paid twice)."), "warning")
                else:
                    flash(_("Batch run made: %(count)d payments, %(total)s.", count=issued.batch.payment_count,
                            total=format_money(issued.batch.total)), "success")
                return redirect(url_for(".batch_detail", batch_id=issued.batch.id))
    else:
        filters.validate()
        community_id = id_or_none(filters.community.data)
        cutoff = filters.cutoff.data or today_lima()
        run_form.community.data = str(community_id or "")
        run_form.cutoff.data = cutoff.isoformat()
        run_form.form_token.data = issue_form_token(BATCH_SCOPE)
    preview = preview_batch(community_id, cutoff)
    return render_template("payments/batch_new.html", filters=filters, run_form=run_form, preview=preview,
                           cutoff=cutoff), (400 if run_form.errors else 200)


@blueprint.route("/batches/<int:batch_id>")
@roles_required(*PAYERS)
def batch_detail(batch_id: int):
    """One batch run: its payments and its sheet."""
    return render_template("payments/batch_detail.html", batch=get_or_404(PaymentBatch, batch_id))


@blueprint.route("/batches/<int:batch_id>/sheet.pdf")
@roles_required(*PAYERS)
def batch_sheet(batch_id: int):
    """The batch sheet to sign (PDF, in Spanish)."""
    batch = get_or_404(PaymentBatch, batch_id)
    return _pdf(batch_sheet_pdf(batch), f"planilla-{batch.id}.pdf")
