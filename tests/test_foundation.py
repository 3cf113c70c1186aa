"""The foundation: the app builds, the migrations match the models, money and time are exact."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.accounts.roles import Role
from app.clock import now_utc, today_lima
from app.extensions import db
from app.forms import MAX_RECORD_ID, id_or_none, record_id
from app.money import MoneyError, format_money, round_money, to_money


def test_models_and_migrations_do_not_drift(app, db_session):
    """Autogenerate finds nothing to do: the migrations build exactly the models' schema."""
    connection = db_session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences = compare_metadata(context, db.metadata)
    assert differences == []


@pytest.mark.parametrize(
    "text, expected",
    [("1234.5", Decimal("1234.50")), ("0.01", Decimal("0.01")), (" 60 ", Decimal("60.00")), (120, Decimal("120.00"))],
)
def test_to_money_accepts_exact_amounts(text, expected):
    assert to_money(text) == expected


@pytest.mark.parametrize("bad", [1.5, "12.345", "abc", "NaN", "Infinity", "1e12", True, "1e309", "-1e309", "1e-999999999"])
def test_to_money_refuses_floats_overprecision_and_junk(bad):
    with pytest.raises(MoneyError):
        to_money(bad)


@pytest.mark.parametrize("text, expected", [("", None), ("7", 7), (" 42 ", 42), (str(MAX_RECORD_ID), MAX_RECORD_ID)])
def test_record_id_reads_ids_a_database_integer_holds(text, expected):
    assert record_id(text) == expected


@pytest.mark.parametrize("bad", ["0", "-1", str(MAX_RECORD_ID + 1), "99999999999999999999", "abc", "1e3", "²", True])
def test_record_id_refuses_what_names_no_record_and_filters_ignore_it(bad):
    with pytest.raises(ValueError):
        record_id(bad)
    assert id_or_none(bad) is None


def test_money_formats_like_peruvian_receipts():
    assert format_money(Decimal("1234.5")) == "S/ 1,234.50"
    assert format_money(Decimal("-12")) == "-S/ 12.00"
    assert format_money(Decimal("99"), "USD") == "US$ 99.00"


def test_one_rounding_rule_half_away_from_zero():
    assert round_money(Decimal("0.005")) == Decimal("0.01")
    assert round_money(Decimal("-0.005")) == Decimal("-0.01")
    assert round_money(Decimal("2.344")) == Decimal("2.34")


def test_timestamps_come_back_aware_utc(build, db_session):
    user = build.user()
    db_session.expire(user)
    assert user.created_at.tzinfo is not None
    assert user.created_at.utcoffset().total_seconds() == 0


def test_naive_timestamps_are_refused(build, db_session):
    user = build.user()
    user.created_at = datetime(2026, 1, 1)  # naive
    with pytest.raises(Exception, match="naive"):
        db_session.flush()


def test_new_rows_get_fresh_timestamps_not_import_time(build):
    before = datetime.now(UTC)
    user = build.user()
    assert user.created_at >= before


def test_login_page_is_served(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="password"' in response.data


def test_manager_signs_in_and_sees_start_page(client, auth):
    auth.login_as(Role.MANAGER, full_name="Rubén Quispe")
    response = client.get("/")
    assert response.status_code == 200
    assert "Rubén Quispe".encode() in response.data


def test_security_headers_on_every_response(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_frozen_clock_stands_still_on_a_lima_evening_that_is_already_tomorrow_in_utc(frozen_clock):
    first = now_utc()
    assert today_lima() == date(2026, 11, 3) and first.date() == date(2026, 11, 4)
    assert now_utc() == first
