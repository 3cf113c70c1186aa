"""The operations pages as managers, accountants and partners use them."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.accounts.roles import Role
from app.audit.models import AuditEvent
from app.clock import today_lima
from app.operations.models import (
    Departure,
    DepartureStatus,
    HomestayAllocation,
    NightKind,
    UitValue,
)
from app.registries.models import StaffRole

# Periods, ageing and "today" are computed from the clock: hold it still (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def classic(build, ops):
    ops.parameters()
    huacahuasi = build.community(name="Huacahuasi P")
    patacancha = build.community(name="Patacancha P")
    families = [build.family(huacahuasi, household_head=name, beds=4)
                for name in ("Juana Ñaupa Quispe", "Rosa Huillca")]
    families.append(build.family(patacancha, household_head="Dominga Ccorimanya", beds=6))
    route = ops.route(code="LAR", name="Lares clásico", nights=[
        (NightKind.HOMESTAY, huacahuasi), (NightKind.HOMESTAY, patacancha), (NightKind.NONE, None)])
    return route, families


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_manager_plans_a_departure_through_the_form(client, auth, classic, db_session):
    route, _ = classic
    auth.login_as(Role.MANAGER)
    response = client.post("/departures/new", data={
        "route_id": route.id, "start_date": (today_lima() + timedelta(days=20)).isoformat(),
        "price_per_traveller_usd": "590.00", "group_min": "2", "group_max": "10"})
    assert response.status_code == 302
    departure = db_session.scalars(select(Departure)).one()
    assert departure.group_max == 10 and departure.price_per_traveller_usd == Decimal("590.00")
    assert db_session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "departures")).first()


@pytest.mark.parametrize("fields, message", [
    ({"group_min": "8", "group_max": "4"}, "The maximum cannot be below the minimum."),
    ({"start_date": "2026-13-45"}, "Enter a valid date."),
    ({"price_per_traveller_usd": "590.555"}, "at most two decimals"),
    ({"start_date": "2020-01-01"}, "more than two years ago"),
])
def test_bad_departure_forms_come_back_with_the_reason(client, auth, classic, db_session, fields, message):
    route, _ = classic
    auth.login_as(Role.MANAGER)
    data = {"route_id": route.id, "start_date": (today_lima() + timedelta(days=20)).isoformat(),
            "price_per_traveller_usd": "590.00", "group_min": "2", "group_max": "12", **fields}
    response = client.post("/departures/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db_session.scalars(select(Departure)).all() == []


def test_confirming_too_early_flashes_every_missing_thing(client, auth, classic, ops):
    route, _ = classic
    departure = ops.departure(route, start=today_lima() + timedelta(days=5))
    auth.login_as(Role.MANAGER)
    response = client.post(f"/departures/{departure.id}/status", data={"target": "confirmed"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "cannot be confirmed yet" in page
    assert "No guide is assigned." in page and "No load plan" in page
    assert departure.status == DepartureStatus.DRAFT


def test_a_status_jump_through_the_page_is_refused(client, auth, classic, ops):
    route, _ = classic
    departure = ops.departure(route, start=today_lima() + timedelta(days=5))
    auth.login_as(Role.MANAGER)
    page = client.post(f"/departures/{departure.id}/status", data={"target": "completed"},
                       follow_redirects=True).get_data(as_text=True)
    assert "A draft departure cannot become completed" in page


def test_homestay_override_needs_a_reason_then_keeps_it(client, auth, classic, ops, db_session):
    route, (juana, rosa, _) = classic
    departure = ops.departure(route, start=today_lima() + timedelta(days=5))
    for _ in range(3):
        ops.traveller(departure)
    night = departure.start_date.isoformat()
    auth.login_as(Role.MANAGER)
    page = client.get(f"/departures/{departure.id}/homestays?night={night}").get_data(as_text=True)
    assert "The rotation suggests:" in page and "Juana Ñaupa Quispe" in page
    differing = {"night": night, f"guests_{juana.id}": "", f"guests_{rosa.id}": "3"}
    refused = client.post(f"/departures/{departure.id}/homestays", data=differing)
    assert refused.status_code == 400 and "write the reason" in refused.get_data(as_text=True)
    assert db_session.scalars(select(HomestayAllocation)).all() == []
    accepted = client.post(f"/departures/{departure.id}/homestays",
                           data={**differing, "reason": "Juana is at the fair in Calca"})
    assert accepted.status_code == 302
    allocation = db_session.scalars(select(HomestayAllocation)).one()
    assert (allocation.family_id, allocation.guests_planned, allocation.suggested) == (rosa.id, 3, False)
    assert allocation.override_reason == "Juana is at the fair in Calca"


def test_accountant_reads_departures_but_cannot_change_them(client, auth, classic, ops):
    route, _ = classic
    departure = ops.departure(route)
    auth.login_as(Role.ACCOUNTANT)
    assert client.get("/departures").status_code == 200
    page = client.get(f"/departures/{departure.id}").get_data(as_text=True)
    assert departure.code in page and "Add a traveller" not in page
    assert client.get("/departures/new").status_code == 403
    assert client.post(f"/departures/{departure.id}/status", data={"target": "cancelled"}).status_code == 403


def test_partners_see_no_operations(client, auth, classic, ops):
    route, _ = classic
    departure = ops.departure(route)
    auth.login_as(Role.PARTNER)
    for url in ("/operations", "/departures", f"/departures/{departure.id}",
                f"/departures/{departure.id}/manifest.pdf", "/fairness", "/parameters"):
        assert client.get(url).status_code == 403, url


def test_only_an_admin_enters_the_uit(client, auth, classic, db_session):
    auth.login_as(Role.MANAGER)
    assert client.post("/parameters/uit/new", data={"year": "2027", "amount": "5600"}).status_code == 403
    auth.logout()
    auth.login_as(Role.ADMIN)
    duplicate = client.post("/parameters/uit/new", data={"year": "2026", "amount": "5600"})
    assert duplicate.status_code == 400 and "already entered" in duplicate.get_data(as_text=True)
    assert client.post("/parameters/uit/new", data={"year": "2027", "amount": "5600.00"}).status_code == 302
    assert db_session.scalar(select(UitValue.amount).where(UitValue.year == 2027)) == Decimal("5600.00")
    assert "S/ 168.00" in client.get("/parameters").get_data(as_text=True)


def test_manager_lands_on_the_dashboard_with_what_each_departure_lacks(client, auth, classic, ops):
    route, _ = classic
    soon = ops.departure(route, start=today_lima() + timedelta(days=3))
    later = ops.departure(route, start=today_lima() + timedelta(days=30))
    auth.login_as(Role.MANAGER)
    page = client.get("/").get_data(as_text=True)
    assert "The next 14 days" in page
    assert soon.code in page and later.code not in page
    assert "No guide is assigned." in page
    assert "Headcount per day on multi-day treks" in page


def test_month_calendar_shows_departures_on_the_trail(client, auth, classic, ops):
    route, _ = classic
    departure = ops.departure(route, start=today_lima().replace(day=1) + timedelta(days=40))
    auth.login_as(Role.MANAGER)
    month = departure.start_date.strftime("%Y-%m")
    page = client.get(f"/departures/calendar?month={month}").get_data(as_text=True)
    assert page.count(departure.code) == 3  # one badge per day on the trail
    assert 'rel="next"' in page and 'rel="prev"' in page


def test_departure_list_filters_by_status_route_and_month(client, auth, classic, ops):
    route, _ = classic
    june = ops.departure(route, start=today_lima().replace(month=6, day=14))
    cancelled = ops.departure(route, start=today_lima().replace(month=7, day=5),
                              status=DepartureStatus.CANCELLED, cancelled_reason="rain")
    auth.login_as(Role.MANAGER)
    page = client.get(f"/departures?month={june.start_date:%Y-%m}").get_data(as_text=True)
    assert june.code in page and cancelled.code not in page
    page = client.get(f"/departures?status=cancelled&route={route.id}").get_data(as_text=True)
    assert cancelled.code in page and june.code not in page


def test_departure_list_runs_the_same_queries_for_3_or_30_departures(app, client, auth, build, classic, ops, count_queries):
    route, _ = classic
    auth.login_as(Role.MANAGER)

    def add(count: int) -> None:
        for n in range(count):
            departure = ops.departure(route, start=today_lima() + timedelta(days=n * 4), guide=build.staff(roles={StaffRole.GUIDE}))
            ops.traveller(departure)

    add(3)
    client.get("/departures")
    with app.app_context(), count_queries() as few:
        assert client.get("/departures").status_code == 200
    add(27)
    with app.app_context(), count_queries() as many:
        assert client.get("/departures").status_code == 200
    assert len(few) == len(many) <= 10


def test_fairness_page_shows_guest_nights_and_gini(client, auth, classic, ops):
    route, (juana, rosa, _) = classic
    departure = ops.departure(route, start=today_lima().replace(month=6, day=14), status=DepartureStatus.COMPLETED)
    ops.allocation(departure, juana, departure.start_date, guests=4)
    auth.login_as(Role.MANAGER)
    page = client.get(f"/fairness/{juana.community_id}?season={departure.start_date.year}").get_data(as_text=True)
    assert "Juana Ñaupa Quispe: 4" in page and "Rosa Huillca: 0" in page
    assert '<dd data-testid="gini">0.50</dd>' in page
    assert "S/ 240.00" in page  # income proxy: 4 guest-nights at the default S/ 60


@pytest.mark.parametrize("lang, heading", [("en", "Homestay families"), ("es", "Familias anfitrionas")])
def test_manifest_pdf_names_travellers_staff_and_families(client, auth, build, classic, ops, lang, heading):
    route, (juana, _, dominga) = classic
    departure = ops.departure(route, start=today_lima() + timedelta(days=5))
    ops.traveller(departure, full_name="Zoë Ñúñez", dietary_needs="vegana")
    ops.assignment(departure, build.staff(full_name="Saturnino Ttito", emergency_contact_name="Gregoria Ttito",
                                          emergency_contact_phone="984111222"))
    ops.allocation(departure, juana, departure.start_date, guests=1)
    ops.allocation(departure, dominga, departure.start_date + timedelta(days=1), guests=1)
    auth.login_as(Role.ACCOUNTANT)
    response = client.get(f"/departures/{departure.id}/manifest.pdf?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in (heading, departure.code, "Zoë Ñúñez", "vegana", "Saturnino Ttito", "Gregoria Ttito",
                     "984111222", "Juana Ñaupa Quispe", "Dominga Ccorimanya", "Lares clásico"):
        assert expected in text, expected


def test_manager_records_what_happened_on_a_completed_trek(client, auth, classic, ops, db_session):
    route, (juana, _, _) = classic
    departure = ops.departure(route, start=today_lima() - timedelta(days=10), status=DepartureStatus.COMPLETED)
    stayed, walked = ops.traveller(departure), ops.traveller(departure)
    allocation = ops.allocation(departure, juana, departure.start_date, guests=2, guests_actual=2)
    porter = ops.assignment(departure, actual_days=3)
    auth.login_as(Role.MANAGER)
    assert "What happened on" in client.get(f"/departures/{departure.id}/actuals").get_data(as_text=True)
    response = client.post(f"/departures/{departure.id}/actuals", data={
        f"walked_{walked.id}": "y", f"guests_{allocation.id}": "1", f"days_{porter.id}": "2"})
    assert response.status_code == 302
    db_session.expire_all()
    assert (stayed.walked, walked.walked, allocation.guests_actual, porter.actual_days) == (False, True, 1, 2)
    too_many = client.post(f"/departures/{departure.id}/actuals", data={
        f"walked_{walked.id}": "y", f"guests_{allocation.id}": "2", f"days_{porter.id}": "2"})
    assert too_many.status_code == 400
    assert "2 guests, but only 1 travellers walked" in too_many.get_data(as_text=True)


def test_days_of_a_route_in_use_cannot_change(client, auth, classic, ops):
    route, _ = classic
    ops.departure(route)
    auth.login_as(Role.MANAGER)
    assert client.get(f"/routes/{route.id}/days/new").status_code == 200
    response = client.post(f"/routes/{route.id}/days/new", data={"title": "Extra day", "night_kind": "none"})
    assert response.status_code == 400
    assert "its days can no longer change" in response.get_data(as_text=True)
    assert len(route.days) == 3


def test_manager_books_a_workshop_on_a_day_of_the_trek(client, auth, build, classic, ops):
    route, (juana, _, _) = classic
    departure = ops.departure(route, start=today_lima() + timedelta(days=9))
    weavers = build.association(juana.community, name="Tejedoras de prueba")
    auth.login_as(Role.MANAGER)
    response = client.post(f"/departures/{departure.id}/workshops/new", data={
        "association_id": weavers.id, "day_date": departure.start_date.isoformat(), "expected_participants": "4"})
    assert response.status_code == 302
    assert [(b.association_id, b.expected_participants) for b in departure.workshop_bookings] == [(weavers.id, 4)]
