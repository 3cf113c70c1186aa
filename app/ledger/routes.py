"""Ledger pages: journal, accounts, payables, statements, rates, exchange rates, periods,
posting departures, exports. Views are thin: parse, call one service, commit, flash, redirect.
"""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from app.accounts.roles import Role, roles_required
from app.clock import today_lima
from app.extensions import db
from app.ledger.exporting import TABLES, export_table, hledger_text
from app.ledger.forms import (
    PAYEE_KIND_LABELS,
    SERVICE_LABELS,
    SOURCE_LABELS,
    ClosePeriodForm,
    ExchangeRateForm,
    JournalFilterForm,
    PayablesFilterForm,
    RateForm,
    ReasonForm,
    StatementFilterForm,
)
from app.ledger.models import (
    Account,
    AccountingPeriod,
    EntrySource,
    ExchangeRate,
    JournalEntry,
    Obligation,
    RateCard,
    ServiceKind,
)
from app.ledger.queries import (
    account_balances,
    community_statement,
    journal_query,
    outstanding_total,
    payable_rows,
    payables_by_community,
    payables_query,
    payee_statement,
    reversal_ids,
)
from app.ledger.rates import add_exchange_rate, add_rate
from app.ledger.services import (
    PAYEE_MODELS,
    LedgerError,
    close_period,
    departure_entry_date,
    post_departure,
    price_services,
    reopen_period,
    reverse_entry,
    void_obligation,
)
from app.operations.actuals import DepartureNotCompleted, departure_services
from app.operations.models import Departure, DepartureStatus
from app.registries.models import Community, PayeeKind
from app.registries.routes import get_or_404, paginate

blueprint = Blueprint("ledger", __name__, url_prefix="/ledger", template_folder="templates")

BOOKKEEPERS = (Role.ADMIN, Role.ACCOUNTANT)


def commit(message: str) -> None:
    """Commit the request's one transaction and tell the user."""
    db.session.commit()
    flash(message, "success")


def refuse(error: LedgerError) -> None:
    """Undo whatever the refused service flushed and show why."""
    db.session.rollback()
    flash(str(error), "error")


def community_choices(blank) -> list[SelectChoice]:
    """Communities for a select (one query)."""
    rows = db.session.execute(select(Community.id, Community.name).order_by(Community.name))
    return [SelectChoice("", blank)] + [SelectChoice(str(id_), name) for id_, name in rows]


class RowPagination(SelectPagination):
    """A page of result rows (several columns), not of the first column's scalars."""

    def _query_items(self) -> list:
        select_ = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select_))


def paginate_rows(query) -> RowPagination:
    """One page of a multi-column query, from the `page` query argument."""
    return RowPagination(select=query, session=db.session(), per_page=current_app.config["PER_PAGE"],
                         error_out=False)


@blueprint.app_template_global()
def service_label(service: ServiceKind | str) -> str:
    """A service's name in the user's language."""
    return str(SERVICE_LABELS.get(ServiceKind(service), service))


@blueprint.app_template_global()
def source_label(source: EntrySource) -> str:
    """An entry source's name in the user's language."""
    return str(SOURCE_LABELS.get(source, source))


@blueprint.app_template_global()
def payee_kind_label(kind: PayeeKind) -> str:
    """A kind of payee in the user's language."""
    return str(PAYEE_KIND_LABELS.get(kind, kind))


# --- Journal -----------------------------------------------------------------------------------


@blueprint.route("/")
@roles_required(*BOOKKEEPERS)
def journal():
    """The journal, newest first, filtered by dates, account and source."""
    filters = JournalFilterForm(request.args)
    accounts = db.session.execute(select(Account.id, Account.code, Account.name).order_by(Account.code)).all()
    filters.account.choices = [SelectChoice("", _("All"))] + [
        SelectChoice(str(id_), f"{code} · {name}") for id_, code, name in accounts]
    valid = filters.validate()
    source = request.args.get("source")
    query = journal_query(
        date_from=filters.date_from.data if valid else None, date_to=filters.date_to.data if valid else None,
        account_id=filters.account.data,
        source_type=EntrySource(source) if source in {s.value for s in EntrySource} else None,
    )
    page = paginate(query)
    return render_template("ledger/journal.html", page=page, filters=filters,
                           reversed_by=reversal_ids([entry.id for entry in page.items]),
                           outstanding=outstanding_total())


@blueprint.route("/entries/<int:entry_id>")
@roles_required(*BOOKKEEPERS)
def entry_detail(entry_id: int):
    """One entry: its lines, who posted it, when and why, and what reversed it."""
    entry = get_or_404(JournalEntry, entry_id)
    reversed_by = reversal_ids([entry.id]).get(entry.id)
    return render_template("ledger/entry_detail.html", entry=entry, reversed_by=reversed_by,
                           form=ReasonForm(formdata=None))


@blueprint.route("/entries/<int:entry_id>/reverse", methods=["POST"])
@roles_required(*BOOKKEEPERS)
def entry_reverse(entry_id: int):
    """Post the mirror image of an entry (dated today), voiding the obligations it accrued."""
    entry = get_or_404(JournalEntry, entry_id)
    form = ReasonForm()
    if not form.validate():
        flash(_("Say why the entry is reversed."), "error")
        return redirect(url_for(".entry_detail", entry_id=entry.id))
    try:
        reversal = reverse_entry(entry, current_user.id, form.reason.data)
    except LedgerError as error:
        refuse(error)
        return redirect(url_for(".entry_detail", entry_id=entry.id))
    commit(_("Entry #%(entry)s reversed by entry #%(reversal)s.", entry=entry.id, reversal=reversal.id))
    return redirect(url_for(".entry_detail", entry_id=reversal.id))


# --- Accounts, payables, statements -----------------------------------------------------------


@blueprint.route("/accounts")
@roles_required(*BOOKKEEPERS)
def accounts():
    """Every account's debits, credits and balance, summed from its lines."""
    balances = account_balances()
    payees = {row.id: row for row in db.session.scalars(select(Account).where(Account.payee_kind.is_not(None)))}
    return render_template("ledger/accounts.html", balances=balances, payees=payees)


@blueprint.route("/payables")
@roles_required(*BOOKKEEPERS)
def payables():
    """Who is owed what, since when; porters waiting more than 2 days flagged."""
    filters = PayablesFilterForm(request.args)
    filters.community.choices = community_choices(_("All"))
    kind = request.args.get("payee_kind")
    query = payables_query(
        community_id=filters.community.data,
        payee_kind=PayeeKind(kind) if kind in {k.value for k in PayeeKind} else None,
        overdue_porters_only=bool(filters.overdue_porters.data),
    )
    page = paginate_rows(query)
    return render_template("ledger/payables.html", page=page, rows=payable_rows(page.items),
                           filters=filters, outstanding=outstanding_total())


@blueprint.route("/payables/communities")
@roles_required(*BOOKKEEPERS)
def payables_by_community_view():
    """What the payees of each community are owed."""
    return render_template("ledger/payables_by_community.html", rows=payables_by_community(),
                           outstanding=outstanding_total())


STATEMENT_MONTHS = 12


def statement_period(filters: StatementFilterForm) -> tuple[date | None, date | None]:
    """The dates asked for; with none (or bad ones), the last twelve months, shown in the form.

    Years of history stay out of the page: the opening balance carries them.
    """
    if filters.validate() and (filters.date_from.data or filters.date_to.data):
        return filters.date_from.data, filters.date_to.data
    today = today_lima()
    months = today.year * 12 + today.month - STATEMENT_MONTHS
    filters.date_from.data, filters.date_to.data = date(months // 12, months % 12 + 1, 1), None
    return filters.date_from.data, None


@blueprint.route("/accounts/<int:account_id>/statement")
@roles_required(*BOOKKEEPERS)
def account_statement(account_id: int):
    """A payee's statement: accrued, paid, running balance."""
    account = get_or_404(Account, account_id)
    if account.payee_kind is None:
        abort(404)
    filters = StatementFilterForm(request.args)
    statement = payee_statement(account, *statement_period(filters))
    return render_template("ledger/statement.html", statement=statement, filters=filters,
                           title=_("Statement: %(name)s", name=account.name), account=account)


@blueprint.route("/communities/<int:community_id>/statement")
@roles_required(*BOOKKEEPERS)
def community_statement_view(community_id: int):
    """A community's statement: the community, its families, weavers and staff."""
    community = get_or_404(Community, community_id)
    filters = StatementFilterForm(request.args)
    statement = community_statement(community.id, *statement_period(filters))
    return render_template("ledger/statement.html", statement=statement, filters=filters,
                           title=_("Statement: %(name)s and its people", name=community.name),
                           community=community)


# --- Rate card and exchange rates --------------------------------------------------------------


@blueprint.route("/rates", methods=["GET", "POST"])
@roles_required(*BOOKKEEPERS)
def rates():
    """The rate card (newest first) and a form to add a rate from a date."""
    form = RateForm()
    form.community.choices = community_choices(_("Every community"))
    if form.validate_on_submit():
        try:
            add_rate(ServiceKind(form.service.data), form.rate.data, form.effective_from.data,
                     form.community.data, current_user.id, note=form.note.data)
        except LedgerError as error:
            db.session.rollback()
            getattr(form, error.field or "rate").errors.append(str(error))
        else:
            commit(_("Rate added."))
            return redirect(url_for(".rates"))
    cards = db.session.scalars(select(RateCard).order_by(RateCard.service, RateCard.effective_from.desc(),
                                                        RateCard.id.desc())).all()
    return render_template("ledger/rates.html", form=form, cards=cards, today=today_lima()), (
        400 if form.errors else 200)


@blueprint.route("/exchange-rates", methods=["GET", "POST"])
@roles_required(*BOOKKEEPERS)
def exchange_rates():
    """USD→PEN exchange rates by date, and a form to enter one."""
    form = ExchangeRateForm()
    if form.validate_on_submit():
        try:
            add_exchange_rate(form.rate_date.data, form.usd_to_pen.data, current_user.id, form.source.data)
        except LedgerError as error:
            db.session.rollback()
            getattr(form, error.field or "usd_to_pen").errors.append(str(error))
        else:
            commit(_("Exchange rate saved."))
            return redirect(url_for(".exchange_rates"))
    page = paginate(select(ExchangeRate).order_by(ExchangeRate.rate_date.desc()))
    return render_template("ledger/exchange_rates.html", form=form, page=page), (400 if form.errors else 200)


# --- Periods -----------------------------------------------------------------------------------


@blueprint.route("/periods")
@roles_required(*BOOKKEEPERS)
def periods():
    """Closed (and reopened) months, and a form to close one."""
    rows = db.session.scalars(select(AccountingPeriod).order_by(
        AccountingPeriod.year.desc(), AccountingPeriod.month.desc())).all()
    return render_template("ledger/periods.html", periods=rows, form=ClosePeriodForm())


@blueprint.route("/periods/close", methods=["POST"])
@roles_required(*BOOKKEEPERS)
def period_close():
    """Close a month: nothing can be posted dated inside it any more."""
    form = ClosePeriodForm()
    if not form.validate():
        typed = bool(form.month.raw_data and form.month.raw_data[0])  # say why a typed month is refused
        flash(str(form.month.errors[0]) if typed and form.month.errors else _("Choose the month to close."), "error")
        return redirect(url_for(".periods"))
    month: date = form.month.data
    try:
        period = close_period(month.year, month.month, current_user.id)
    except LedgerError as error:
        refuse(error)
    else:
        commit(_("%(month)s closed.", month=period.label))
    return redirect(url_for(".periods"))


@blueprint.route("/periods/<int:period_id>/reopen", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def period_reopen(period_id: int):
    """Reopen a closed month (administrators, with a reason kept in the audit trail)."""
    period = get_or_404(AccountingPeriod, period_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            reopen_period(period, current_user.id, form.reason.data)
        except LedgerError as error:
            refuse(error)
        else:
            commit(_("%(month)s reopened.", month=period.label))
        return redirect(url_for(".periods"))
    return render_template("ledger/reason_form.html", form=form,
                           title=_("Reopen %(month)s", month=period.label),
                           submit=_("Reopen the month"), cancel_url=url_for(".periods")), (
        400 if form.errors else 200)


# --- Departures --------------------------------------------------------------------------------


@blueprint.route("/departures")
@roles_required(*BOOKKEEPERS)
def departures():
    """Completed departures: those waiting to be posted first, then the posted ones."""
    query = (select(Departure).where(Departure.status == DepartureStatus.COMPLETED)
             .order_by(Departure.posted_at.is_not(None), Departure.end_date.desc(), Departure.id.desc()))
    return render_template("ledger/departures.html", page=paginate(query))


@blueprint.route("/departures/<int:departure_id>")
@roles_required(*BOOKKEEPERS)
def departure_ledger(departure_id: int):
    """A departure's ledger page: what it delivered, priced, and its entries once posted."""
    departure = get_or_404(Departure, departure_id)
    obligations = db.session.scalars(
        select(Obligation).options(selectinload(Obligation.entry))
        .where(Obligation.departure_id == departure.id).order_by(Obligation.service_date, Obligation.id)
    ).all()
    entry_ids = {o.entry_id for o in obligations} | {o.void_entry_id for o in obligations if o.void_entry_id}
    entries = db.session.scalars(select(JournalEntry).where(
        JournalEntry.id.in_(entry_ids) | JournalEntry.reverses_entry_id.in_(entry_ids)
    ).order_by(JournalEntry.id)).all() if entry_ids else []
    preview, problem = [], None
    if departure.posted_at is None:
        try:
            preview = price_services(departure_services(departure))
        except DepartureNotCompleted:
            problem = _("This departure is not completed: it can be posted once it is.")
        except LedgerError as error:
            problem = str(error)
    names = payee_names({(o.payee_kind, o.payee_id) for o in obligations}
                        | {(p.service.payee_kind, p.service.payee_id) for p in preview})
    return render_template(
        "ledger/departure.html", departure=departure, obligations=obligations, entries=entries,
        preview=preview, problem=problem, names=names, form=ReasonForm(formdata=None),
        entry_date=departure_entry_date(departure) if departure.posted_at is None else None,
    )


def payee_names(keys: set[tuple[PayeeKind, int]]) -> dict[tuple[PayeeKind, int], str]:
    """{(kind, id): name} for these payees (one query per kind at most)."""
    names = {}
    for kind in PayeeKind:
        ids = [payee_id for k, payee_id in keys if k == kind]
        if ids:
            model = PAYEE_MODELS[kind]
            for record in db.session.scalars(select(model).where(model.id.in_(ids))):
                names[(kind, record.id)] = str(record)
    return names


@blueprint.route("/departures/<int:departure_id>/post", methods=["POST"])
@roles_required(*BOOKKEEPERS)
def departure_post(departure_id: int):
    """Post a completed departure's obligations (once); the departure becomes read-only."""
    departure = get_or_404(Departure, departure_id)
    try:
        entry = post_departure(departure, current_user.id)
    except LedgerError as error:
        refuse(error)
    else:
        commit(_("Departure %(code)s posted as entry #%(entry)s.", code=departure.code, entry=entry.id))
    return redirect(url_for(".departure_ledger", departure_id=departure.id))


@blueprint.route("/obligations/<int:obligation_id>/void", methods=["POST"])
@roles_required(*BOOKKEEPERS)
def obligation_void(obligation_id: int):
    """Void an unpaid obligation with an adjustment entry that references the original."""
    obligation = get_or_404(Obligation, obligation_id)
    form = ReasonForm()
    back = (url_for(".departure_ledger", departure_id=obligation.departure_id) if obligation.departure_id
            else url_for(".entry_detail", entry_id=obligation.entry_id))
    if not form.validate():
        flash(_("Say why the obligation is voided."), "error")
        return redirect(back)
    try:
        entry = void_obligation(obligation, current_user.id, form.reason.data)
    except LedgerError as error:
        refuse(error)
    else:
        commit(_("Obligation #%(id)s voided by entry #%(entry)s.", id=obligation.id, entry=entry.id))
    return redirect(back)


# --- Exports -----------------------------------------------------------------------------------


@blueprint.route("/export")
@roles_required(*BOOKKEEPERS)
def export():
    """Download the journal, balances or obligations as CSV or XLSX, or the journal for hledger."""
    table = request.args.get("table", "journal")
    fmt = request.args.get("format", "csv")
    if table not in TABLES or fmt not in ("csv", "xlsx", "hledger"):
        abort(404)
    stamp = today_lima().isoformat()
    if fmt == "hledger":
        return _download(hledger_text().encode("utf-8"), f"lares-ledger-{stamp}.journal", "text/plain; charset=utf-8")
    mimetype = ("text/csv; charset=utf-8" if fmt == "csv"
                else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return _download(export_table(table, fmt), f"lares-{table}-{stamp}.{fmt}", mimetype)


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
