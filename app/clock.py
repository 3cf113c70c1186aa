"""Time conventions: timestamps are timezone-aware UTC; calendar dates are Lima dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

LIMA = ZoneInfo("America/Lima")


def now_utc() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def today_lima() -> date:
    """Today's calendar date in Cusco (America/Lima, UTC-5)."""
    return now_utc().astimezone(LIMA).date()


def to_lima(moment: datetime) -> datetime:
    """An aware instant shown on Lima's clock."""
    return moment.astimezone(LIMA)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned timezone-aware.

    SQLite keeps no zone; PostgreSQL's `timestamptz` does. Either way the application only
    ever sees aware UTC datetimes, and naive ones are refused on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
