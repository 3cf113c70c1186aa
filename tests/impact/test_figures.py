"""Each figure against a computation done by hand on the season in conftest.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from app.impact.compute import ImpactError, compute_figures
from app.impact.figures import canonical_json

JUNE = (date(2026, 6, 1), date(2026, 6, 30))
pytestmark = pytest.mark.usefixtures("ctx")


def by_name(rows, name):
    return next(row for row in rows if row.name == name)


def test_headline_counts_what_actually_happened_on_posted_treks(season):
    h = compute_figures(*JUNE).headline
    assert h.departures == 2  # D3 is not posted
    assert h.travellers == 3 + 2  # the traveller who did not walk is not counted
    assert h.guest_nights == (2 + 1 + 3) + (2 + 2)
    assert h.families_hosted == 3  # Juana, Mariano, Rosa
    assert (h.associations_paid, h.weavers, h.workshop_participants) == (1, 10, 3)
    # Community staff only: the guide from Cusco is not local employment.
    assert (h.staff_employed, h.staff_person_days) == (3, 3 + 3 + 3 + 3)


def test_income_by_category_on_the_accrual_basis(season):
    income = compute_figures(*JUNE).headline.income
    assert income.homestay == 10 * D(60)
    assert income.weaving == 3 * D(25)
    assert income.trail_staff == 3 * D(170) + 3 * D(160) + 3 * D(170) + 3 * D(170)
    assert income.fees == (3 * 10 * 2) + (2 * 10 * 2)  # visitor fee per walker per community slept in
    assert income.total == D("2785.00")


def test_community_share_is_members_income_over_trip_price_at_recorded_rates(season):
    h = compute_figures(*JUNE).headline
    trip_usd = D(500) * 4 + D(600) * 2  # every booked traveller paid, walked or not
    trip_pen = trip_usd * D("3.75")
    members = 10 * D(60) + 3 * D(25) + 3 * D(170) + 3 * D(160) + 3 * D(170) + 3 * D(170)
    assert (h.trip_price_usd, h.trip_price_pen) == (trip_usd, trip_pen)
    assert h.community_share == (members / trip_pen).quantize(D("0.0001"))
    assert h.community_share == D("0.2238")


def test_per_community_rows_with_paid_and_outstanding_as_at_period_end(season):
    rows = compute_figures(*JUNE).communities
    huaca, choque = by_name(rows, "Huacahuasi"), by_name(rows, "Choquecancha")
    assert (huaca.travellers, huaca.guest_nights, huaca.families_hosted) == (5, 5, 2)
    assert huaca.income.homestay == 5 * D(60)
    assert huaca.income.weaving == D(75)
    assert huaca.income.trail_staff == 3 * 3 * D(170)  # Ñaupa twice and the cook
    assert huaca.income.fees == D(50)
    assert huaca.income.total == D("1955.00")
    # Paid by 30 June: Juana's D1 nights (120) and Ñaupa's D1 wage (510); not his D2 wage (2 July).
    assert (huaca.paid, huaca.outstanding) == (D("630.00"), D("1325.00"))
    assert (choque.income.total, choque.paid, choque.outstanding) == (D("830.00"), D("480.00"), D("350.00"))


def test_fairness_counts_families_that_hosted_nobody(season):
    huaca = by_name(compute_figures(*JUNE).fairness, "Huacahuasi")
    incomes = [D(240), D(60), D(0)]  # Juana, Mariano, Hilaria (her D3 night is unposted)
    assert [s.income for s in huaca.distribution] == incomes
    assert [s.guest_nights for s in huaca.distribution] == [4, 1, 0]
    assert (huaca.families, huaca.families_hosted) == (3, 2)
    assert (huaca.income_most, huaca.income_least) == (D(240), D(0))
    mean = sum(incomes) / 3
    mean_difference = sum(abs(a - b) for a in incomes for b in incomes) / (2 * 3 * 3 * mean)
    assert huaca.gini_income == mean_difference.quantize(D("0.0001")) == D("0.5333")
    assert huaca.income_per_family == D("100.00")


def test_womens_share_of_hosts_and_weavers_income(season):
    women = compute_figures(*JUNE).women
    assert (women.hosts_total, women.women_hosts) == (D(600), D(240 + 300))  # Juana and Rosa
    assert (women.weaving_total, women.women_weavers) == (D(75), D(60))  # 8 of 10 members
    assert women.share == (D(600) / D(675)).quantize(D("0.0001"))


def test_porter_welfare_against_the_floor_the_load_limit_and_kpap_two_days(season):
    p = compute_figures(*JUNE).porters
    assert (p.porters, p.person_days) == (2, 9)
    assert p.lowest_wage == D(160)
    assert p.average_wage == (D(1500) / 9).quantize(D("0.01"))
    assert [(f.year, f.floor) for f in p.floors] == [(2026, D("165.00"))]  # 3 % of S/ 5,500
    assert p.days_below_floor == 3  # Huillca's three days at S/ 160
    assert (p.days_weighed, p.days_within_load) == (9, 6)  # 22 kg is over the 20 kg limit
    assert p.within_load_share == D("0.6667")
    # Paid 1 and 4 days after the trek; Ñaupa's D2 wage was unpaid on 30 June.
    assert p.median_days_to_payment == D("2.5")
    assert (p.assignments_paid, p.assignments_unpaid) == (2, 1)
    assert p.paid_within_two_days_share == D("0.5000")


def test_trend_and_the_same_month_a_year_earlier(season):
    figures = compute_figures(*JUNE)
    (june,) = figures.trend
    assert (june.month, june.departures, june.travellers, june.guest_nights) == (date(2026, 6, 1), 2, 5, 10)
    assert june.paid_total == D("2785.00")
    assert june.paid_year_earlier == D(2 * 60 + 2 * 10 * 2)
    previous = figures.previous
    assert (previous.period_from, previous.period_to) == (date(2025, 6, 1), date(2025, 6, 30))
    assert (previous.departures, previous.travellers, previous.guest_nights) == (1, 2, 2)
    assert previous.community_share == (D(120) / (D(1000) * D("3.70"))).quantize(D("0.0001"))


def test_cash_basis_counts_payments_dated_in_the_period(season):
    h = compute_figures(*JUNE, basis="cash").headline
    assert (h.income.homestay, h.income.trail_staff, h.income.total) == (D(120), D(990), D(1110))
    assert h.community_share == (D(1110) / D(12000)).quantize(D("0.0001"))
    july = compute_figures(date(2026, 7, 1), date(2026, 7, 31), basis="cash").headline
    assert july.income.trail_staff == D(510) and july.departures == 0


def test_scope_on_one_community(season):
    figures = compute_figures(*JUNE, community_slugs=["huacahuasi"])
    assert figures.scope == ("Huacahuasi",)
    assert [c.name for c in figures.communities] == ["Huacahuasi"]
    h = figures.headline
    assert (h.departures, h.guest_nights, h.income.total) == (2, 5, D("1955.00"))
    assert h.community_share == (D(1905) / D(12000)).quantize(D("0.0001"))


def test_unposted_departures_and_open_months_are_warnings(season):
    warnings = {w.code: w.items for w in compute_figures(*JUNE).warnings}
    assert warnings["unposted_departures"] == ("LAR-2026-06-23-A",)
    assert warnings["open_period"] == ("2026-06",)
    season.close_june()
    assert "open_period" not in {w.code for w in compute_figures(*JUNE).warnings}


def test_an_empty_period_is_a_report_that_says_so(season):
    figures = compute_figures(date(2026, 1, 1), date(2026, 1, 31))
    assert figures.is_empty
    assert figures.headline.community_share is None and figures.communities == ()


def test_reversed_dates_and_unknown_communities_are_refused(season):
    with pytest.raises(ImpactError, match="ends .* before it starts"):
        compute_figures(date(2026, 6, 30), date(2026, 6, 1))
    with pytest.raises(ImpactError, match="unknown communities: atlantis"):
        compute_figures(*JUNE, community_slugs=["atlantis"])


def test_computing_twice_gives_byte_identical_figures(season):
    assert canonical_json(compute_figures(*JUNE)) == canonical_json(compute_figures(*JUNE))
