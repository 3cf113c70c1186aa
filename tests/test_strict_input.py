"""Absurd input gets a clear refusal, never a 500, and writes nothing.

Numbers are typed as plain digits with at most one decimal point: Python alone would take `1e2`,
`1_0` and other scripts' digits, and `1e999999999` overflowed the money checks (a 500 on every
money form). Business dates lie between 2000 and 2100: year 0001 or 9999 overflowed the impact
report's period arithmetic and was saved as a load limit's or a rate's start. Text refuses control
and text-direction characters in every capability, an uploaded file's name too. A homestay night
without its community reached a CHECK constraint.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import DateField, DecimalField, FloatField, Form, IntegerField
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired, Optional

import app as app_package
from app.accounts.models import User
from app.accounts.roles import Role
from app.clock import today_lima
from app.forms import (
    BusinessDateField,
    BusinessMonthField,
    MoneyField,
    NumberField,
    TextChecks,
    WholeNumberField,
)
from app.ledger.models import ExchangeRate
from app.money import MoneyError, to_money
from app.operations.models import Departure, LoadLimit, NightKind, RouteDay, Traveller
from app.partners.models import Partner
from app.payments.models import ApprovalThreshold
from app.registries.models import HomestayFamily, ImportBatch, StaffMember
from tests.operations.builders import OperationsBuilders

NOT_A_PLAIN_NUMBER = "Enter a number with digits and at most one decimal point"
NOT_A_WHOLE_NUMBER = "Enter a whole number with digits only"
OUTSIDE_BUSINESS_DATES = "Enter a date between 2000 and 2100."
HIDDEN_CHARACTERS = "This text contains control or text-direction characters."
TYPED_NUMBERS = ["1e999999999", "1e2", "１２", "١٢", "1_0", "NaN", "Infinity", "0x10", "1.2.3", "1,5"]
PLAIN_AMOUNTS = [("1234.50", Decimal("1234.50")), ("0.5", Decimal("0.50")), ("12", Decimal("12.00")),
                 (" 60 ", Decimal("60.00"))]
HIDDEN_TEXT = ["Ana\u202eserroT", "Ana\u2066Torres\u2069", "Ana\x07Torres", "Ana\x1bTorres", "Ana\x85Torres"]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def ops(build) -> OperationsBuilders:
    return OperationsBuilders(build)


@pytest.fixture
def route(build, ops):
    ops.parameters()
    return ops.route(nights=[(NightKind.HOMESTAY, build.community()), (NightKind.NONE, None)])


def departure_form(route, **fields) -> dict:
    return {"route_id": route.id, "start_date": (today_lima() + timedelta(days=20)).isoformat(),
            "price_per_traveller_usd": "590.00", "group_min": "2", "group_max": "12", **fields}


# --- The shared fields, one by one ------------------------------------------------------------


class Fields(Form):
    number = NumberField(validators=[Optional()])
    money = MoneyField(validators=[Optional()])
    whole = WholeNumberField(validators=[Optional()])
    required_money = MoneyField(validators=[InputRequired()])
    day = BusinessDateField(validators=[Optional()])
    month = BusinessMonthField(validators=[Optional()])


@contextmanager
def english(app):
    """A request in English (the messages these tests read)."""
    with app.test_request_context(), force_locale("en"):
        yield


def filled(**values) -> Fields:
    form = Fields(MultiDict({"required_money": "1", **values}))
    form.validate()
    return form


@pytest.mark.parametrize("typed", TYPED_NUMBERS)
def test_a_number_that_is_not_plain_digits_gets_one_clear_message(app, typed):
    with english(app):
        form = filled(number=typed, money=typed, whole=typed, required_money=typed)
        assert [str(e) for e in form.number.errors] == [f"{NOT_A_PLAIN_NUMBER}, e.g. 1234.50."]
        assert [str(e) for e in form.money.errors] == [f"{NOT_A_PLAIN_NUMBER}, e.g. 1234.50."]
        # the parse error stands alone: no "this field is required" in its place
        assert [str(e) for e in form.required_money.errors] == [f"{NOT_A_PLAIN_NUMBER}, e.g. 1234.50."]
        assert [str(e) for e in form.whole.errors] == [f"{NOT_A_WHOLE_NUMBER}, e.g. 12."]
        assert (form.number.data, form.money.data, form.whole.data) == (None, None, None)


@pytest.mark.parametrize("typed, amount", PLAIN_AMOUNTS)
def test_plain_numbers_are_read_exactly(app, typed, amount):
    with english(app):
        form = filled(number=typed, money=typed)
        assert form.errors == {}
        assert form.money.data == amount and form.number.data == Decimal(typed.strip())


def test_whole_numbers_plain_negative_blank_and_too_large(app):
    with english(app):
        assert filled(whole="12").whole.data == 12
        assert filled(whole="-3").whole.data == -3
        assert filled(whole="").whole.data is None and filled(whole="").errors == {}
        for typed in ("12.0", "2147483648", "9" * 40):
            assert filled(whole=typed).whole.errors, typed
        assert [str(e) for e in filled(whole="2147483648").whole.errors] == ["This number is too large."]


def test_money_keeps_its_own_rules(app):
    with english(app):
        assert [str(e) for e in filled(money="12.345").money.errors] == ["Enter an amount with at most two decimals."]
        assert [str(e) for e in filled(money="100000000").money.errors] == ["Enter an amount of at most 99,999,999.99."]
        assert filled(money="-5").money.data == Decimal("-5.00")  # "above zero" is each form's rule


@pytest.mark.parametrize("typed", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_a_day_outside_the_business_years_is_refused_with_the_range(app, typed):
    with english(app):
        form = filled(day=typed, month=typed[:7])
        assert [str(e) for e in form.day.errors] == [OUTSIDE_BUSINESS_DATES]
        assert [str(e) for e in form.month.errors] == [OUTSIDE_BUSINESS_DATES]
        assert form.day.data is None and form.month.data is None  # a filter reading it anyway sees none


def test_the_business_years_themselves_are_accepted(app):
    with english(app):
        for typed in ("2000-01-01", "2100-12-31", "2026-06-14"):
            form = filled(day=typed, month=typed[:7])
            assert form.errors == {} and form.day.data == date.fromisoformat(typed)
        assert filled(day="２０２６-06-14").day.errors  # other scripts' digits: not a date


def test_to_money_reads_only_plain_numbers():
    assert to_money("1234.50") == Decimal("1234.50") and to_money(12) == Decimal("12.00")
    for typed in ("1e2", "１２", "١٢", "1_0", "NaN", "1e999999999"):
        with pytest.raises(MoneyError):
            to_money(typed)
    with pytest.raises(MoneyError):
        to_money(Decimal("1e999999999"))  # was decimal.Overflow, out of abs()


def _form_classes() -> list[type]:
    """Every form class the app defines (FlaskForm or plain subforms), once every module is loaded."""
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(app_package.__path__, prefix="app."):
        if info.name.endswith(("forms", "routes", "pages")):
            importlib.import_module(info.name)
    found, todo = [], [FlaskForm, Form]
    while todo:
        for subclass in todo.pop().__subclasses__():
            todo.append(subclass)
            if subclass.__module__.startswith("app.") and subclass not in found:
                found.append(subclass)
    return found


def test_every_form_checks_its_text_and_uses_the_strict_number_and_date_fields():
    """A form added later with a bare DecimalField, IntegerField or DateField, or without the
    text checks, fails here."""
    from app.operations import forms as operations_forms

    classes = _form_classes()
    assert len(classes) > 40
    without_checks = [cls.__qualname__ for cls in classes if not issubclass(cls, TextChecks)]
    assert without_checks == []
    strict = (NumberField, WholeNumberField, BusinessDateField, BusinessMonthField)
    bare = []
    extra = {"guests_field": operations_forms.guests_field("x"), "weighed_field": operations_forms.weighed_field("x"),
             "count_field": operations_forms.count_field("x", 3)}
    for cls in classes:
        fields = {name: value for name in dir(cls) if isinstance(value := getattr(cls, name, None), UnboundField)}
        for name, unbound in [*fields.items(), *(extra.items() if cls is operations_forms.ActualsForm else [])]:
            kind = unbound.field_class
            if issubclass(kind, (DecimalField, IntegerField, FloatField, DateField)) and not issubclass(kind, strict):
                bare.append(f"{cls.__qualname__}.{name}: {kind.__name__}")
    assert bare == []


# --- Money forms -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["1e999999999", "1e2", "１２", "١٢", "1_0"])
def test_manager_types_a_price_no_person_writes_and_the_form_says_how(client, auth, route, db_session, typed):
    auth.login_as(Role.MANAGER)
    response = client.post("/departures/new", data=departure_form(route, price_per_traveller_usd=typed))
    assert response.status_code == 400
    assert NOT_A_PLAIN_NUMBER in response.get_data(as_text=True)
    assert count(db_session, Departure) == 0


@pytest.mark.parametrize("typed, price", PLAIN_AMOUNTS[:3])
def test_a_plain_price_is_saved_as_typed(client, auth, route, db_session, typed, price):
    auth.login_as(Role.MANAGER)
    assert client.post("/departures/new", data=departure_form(route, price_per_traveller_usd=typed)).status_code == 302
    assert db_session.scalars(select(Departure)).one().price_per_traveller_usd == price


@pytest.mark.parametrize("url, data, field", [
    ("/payments/threshold", {"effective_from": "2026-01-01"}, "amount"),
    ("/parameters/uit/new", {"year": "2031"}, "amount"),
    ("/parameters/load-limits/new", {"effective_from": "2031-01-01"}, "limit_kg"),
    ("/ledger/rates", {"service": "homestay_night", "community": "", "effective_from": "2031-01-01"}, "rate"),
    ("/ledger/exchange-rates", {"rate_date": "2031-01-01"}, "usd_to_pen"),
])
def test_every_money_and_number_form_refuses_an_exponent(client, auth, db_session, url, data, field):
    auth.login_as(Role.ADMIN)
    for typed in ("1e999999999", "1e2", "١٢"):
        response = client.post(url, data={**data, field: typed})
        assert response.status_code == 400, (url, typed)
        assert NOT_A_PLAIN_NUMBER in response.get_data(as_text=True), (url, typed)


def test_administrator_sets_a_plain_threshold(client, auth, db_session):
    auth.login_as(Role.ADMIN)
    before = count(db_session, ApprovalThreshold)
    response = client.post("/payments/threshold", data={"amount": "1234.50", "effective_from": "2031-01-01"})
    assert response.status_code == 302
    assert count(db_session, ApprovalThreshold) == before + 1


def test_accountant_enters_an_exchange_rate_with_four_decimals(client, auth, db_session):
    auth.login_as(Role.ACCOUNTANT)
    assert client.post("/ledger/exchange-rates", data={"rate_date": "2031-01-01", "usd_to_pen": "3.7525"}).status_code == 302
    assert db_session.scalars(select(ExchangeRate)).one().usd_to_pen == Decimal("3.7525")
    refused = client.post("/ledger/exchange-rates", data={"rate_date": "2031-01-02", "usd_to_pen": "3.75251"})
    assert refused.status_code == 400 and "four decimals at most" in refused.get_data(as_text=True)


def test_a_spanish_speaker_reads_the_number_rule_in_spanish(client, auth, route, db_session):
    auth.login_as(Role.MANAGER, language="es")
    page = client.post("/departures/new", data=departure_form(route, price_per_traveller_usd="1e2")).get_data(as_text=True)
    assert "Ingrese un número con cifras y a lo sumo un punto decimal" in page


# --- Whole numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["1e2", "１２", "١٢", "1_0", "4.0"])
def test_manager_types_beds_no_person_writes(client, auth, build, db_session, typed):
    community = build.community()
    auth.login_as(Role.MANAGER)
    response = client.post("/families/new", data={
        "community_id": community.id, "household_head": "Juana Quispe", "host_gender": "female",
        "beds": typed, "payment-payment_method": "cash"})
    assert response.status_code == 400
    assert NOT_A_WHOLE_NUMBER in response.get_data(as_text=True)
    assert count(db_session, HomestayFamily) == 0
    accepted = client.post("/families/new", data={
        "community_id": community.id, "household_head": "Juana Quispe", "host_gender": "female",
        "beds": "12", "payment-payment_method": "cash"})
    assert accepted.status_code == 302 and db_session.scalars(select(HomestayFamily)).one().beds == 12


# --- Dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dated_parameters_at_the_ends_of_the_calendar_are_refused_with_the_range(client, auth, db_session, day):
    auth.login_as(Role.ADMIN)
    before = (count(db_session, LoadLimit), count(db_session, ApprovalThreshold), count(db_session, ExchangeRate))
    for url, data in [("/parameters/load-limits/new", {"effective_from": day, "limit_kg": "18"}),
                      ("/payments/threshold", {"amount": "500", "effective_from": day}),
                      ("/ledger/exchange-rates", {"rate_date": day, "usd_to_pen": "3.75"}),
                      ("/ledger/rates", {"service": "homestay_night", "community": "", "rate": "60",
                                         "effective_from": day})]:
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert OUTSIDE_BUSINESS_DATES in response.get_data(as_text=True), url
    assert (count(db_session, LoadLimit), count(db_session, ApprovalThreshold), count(db_session, ExchangeRate)) == before


@pytest.mark.parametrize("start, end", [("0001-01-01", "0001-01-01"), ("2026-01-01", "9999-12-31"),
                                        ("9999-12-31", "9999-12-31")])
def test_an_impact_report_period_at_the_ends_of_the_calendar_says_the_range(client, auth, db_session, start, end):
    auth.login_as(Role.MANAGER)
    for url in ("/impact/preview", "/impact/draft.pdf"):
        response = client.get(url, query_string={"start": start, "end": end})
        assert response.status_code == 400, url
        assert OUTSIDE_BUSINESS_DATES in response.get_data(as_text=True), url


def test_closing_a_month_in_year_9999_says_the_range(client, auth, db_session):
    auth.login_as(Role.ACCOUNTANT)
    page = client.post("/ledger/periods/close", data={"month": "9999-12"}, follow_redirects=True).get_data(as_text=True)
    assert OUTSIDE_BUSINESS_DATES in page


def test_ledger_and_payment_filters_at_the_ends_of_the_calendar_answer(client, auth, db_session):
    auth.login_as(Role.ADMIN)
    for day in ("0001-01-01", "9999-12-31"):
        for url in ("/ledger/", "/payments", "/payments/batches/new", "/audit/"):
            response = client.get(url, query_string={"date_from": day, "date_to": day, "cutoff": day})
            assert response.status_code == 200, (url, day)


# --- Text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", HIDDEN_TEXT)
def test_names_in_every_capability_refuse_hidden_characters(client, auth, build, ops, db_session, name):
    departure = ops.departure()
    auth.login_as(Role.ADMIN)
    attempts = [
        ("/users/new", User, {"email": "nueva@lares.example", "full_name": name, "role": "manager",
                              "language": "es", "password": "correct-horse-battery",
                              "confirm": "correct-horse-battery"}),
        ("/partners/new", Partner, {"name": name, "kind": "ngo", "language": "es"}),
        (f"/departures/{departure.id}/travellers/new", Traveller, {
            "full_name": name, "nationality": "Peru", "emergency_contact_name": "Sam Doe",
            "emergency_contact_phone": "+51 984 123 456"}),
        ("/staff/new", StaffMember, {"full_name": name, "dni": "47654321", "birth_date": "1988-04-02",
                                     "roles": "arriero", "payment-payment_method": "cash"}),
    ]
    for url, model, data in attempts:
        before = count(db_session, model)
        response = client.post(url, data=data)
        assert response.status_code in (200, 400), url
        assert HIDDEN_CHARACTERS in response.get_data(as_text=True), url
        assert count(db_session, model) == before, url


def test_names_with_accents_and_apostrophes_still_pass(client, auth, ops, db_session):
    departure = ops.departure()
    auth.login_as(Role.MANAGER)
    response = client.post(f"/departures/{departure.id}/travellers/new", data={
        "full_name": "Zoë Ñúñez O'Brien", "nationality": "Perú", "emergency_contact_name": "Ana Ñúñez",
        "emergency_contact_phone": "+51 984 123 456"})
    assert response.status_code == 302
    assert db_session.scalars(select(Traveller)).one().full_name == "Zoë Ñúñez O'Brien"


@pytest.mark.parametrize("filename", ["famil\x00ies.csv", "\u202evsc.exe.csv", "families\x07.csv"])
def test_an_uploaded_file_whose_name_hides_characters_is_refused(client, auth, db_session, filename):
    auth.login_as(Role.MANAGER)
    content = b"community,household_head,host_gender,beds\nHuacahuasi,Juana Quispe,female,4\n"
    response = client.post("/families/import", data={"file": (io.BytesIO(content), filename)},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "name contains control or text-direction characters" in response.get_data(as_text=True)
    assert count(db_session, ImportBatch) == 0


# --- Route days ------------------------------------------------------------------------------------


def test_a_homestay_night_without_its_community_is_refused_not_a_500(client, auth, build, ops, db_session):
    route = ops.route(nights=[(NightKind.CAMP, None)])
    auth.login_as(Role.MANAGER)
    before = count(db_session, RouteDay)
    response = client.post(f"/routes/{route.id}/days/new", data={
        "title": "Huacahuasi", "night_kind": "homestay", "night_community_id": ""})
    assert response.status_code == 400
    assert "A homestay night needs its community." in response.get_data(as_text=True)
    assert count(db_session, RouteDay) == before
    hotel = client.post(f"/routes/{route.id}/days/new", data={
        "title": "Cusco", "night_kind": "hotel", "night_community_id": str(build.community().id)})
    assert hotel.status_code == 400
    assert "Only homestay and camp nights belong to a community." in hotel.get_data(as_text=True)
    assert count(db_session, RouteDay) == before


def test_a_thirty_first_day_is_refused_not_a_500(client, auth, ops, db_session):
    route = ops.route(nights=[(NightKind.CAMP, None)] * 30)
    auth.login_as(Role.MANAGER)
    response = client.post(f"/routes/{route.id}/days/new", data={"title": "One more", "night_kind": "camp"})
    assert response.status_code in (200, 400)
    assert count(db_session, RouteDay) == 30
