"""The demo season: four routes, completed dry-season treks with actuals, a few planned ones."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.operations.actuals import departure_services
from app.operations.errors import DepartureNotReady
from app.operations.models import Departure, DepartureStatus, Route, ServiceKind, UitValue
from app.operations.rotation import community_fairness
from app.operations.services import change_status
from app.registries.models import Community

S = DepartureStatus
pytest_plugins = ["tests.walk_fixtures"]  # demo: the demo data, seeded once per worker


def test_demo_has_the_four_routes_and_the_parameters(demo):
    names = set(demo.scalars(select(Route.name)))
    assert names == {"Lares clásico 3 días", "Lares y Machu Picchu 4 días", "Lares corto 2 días",
                     "Lagunas glaciares 4 días (camping)"}
    uit_2026 = demo.scalars(select(UitValue).where(UitValue.year == 2026)).one()
    assert "DEMO VALUE" in uit_2026.note
    assert demo.scalar(select(UitValue).where(UitValue.year == 2027)) is None


def test_the_dry_season_is_walked_and_its_services_are_ready_for_the_ledger(demo):
    departures = demo.scalars(select(Departure).order_by(Departure.start_date)).all()
    past = [d for d in departures if date(2026, 5, 1) <= d.start_date <= date(2026, 9, 30)]
    assert {d.status for d in past} == {S.COMPLETED, S.CANCELLED}
    for departure in past:
        if departure.status == S.COMPLETED:
            services = {line.service for line in departure_services(departure)}
            assert {ServiceKind.PORTER_DAY, ServiceKind.VISITOR_FEE} <= services, departure.code
    upcoming = {d.code: d.status for d in departures if d.start_date > date(2026, 11, 25)}
    assert upcoming["LAR-2026-12-01-A"] == S.CONFIRMED and upcoming["LCO-2026-12-05-A"] == S.DRAFT


def test_may_2027_waits_for_the_2027_uit(demo):
    departure = demo.scalars(select(Departure).where(Departure.code == "LAR-2027-05-08-A")).one()
    with pytest.raises(DepartureNotReady) as refusal:
        change_status(departure, S.CONFIRMED, None, date(2026, 11, 25))
    assert "Enter the UIT for 2027 first: the porters' wage floor is 3% of it." in [g.message for g in refusal.value.gaps]


def test_rotation_spread_the_huacahuasi_season(demo):
    huacahuasi = demo.scalars(select(Community).where(Community.name == "Huacahuasi")).one()
    fairness = community_fairness(huacahuasi, 2026)
    nights = sorted(share.guest_nights for share in fairness.shares)
    assert nights[0] > 0  # every active family hosted
    assert fairness.gini < 0.2
