"""Homestay rotation: the fewest guest-nights this season host next, ties to the longest since
hosting; a manager may differ from it only with a written reason; beds are never exceeded."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.clock import now_utc
from app.operations.errors import AllocationRefused
from app.operations.models import DepartureStatus, NightKind
from app.operations.rotation import (
    accept_suggestions,
    allocate_night,
    community_fairness,
    family_standings,
    gini,
    suggest_night,
)


@pytest.mark.parametrize("values, expected", [
    ([], 0.0),
    ([0, 0, 0], 0.0),
    ([5, 5, 5, 5], 0.0),
    ([0, 4], 1 / 2),
    ([0, 0, 0, 4], 3 / 4),
    ([0, 0, 0, 0, 7], 4 / 5),
    ([1, 2, 3, 4, 5], 4 / 15),
])
def test_gini_on_known_distributions(values, expected):
    assert gini(values) == pytest.approx(expected)


def test_gini_ignores_order():
    assert gini([3, 0, 9, 1]) == pytest.approx(gini([0, 1, 3, 9]))


@pytest.fixture
def valley(build, ops):
    """A community with families whose history makes every rule of the rotation matter."""
    village = build.community(name="Huacahuasi T")
    names = ["F1", "F2", "F3", "F4", "F5", "F6 inactive", "F7 archived", "F8", "F9"]
    fam = {}
    for name in names:
        fam[name] = build.family(village, household_head=name, beds=4,
                                 active=name != "F6 inactive",
                                 archived_at=now_utc() if name == "F7 archived" else None)
    other = ops.route(nights=[(NightKind.HOMESTAY, village), (NightKind.NONE, None)])
    past_2026 = ops.departure(other, start=date(2026, 5, 1), status=DepartureStatus.COMPLETED)
    past_2025 = ops.departure(other, start=date(2025, 7, 1), status=DepartureStatus.COMPLETED)
    cancelled = ops.departure(other, start=date(2026, 6, 10), status=DepartureStatus.CANCELLED,
                              cancelled_reason="landslide")
    ops.allocation(past_2026, fam["F1"], date(2026, 5, 10), guests=4)
    ops.allocation(past_2026, fam["F2"], date(2026, 6, 1), guests=2)
    ops.allocation(past_2026, fam["F3"], date(2026, 5, 20), guests=2)
    ops.allocation(past_2025, fam["F4"], date(2025, 7, 31), guests=5 - 1)
    ops.allocation(past_2025, fam["F4"], date(2025, 8, 1), guests=4)
    ops.allocation(cancelled, fam["F9"], date(2026, 6, 10), guests=2)
    return village, fam


@pytest.mark.parametrize("night, expected", [
    # 2026: F5, F8, F9 never hosted (F9's only stay was cancelled): longest ago, then by id;
    # F4 hosted only in 2025; F3 and F2 have 2 guest-nights, F3 hosted longer ago; F1 has 4.
    (date(2026, 7, 1), ["F5", "F8", "F9", "F4", "F3", "F2", "F1"]),
    # A new season: everyone is back at zero, so only "longest since hosting" orders them.
    (date(2027, 5, 15), ["F5", "F8", "F9", "F4", "F1", "F3", "F2"]),
    # The season counts all its nights, even later ones; but "last hosted" looks only back, so
    # on 15 May F2 and F3 (hosting later in May/June) have never hosted yet and tie by id.
    (date(2026, 5, 15), ["F5", "F8", "F9", "F4", "F2", "F3", "F1"]),
])
def test_rotation_order_by_season(valley, night, expected):
    village, _ = valley
    order = [s.family.household_head for s in family_standings(village.id, night)]
    assert order == expected


def test_inactive_and_archived_families_are_never_suggested(valley):
    village, _ = valley
    order = [s.family.household_head for s in family_standings(village.id, date(2026, 7, 1))]
    assert "F6 inactive" not in order and "F7 archived" not in order


@pytest.fixture
def trek(build, ops):
    """A 2-night homestay trek with six travellers; first night in a village of three families."""
    first = build.community(name="Quishuarani T")
    second = build.community(name="Cuncani T")
    small = build.family(first, household_head="Rosa Ñaupa", beds=2)
    big = build.family(first, household_head="Juana Quispe", beds=5)
    third = build.family(first, household_head="Santos Huillca", beds=3)
    build.family(second, household_head="Dominga Puma", beds=6)
    route = ops.route(nights=[(NightKind.HOMESTAY, first), (NightKind.HOMESTAY, second),
                              (NightKind.NONE, None)])
    departure = ops.departure(route, start=date(2026, 12, 10))
    for _ in range(6):
        ops.traveller(departure)
    return departure, first, {"small": small, "big": big, "third": third}


def test_suggestion_fills_families_in_rotation_order_within_beds(svc, trek):
    departure, first, fam = trek
    suggestion = suggest_night(departure, date(2026, 12, 10), first)
    # Nobody has hosted: order by id (small, big, third); small takes 2, big the other 4.
    assert [(f.household_head, g) for f, g in suggestion.placements] == [("Rosa Ñaupa", 2), ("Juana Quispe", 4)]
    assert suggestion.unplaced == 0


def test_manager_accepts_every_suggested_night(svc, trek):
    departure, _, _ = trek
    assert accept_suggestions(departure, actor_id=None) == 2
    nights = {(a.night_date, a.family.household_head, a.guests_planned, a.suggested)
              for a in departure.homestay_allocations}
    assert nights == {(date(2026, 12, 10), "Rosa Ñaupa", 2, True), (date(2026, 12, 10), "Juana Quispe", 4, True),
                      (date(2026, 12, 11), "Dominga Puma", 6, True)}


def test_differing_from_the_rotation_without_a_reason_is_refused(svc, trek, db_session):
    departure, _, fam = trek
    with pytest.raises(AllocationRefused, match="write the reason"):
        allocate_night(departure, date(2026, 12, 10), [(fam["big"], 3), (fam["third"], 3)], "", None)
    assert departure.homestay_allocations == []


def test_an_override_keeps_its_reason_in_the_audit_trail(svc, trek, db_session):
    departure, _, fam = trek
    reason = "Rosa Ñaupa's roof is being repaired"
    allocate_night(departure, date(2026, 12, 10), [(fam["big"], 3), (fam["third"], 3)], reason, None)
    assert {a.override_reason for a in departure.homestay_allocations} == {reason}
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "override")).all()
    assert len(events) == 2 and all(e.reason == reason for e in events)


def test_allocation_beyond_a_familys_beds_is_refused_and_nothing_is_written(svc, trek):
    departure, _, fam = trek
    with pytest.raises(AllocationRefused, match="has 2 beds, 2 free that night: 3 guests do not fit"):
        allocate_night(departure, date(2026, 12, 10), [(fam["big"], 3), (fam["small"], 3)], "they asked", None)
    assert departure.homestay_allocations == []


def test_beds_taken_by_another_departure_that_night_are_not_free(svc, trek, ops):
    departure, _, fam = trek
    other = ops.departure(departure.route, start=date(2026, 12, 10))
    ops.allocation(other, fam["big"], date(2026, 12, 10), guests=4)
    with pytest.raises(AllocationRefused, match="5 beds, 1 free that night"):
        allocate_night(departure, date(2026, 12, 10), [(fam["big"], 2)], "preferred", None)


def test_a_family_of_another_community_is_refused(svc, trek, build):
    departure, _, _ = trek
    stranger = build.family(build.community(name="Elsewhere"), household_head="Far Away")
    with pytest.raises(AllocationRefused, match="lives in Elsewhere"):
        allocate_night(departure, date(2026, 12, 10), [(stranger, 2)], "why not", None)


def test_a_night_that_is_not_a_homestay_night_is_refused(svc, trek):
    departure, _, fam = trek
    with pytest.raises(AllocationRefused, match="not a homestay night"):
        allocate_night(departure, date(2026, 12, 12), [(fam["big"], 2)], None, None)


def test_fairness_counts_guest_nights_per_family_and_gini(valley):
    village, fam = valley
    fairness = community_fairness(village, 2026)
    counts = {share.family.household_head: share.guest_nights for share in fairness.shares}
    assert counts == {"F1": 4, "F2": 2, "F3": 2, "F4": 0, "F5": 0, "F8": 0, "F9": 0}
    assert fairness.most.family.household_head == "F1"
    assert fairness.least.guest_nights == 0
    assert fairness.gini == pytest.approx(gini([4, 2, 2, 0, 0, 0, 0]))
