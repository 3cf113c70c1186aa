"""What a completed departure delivered is what the ledger will pay for."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from app.clock import now_utc
from app.operations.actuals import DepartureNotCompleted, ServiceDelivered, departure_services
from app.operations.models import Activity, DepartureStatus, NightKind, ServiceKind
from app.operations.services import DepartureLocked, assert_departure_editable
from app.registries.models import PayeeKind, StaffRole


def test_a_draft_departure_has_delivered_nothing_yet(ops):
    departure = ops.departure()
    with pytest.raises(DepartureNotCompleted):
        departure_services(departure)


def test_completed_classic_trek_lists_every_service_from_the_actuals(build, ops):
    lares, huacahuasi, patacancha = (build.community(name=n) for n in ("Lares X", "Huacahuasi X", "Patacancha X"))
    route = ops.route(
        nights=[(NightKind.HOMESTAY, huacahuasi), (NightKind.HOMESTAY, patacancha), (NightKind.NONE, None)],
        activities={1: [(Activity.HOT_SPRINGS, lares), (Activity.WEAVING_WORKSHOP, huacahuasi)],
                    2: [(Activity.PASS_CROSSING, None)]},
    )
    departure = ops.departure(route, start=date(2026, 6, 14), status=DepartureStatus.COMPLETED)
    for walked in (True, True, True, False):
        ops.traveller(departure, walked=walked)
    family_a = build.family(huacahuasi, beds=4)
    family_b = build.family(patacancha, beds=4)
    ops.allocation(departure, family_a, date(2026, 6, 14), guests=4, guests_actual=3)
    ops.allocation(departure, family_b, date(2026, 6, 15), guests=4, guests_actual=0)
    weavers = build.association(huacahuasi)
    ops.workshop(departure, weavers, date(2026, 6, 14), expected=4, actual_participants=3)
    porter = ops.assignment(departure, role=StaffRole.PORTER, daily_wage=Decimal("165.00"), actual_days=3)
    arriero = ops.assignment(departure, role=StaffRole.ARRIERO, mules=2, actual_days=2)
    ops.assignment(departure, role=StaffRole.COOK, actual_days=0)

    lines = departure_services(departure)

    end = date(2026, 6, 16)
    assert lines == [
        ServiceDelivered(ServiceKind.HOMESTAY_NIGHT, PayeeKind.FAMILY, family_a.id, huacahuasi.id, 3, date(2026, 6, 14)),
        ServiceDelivered(ServiceKind.WORKSHOP_PARTICIPANT, PayeeKind.ASSOCIATION, weavers.id, huacahuasi.id, 3, date(2026, 6, 14)),
        ServiceDelivered(ServiceKind.VISITOR_FEE, PayeeKind.COMMUNITY, huacahuasi.id, huacahuasi.id, 3, date(2026, 6, 14)),
        ServiceDelivered(ServiceKind.VISITOR_FEE, PayeeKind.COMMUNITY, patacancha.id, patacancha.id, 3, date(2026, 6, 15)),
        ServiceDelivered(ServiceKind.HOT_SPRINGS, PayeeKind.COMMUNITY, lares.id, lares.id, 3, date(2026, 6, 14)),
        ServiceDelivered(ServiceKind.PORTER_DAY, PayeeKind.STAFF, porter.staff_member_id, None, 3, end, Decimal("165.00")),
        ServiceDelivered(ServiceKind.ARRIERO_DAY, PayeeKind.STAFF, arriero.staff_member_id, None, 2, end, None),
        ServiceDelivered(ServiceKind.MULE_DAY, PayeeKind.STAFF, arriero.staff_member_id, None, 4, end, None),
    ]


def test_posted_departure_is_locked(ops):
    departure = ops.departure()
    assert_departure_editable(departure)
    departure.posted_at = now_utc()
    with pytest.raises(DepartureLocked):
        assert_departure_editable(departure)


def test_database_refuses_a_cancellation_without_reason(ops, db_session):
    departure = ops.departure()
    departure.status = DepartureStatus.CANCELLED
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.flush()


def test_database_refuses_end_before_start(ops, db_session):
    with pytest.raises(IntegrityError), db_session.begin_nested():
        ops.departure(start=date(2026, 6, 14), end_date=date(2026, 6, 13))


def test_weighed_loads_are_exact_tenths(ops, db_session):
    departure = ops.departure()
    assignment = ops.assignment(departure, load_kg=Decimal("20.4"))
    db_session.expire(assignment)
    assert assignment.load_kg == Decimal("20.4")
