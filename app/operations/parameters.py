"""The dated parameters porter welfare is checked against: load limit (kg) and the UIT by year.

They are figures an administrator maintains (DOMAIN.md), never constants in code. The wage
floor of a working day is 3% of the UIT of the departure's year (Ley 31614).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import record_change, snapshot
from app.extensions import db
from app.money import round_money
from app.operations.errors import OperationsError
from app.operations.models import LoadLimit, UitValue, format_kg

WAGE_FLOOR_SHARE_OF_UIT = Decimal("0.03")
MAX_LOAD_LIMIT_KG = Decimal("40")


@dataclass
class ParameterBook:
    """Every load limit and UIT, read once, for checking many departures without more queries."""

    load_limits: list[LoadLimit] = field(default_factory=list)
    uit_by_year: dict[int, Decimal] = field(default_factory=dict)

    @classmethod
    def load(cls) -> ParameterBook:
        """Read the parameters from the database (two queries)."""
        limits = list(db.session.scalars(select(LoadLimit).order_by(LoadLimit.effective_from)))
        uits = {uit.year: uit.amount for uit in db.session.scalars(select(UitValue))}
        return cls(limits, uits)

    def load_limit_on(self, day: date) -> Decimal | None:
        """The porter load limit in force on `day`, or None when none was entered yet."""
        current = None
        for limit in self.load_limits:
            if limit.effective_from <= day:
                current = limit.limit_kg
        return current

    def uit(self, year: int) -> Decimal | None:
        """The UIT of `year`, or None when the administrator has not entered it."""
        return self.uit_by_year.get(year)

    def wage_floor(self, year: int) -> Decimal | None:
        """The porters' daily wage floor in `year`: 3% of that year's UIT."""
        uit = self.uit(year)
        return None if uit is None else round_money(uit * WAGE_FLOOR_SHARE_OF_UIT)


def wage_floor(year: int) -> Decimal | None:
    """The porters' daily wage floor in `year`, or None while that year's UIT is missing."""
    uit = db.session.scalar(select(UitValue.amount).where(UitValue.year == year))
    return None if uit is None else round_money(uit * WAGE_FLOOR_SHARE_OF_UIT)


def save_load_limit(record: LoadLimit | None, effective_from: date, limit_kg: Decimal,
                    note: str | None, actor_id: int | None) -> LoadLimit:
    """Add a load limit in force from `effective_from` (or correct `record`), audited."""
    if limit_kg <= 0 or limit_kg > MAX_LOAD_LIMIT_KG:
        raise OperationsError(
            _("A load limit must be more than 0 and at most %(max)s kg.", max=format_kg(MAX_LOAD_LIMIT_KG)),
            "limit_kg",
        )
    clash = select(LoadLimit.id).where(LoadLimit.effective_from == effective_from)
    if record is not None:
        clash = clash.where(LoadLimit.id != record.id)
    if db.session.scalar(clash) is not None:
        raise OperationsError(
            _("A load limit already starts on that date; edit that one instead."), "effective_from"
        )
    return _save(record or LoadLimit(), {"effective_from": effective_from, "limit_kg": limit_kg,
                                         "note": note}, actor_id,
                 f"load limit {format_kg(limit_kg)} kg from {effective_from.isoformat()}")


def save_uit(record: UitValue | None, year: int, amount: Decimal, note: str | None,
             actor_id: int | None) -> UitValue:
    """Enter the UIT of `year` (or correct `record`), audited."""
    if amount <= 0:
        raise OperationsError(_("The UIT must be a positive amount."), "amount")
    clash = select(UitValue.id).where(UitValue.year == year)
    if record is not None:
        clash = clash.where(UitValue.id != record.id)
    if db.session.scalar(clash) is not None:
        raise OperationsError(
            _("The UIT of %(year)s is already entered; edit it instead.", year=year), "year"
        )
    return _save(record or UitValue(), {"year": year, "amount": amount, "note": note}, actor_id,
                 f"UIT {year}: {amount}")


def _save(record, values: dict, actor_id: int | None, summary: str):
    is_new = record.id is None
    before = None if is_new else snapshot(record)
    for key, value in values.items():
        setattr(record, key, value)
    db.session.add(record)
    record_change(actor_id, "create" if is_new else "update", record, before=before,
                  summary=summary)
    return record
