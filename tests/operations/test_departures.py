"""Planning a departure: every bad input refused with what and why, nothing partial written;
the status machine; confirming lists everything missing; editing stops once posted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.clock import now_utc
from app.operations.errors import (
    AssignmentRefused,
    DepartureLocked,
    DepartureNotReady,
    OperationsError,
    TransitionRefused,
)
from app.operations.models import DepartureStatus, NightKind, Traveller
from app.operations.rotation import accept_suggestions
from app.operations.services import (
    Actuals,
    DeparturePlan,
    add_traveller,
    assign_staff,
    book_workshop,
    change_status,
    create_departure,
    record_actuals,
    set_load_plan,
    set_welfare,
    update_departure,
)
from app.registries.models import StaffRole

TODAY = date(2026, 11, 25)
S = DepartureStatus
ALL_WELFARE = {"welfare_meals": True, "welfare_shelter": True, "welfare_clothing": True,
               "welfare_first_aid": True, "welfare_insurance": True}


def traveller_values(n: int) -> dict:
    return {"full_name": f"Traveller {n}", "nationality": "Peru", "dietary_needs": None,
            "emergency_contact_name": "Someone", "emergency_contact_phone": "+51 984 000 000"}


@pytest.fixture
def classic(build, ops):
    """The classic 3 days: Huacahuasi and Patacancha homestays, then Ollantaytambo."""
    ops.parameters()
    huacahuasi = build.community(name="Huacahuasi C")
    patacancha = build.community(name="Patacancha C")
    for n in range(3):
        build.family(huacahuasi, household_head=f"Huacahuasi host {n}", beds=4)
        build.family(patacancha, household_head=f"Patacancha host {n}", beds=4)
    return ops.route(code="LAR", nights=[(NightKind.HOMESTAY, huacahuasi), (NightKind.HOMESTAY, patacancha),
                                        (NightKind.NONE, None)])


def plan(route, start=date(2026, 12, 10), **fields) -> DeparturePlan:
    return DeparturePlan(route=route, start_date=start, price_per_traveller_usd=Decimal("590.00"), **fields)


def ready_departure(build, route, start=date(2026, 12, 10), travellers=6):
    """A departure with everything a confirmation checks."""
    guide = build.staff(roles={StaffRole.GUIDE})
    departure = create_departure(plan(route, start, guide=guide), None, TODAY)
    for n in range(travellers):
        add_traveller(departure, traveller_values(n), None)
    porters = [assign_staff(departure, build.staff(roles={StaffRole.PORTER}), StaffRole.PORTER, None) for _ in range(3)]
    assign_staff(departure, build.staff(roles={StaffRole.ARRIERO}), StaffRole.ARRIERO, None, mules=2)
    set_load_plan(departure, Decimal("48"), {p.id: Decimal("18.5") for p in porters}, None)
    accept_suggestions(departure, None)
    set_welfare(departure, ALL_WELFARE, None)
    return departure


def test_end_date_follows_the_route_and_code_names_route_and_day(svc, classic):
    first = create_departure(plan(classic), None, TODAY)
    second = create_departure(plan(classic), None, TODAY)
    assert first.end_date == date(2026, 12, 12)
    assert (first.code, second.code) == ("LAR-2026-12-10-A", "LAR-2026-12-10-B")
    assert first.status == S.DRAFT and (first.group_min, first.group_max) == (2, 12)


@pytest.mark.parametrize("fields, message", [
    ({"group_min": 5, "group_max": 3}, "maximum group \\(3\\) is smaller than the minimum \\(5\\)"),
    ({"group_min": 0}, "at least 1 traveller"),
    ({"group_max": 40}, "at most 30 travellers"),
    ({"start_date": date(2024, 6, 1)}, "more than two years ago"),
    ({"start_date": date(2030, 6, 1)}, "more than three years ahead"),
    ({"price_per_traveller_usd": Decimal("-1")}, "cannot be negative"),
])
def test_nonsense_plans_are_refused_and_nothing_is_written(svc, classic, db_session, fields, message):
    values = {"route": classic, "start_date": date(2026, 12, 10), "price_per_traveller_usd": Decimal("590"), **fields}
    before = db_session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(OperationsError, match=message):
        create_departure(DeparturePlan(**values), None, TODAY)
    assert db_session.scalar(select(func.count(AuditEvent.id))) == before


def test_a_trek_walked_last_season_can_be_recorded(svc, classic):
    departure = create_departure(plan(classic, date(2026, 6, 14)), None, TODAY)
    assert departure.end_date == date(2026, 6, 16)


def test_a_status_jump_is_refused_naming_the_allowed_moves(svc, classic):
    departure = create_departure(plan(classic), None, TODAY)
    with pytest.raises(TransitionRefused, match="A draft departure cannot become completed; it can only become: confirmed, cancelled"):
        change_status(departure, S.COMPLETED, None, TODAY)
    assert departure.status == S.DRAFT


def test_cancelling_needs_a_reason_and_is_final(svc, classic, db_session):
    departure = create_departure(plan(classic), None, TODAY)
    with pytest.raises(TransitionRefused, match="Say why"):
        change_status(departure, S.CANCELLED, None, TODAY, reason="  ")
    change_status(departure, S.CANCELLED, None, TODAY, reason="Landslide on the Lares road")
    assert departure.cancelled_reason == "Landslide on the Lares road"
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "status")).one()
    assert event.reason == "Landslide on the Lares road"
    with pytest.raises(TransitionRefused, match="cannot change status any more"):
        change_status(departure, S.CONFIRMED, None, TODAY)


def test_confirming_an_empty_departure_lists_everything_missing(svc, classic):
    departure = create_departure(plan(classic), None, TODAY)
    add_traveller(departure, traveller_values(1), None)
    with pytest.raises(DepartureNotReady) as refusal:
        change_status(departure, S.CONFIRMED, None, TODAY)
    kinds = [gap.kind for gap in refusal.value.gaps]
    assert kinds == ["group", "guide", "porters", "homestays", "homestays", "welfare"]
    messages = " | ".join(gap.message for gap in refusal.value.gaps)
    assert "1 travellers: the minimum group is 2" in messages
    assert "No guide is assigned" in messages
    assert "No load plan" in messages
    assert "0 of 1 travellers placed with families" in messages
    assert departure.status == S.DRAFT


def test_a_ready_departure_confirms_then_runs_and_completes(svc, build, classic):
    departure = ready_departure(build, classic)
    change_status(departure, S.CONFIRMED, None, TODAY)
    with pytest.raises(TransitionRefused, match="cannot be under way before then"):
        change_status(departure, S.IN_PROGRESS, None, TODAY)
    change_status(departure, S.IN_PROGRESS, None, date(2026, 12, 10))
    with pytest.raises(TransitionRefused, match="cannot be completed before then"):
        change_status(departure, S.COMPLETED, None, date(2026, 12, 11))
    change_status(departure, S.COMPLETED, None, date(2026, 12, 12))
    # What was planned is what happened until the manager records otherwise.
    assert {a.guests_actual for a in departure.homestay_allocations} == {a.guests_planned for a in departure.homestay_allocations}
    assert all(a.actual_days == 3 for a in departure.staff_assignments)


def test_a_departure_in_a_year_without_uit_cannot_be_confirmed(svc, build, ops):
    ops.parameters(uit_years={2026: "5500"})
    village = build.community()
    build.family(village, beds=6)
    route = ops.route(nights=[(NightKind.HOMESTAY, village), (NightKind.NONE, None)])
    departure = ready_departure(build, route, start=date(2027, 5, 8), travellers=3)
    with pytest.raises(DepartureNotReady) as refusal:
        change_status(departure, S.CONFIRMED, None, TODAY)
    assert [gap.message for gap in refusal.value.gaps] == [
        "Enter the UIT for 2027 first: the porters' wage floor is 3% of it."]


def test_porter_welfare_gaps_block_confirmation(svc, build, classic):
    departure = ready_departure(build, classic)
    porter = next(a for a in departure.staff_assignments if a.role == StaffRole.PORTER)
    porter.load_kg = Decimal("23.5")
    porter.daily_wage = Decimal("150.00")
    porter.staff_member.insurance_expiry = date(2026, 12, 11)
    with pytest.raises(DepartureNotReady) as refusal:
        change_status(departure, S.CONFIRMED, None, TODAY)
    messages = [gap.message for gap in refusal.value.gaps]
    name = porter.staff_member.full_name
    assert f"{name} is paid S/ 150.00 a day, under the floor of S/ 165.00 (3% of the 2026 UIT)." in messages
    assert f"{name} carries 23.5 kg, over the limit of 20 kg." in messages
    assert any(m.startswith(f"{name}'s insurance ends on") for m in messages)


def test_too_few_porters_for_the_load(svc, build, classic):
    departure = ready_departure(build, classic)
    set_load_plan(departure, Decimal("61"), {}, None)
    with pytest.raises(DepartureNotReady, match="cannot be confirmed") as refusal:
        change_status(departure, S.CONFIRMED, None, TODAY)
    assert [g.message for g in refusal.value.gaps] == [
        "61 kg of company load needs 4 porters at 20 kg each; 3 assigned."]


def test_a_porter_under_18_is_refused(svc, build, classic):
    departure = create_departure(plan(classic), None, TODAY)
    young = build.staff(roles={StaffRole.PORTER}, birth_date=date(2009, 1, 1), full_name="Wilber Quispe")
    with pytest.raises(AssignmentRefused, match="Wilber Quispe is 17 on .*porters must be 18 or older"):
        assign_staff(departure, young, StaffRole.PORTER, None)
    assert departure.staff_assignments == []


def test_a_wage_under_the_floor_is_refused(svc, build, classic):
    departure = create_departure(plan(classic), None, TODAY)
    with pytest.raises(AssignmentRefused, match="S/ 150.00 a day is under the porters' floor of S/ 165.00"):
        assign_staff(departure, build.staff(), StaffRole.PORTER, None, daily_wage=Decimal("150.00"))


def test_a_porter_with_no_wage_gets_the_floor(svc, build, classic):
    departure = create_departure(plan(classic), None, TODAY)
    assignment = assign_staff(departure, build.staff(), StaffRole.PORTER, None)
    assert assignment.daily_wage == Decimal("165.00")


def test_a_person_on_an_overlapping_departure_is_refused_naming_it(svc, build, classic):
    porter = build.staff(full_name="Santos Huillca")
    first = create_departure(plan(classic, date(2026, 12, 10)), None, TODAY)
    assign_staff(first, porter, StaffRole.PORTER, None)
    second = create_departure(plan(classic, date(2026, 12, 12)), None, TODAY)
    with pytest.raises(AssignmentRefused, match="Santos Huillca is already on departure LAR-2026-12-10-A"):
        assign_staff(second, porter, StaffRole.PORTER, None)
    third = create_departure(plan(classic, date(2026, 12, 13)), None, TODAY)
    assign_staff(third, porter, StaffRole.PORTER, None)  # the day after the first ends: free


def test_the_same_person_twice_on_one_departure_is_refused(svc, build, classic):
    departure = create_departure(plan(classic), None, TODAY)
    person = build.staff(roles={StaffRole.PORTER, StaffRole.COOK}, full_name="Edwin Apaza")
    assign_staff(departure, person, StaffRole.PORTER, None)
    with pytest.raises(AssignmentRefused, match="Edwin Apaza is already on this departure as porter"):
        assign_staff(departure, person, StaffRole.COOK, None)


def test_a_person_without_the_role_is_refused(svc, build, classic):
    departure = create_departure(plan(classic), None, TODAY)
    with pytest.raises(AssignmentRefused, match="is not registered as a arriero|is not registered as a"):
        assign_staff(departure, build.staff(roles={StaffRole.PORTER}), StaffRole.ARRIERO, None, mules=2)


def test_an_arriero_comes_with_mules(svc, build, classic):
    departure = create_departure(plan(classic), None, TODAY)
    with pytest.raises(AssignmentRefused, match="1 to 20 mules"):
        assign_staff(departure, build.staff(roles={StaffRole.ARRIERO}), StaffRole.ARRIERO, None, mules=0)


def test_the_group_cannot_grow_beyond_its_maximum(svc, classic):
    departure = create_departure(plan(classic, group_max=2), None, TODAY)
    add_traveller(departure, traveller_values(1), None)
    add_traveller(departure, traveller_values(2), None)
    with pytest.raises(OperationsError, match="The group is full: 2 of at most 2"):
        add_traveller(departure, traveller_values(3), None)


def test_shrinking_the_maximum_below_the_group_is_refused(svc, classic):
    departure = create_departure(plan(classic), None, TODAY)
    for n in range(4):
        add_traveller(departure, traveller_values(n), None)
    with pytest.raises(OperationsError, match="already has 4 travellers, more than a maximum of 3"):
        update_departure(departure, plan(classic, group_max=3), None, TODAY)
    assert departure.group_max == 12


def test_a_workshop_outside_the_departures_days_is_refused(svc, build, classic):
    departure = create_departure(plan(classic), None, TODAY)
    with pytest.raises(OperationsError, match="is not a day of this departure"):
        book_workshop(departure, build.association(), date(2026, 12, 13), 4, None)


def test_edits_are_audited_until_posted_then_refused(svc, build, classic, db_session):
    departure = ready_departure(build, classic)
    update_departure(departure, plan(classic, notes="Two vegetarians", group_max=10), None, TODAY)
    event = db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "update", AuditEvent.entity_type == "departures",
        AuditEvent.summary == departure.code)).one()
    assert event.before == {"group_max": 12, "notes": None}
    assert event.after == {"group_max": 10, "notes": "Two vegetarians"}
    departure.posted_at = now_utc()
    for attempt in (lambda: add_traveller(departure, traveller_values(9), None),
                    lambda: update_departure(departure, plan(classic, notes="late"), None, TODAY),
                    lambda: change_status(departure, S.CANCELLED, None, TODAY, reason="x"),
                    lambda: set_welfare(departure, {}, None)):
        with pytest.raises(DepartureLocked, match="posted to the ledger"):
            attempt()
    assert departure.notes == "Two vegetarians"


def test_recording_more_guests_than_beds_is_refused_and_nothing_changes(svc, build, classic, db_session):
    departure = ready_departure(build, classic)
    change_status(departure, S.CONFIRMED, None, TODAY)
    change_status(departure, S.IN_PROGRESS, None, date(2026, 12, 10))
    change_status(departure, S.COMPLETED, None, date(2026, 12, 12))
    allocation = departure.homestay_allocations[0]
    walked = {t.id: True for t in departure.travellers}
    with pytest.raises(OperationsError, match="has 4 beds: 5 guests cannot have slept there"):
        record_actuals(departure, Actuals(walked, {allocation.id: 5}, {}, {}), None)
    assert allocation.guests_actual == allocation.guests_planned
    first = departure.travellers[0]
    one_less = {}
    for night in {a.night_date for a in departure.homestay_allocations}:
        last = [a for a in departure.homestay_allocations if a.night_date == night][-1]
        one_less[last.id] = last.guests_planned - 1
    record_actuals(departure, Actuals({**walked, first.id: False}, one_less, {}, {}), None)
    assert db_session.get(Traveller, first.id).walked is False
