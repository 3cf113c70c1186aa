"""The rate card and USD→PEN exchange rates: dated values, looked up by the day they apply to.

A rate is never edited once entered: a change is a new row with a later `effective_from`, so
whatever was posted with the old rate keeps it (obligations store the unit rate they used).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import record_change
from app.extensions import db
from app.ledger.errors import InvalidAmount, LedgerError, MissingExchangeRate, MissingRate
from app.ledger.models import ExchangeRate, RateCard, ServiceKind
from app.money import MoneyError, NotPlainNumber, plain_decimal, round_money, to_money

# An exchange rate older than this is not "in force": the accountant must enter a fresh one.
EXCHANGE_RATE_VALID_DAYS = 31


def positive_amount(value: Decimal | int | str, field: str = "amount") -> Decimal:
    """An exact amount above zero with at most two decimals, or `InvalidAmount`."""
    try:
        amount = to_money(value)
    except MoneyError as exc:
        raise InvalidAmount(_("Not a valid amount: %(value)s (two decimals at most).", value=value),
                            field=field) from exc
    if amount <= 0:
        raise InvalidAmount(_("Amounts must be greater than zero (got %(value)s).", value=amount),
                            field=field)
    return amount


def rate_in_force(service: ServiceKind, community_id: int | None, on_date: date) -> RateCard:
    """The rate for `service` on `on_date`: the community's own rate if it has one, else the default."""
    query = (
        select(RateCard)
        .where(RateCard.service == service, RateCard.effective_from <= on_date)
        .order_by(RateCard.effective_from.desc(), RateCard.id.desc())
        .limit(1)
    )
    if community_id is not None:
        own = db.session.scalar(query.where(RateCard.community_id == community_id))
        if own is not None:
            return own
    default = db.session.scalar(query.where(RateCard.community_id.is_(None)))
    if default is None:
        raise MissingRate(_("No rate for %(service)s in force on %(day)s: add one to the rate card.",
                            service=service.value, day=on_date.isoformat()))
    return default


def add_rate(service: ServiceKind, rate: Decimal | str, effective_from: date,
             community_id: int | None, actor_id: int | None, note: str | None = None) -> RateCard:
    """Add a rate from `effective_from` (for one community, or all when `community_id` is None)."""
    amount = positive_amount(rate, field="rate")
    clash = db.session.scalar(select(RateCard.id).where(
        RateCard.service == service, RateCard.effective_from == effective_from,
        RateCard.community_id.is_(None) if community_id is None else RateCard.community_id == community_id,
    ))
    if clash is not None:
        raise LedgerError(_("A rate for this service and community already starts on %(day)s.",
                            day=effective_from.isoformat()), field="effective_from")
    card = RateCard(service=service, rate=amount, effective_from=effective_from,
                    community_id=community_id, note=note, created_by_id=actor_id)
    db.session.add(card)
    record_change(actor_id, "create", card, summary=f"{service.value} {amount} from {effective_from}")
    return card


def parse_exchange_rate(value: Decimal | str) -> Decimal:
    """A positive USD→PEN rate with at most four decimals."""
    try:
        rate = plain_decimal(str(value)) if not isinstance(value, Decimal) else value
    except NotPlainNumber as exc:
        raise InvalidAmount(_("Not a valid exchange rate: %(value)s.", value=value), field="usd_to_pen") from exc
    if isinstance(value, float) or not rate.is_finite() or rate <= 0 or rate > 100:
        raise InvalidAmount(_("Not a valid exchange rate: %(value)s.", value=value), field="usd_to_pen")
    if rate != rate.quantize(Decimal("0.0001")):
        raise InvalidAmount(_("Exchange rates have at most four decimals."), field="usd_to_pen")
    return rate.quantize(Decimal("0.0001"))


def add_exchange_rate(rate_date: date, usd_to_pen: Decimal | str, actor_id: int | None,
                      source: str | None = None) -> ExchangeRate:
    """Record the soles per dollar from `rate_date` (one rate per day)."""
    rate = parse_exchange_rate(usd_to_pen)
    if db.session.scalar(select(ExchangeRate.id).where(ExchangeRate.rate_date == rate_date)):
        raise LedgerError(_("There is already an exchange rate for %(day)s.", day=rate_date.isoformat()),
                          field="rate_date")
    record = ExchangeRate(rate_date=rate_date, usd_to_pen=rate, source=source, created_by_id=actor_id)
    db.session.add(record)
    record_change(actor_id, "create", record, summary=f"USD→PEN {rate} on {rate_date}")
    return record


def exchange_rate_in_force(on_date: date) -> ExchangeRate:
    """The latest rate dated on or before `on_date`, at most EXCHANGE_RATE_VALID_DAYS old."""
    record = db.session.scalar(
        select(ExchangeRate).where(
            ExchangeRate.rate_date <= on_date,
            ExchangeRate.rate_date > on_date - timedelta(days=EXCHANGE_RATE_VALID_DAYS),
        ).order_by(ExchangeRate.rate_date.desc()).limit(1)
    )
    if record is None:
        raise MissingExchangeRate(_("No USD→PEN exchange rate in force on %(day)s: enter one first.",
                                    day=on_date.isoformat()))
    return record


def usd_to_pen(amount_usd: Decimal | str, on_date: date) -> tuple[Decimal, int]:
    """Convert dollars to soles at the rate in force on `on_date`: (soles, the rate's id)."""
    try:
        amount = to_money(amount_usd)
    except MoneyError as exc:
        raise InvalidAmount(_("Not a valid amount: %(value)s (two decimals at most).", value=amount_usd)) from exc
    rate = exchange_rate_in_force(on_date)
    return round_money(amount * rate.usd_to_pen), rate.id
