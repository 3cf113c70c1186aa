"""Hand-built figures for rendering tests (no database, every number chosen by hand), and a
helper that finds a table row in a PDF's text."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

from app.impact import figures


def sample_figures(**changes) -> figures.ImpactFigures:
    """A dry-season report for two communities, one warning, Spanish and Quechua names."""
    huaca = figures.CommunityFigures(
        slug="huacahuasi", name="Huacahuasi", travellers=48, guest_nights=96, families_hosted=5,
        income=figures.CategoryIncome(homestay=D("5760.00"), weaving=D("1200.00"), trail_staff=D("3120.00"), fees=D("480.00")),
        paid=D("9900.00"), outstanding=D("660.00"),
    )
    ccorimanya = figures.CommunityFigures(
        slug="choquecancha", name="Choquecancha Ñaupa", travellers=30, guest_nights=60, families_hosted=4,
        income=figures.CategoryIncome(homestay=D("3600.00"), weaving=D("750.00"), trail_staff=D("1440.00"), fees=D("300.00")),
        paid=D("6090.00"), outstanding=D("0.00"),
    )
    values = dict(
        period_from=date(2026, 5, 1), period_to=date(2026, 9, 30), basis="accrual",
        scope=("Choquecancha Ñaupa", "Huacahuasi"), scope_slugs=("choquecancha", "huacahuasi"),
        headline=figures.Headline(
            departures=9, travellers=52, guest_nights=156, families_hosted=9, associations_paid=2,
            weavers=42, workshop_participants=78, staff_employed=14, staff_person_days=132,
            income=figures.CategoryIncome(homestay=D("9360.00"), weaving=D("1950.00"), trail_staff=D("4560.00"), fees=D("780.00")),
            trip_price_usd=D("23400.00"), trip_price_pen=D("87750.00"), community_share=D("0.1809"),
        ),
        communities=(ccorimanya, huaca),
        fairness=(
            figures.Fairness(slug="choquecancha", name="Choquecancha Ñaupa", families=5, families_hosted=4,
                             distribution=tuple(figures.FamilyShare(n, D(n * 60)) for n in (18, 16, 14, 12, 0)),
                             nights_per_family=D("12.0"), income_per_family=D("720.00"), nights_most=18,
                             nights_least=0, income_most=D("1080.00"), income_least=D("0.00"),
                             gini_income=D("0.2667"), gini_nights=D("0.2667")),
            figures.Fairness(slug="huacahuasi", name="Huacahuasi", families=6, families_hosted=5,
                             distribution=tuple(figures.FamilyShare(n, D(n * 60)) for n in (20, 20, 20, 18, 18, 0)),
                             nights_per_family=D("16.0"), income_per_family=D("960.00"), nights_most=20,
                             nights_least=0, income_most=D("1200.00"), income_least=D("0.00"),
                             gini_income=D("0.1806"), gini_nights=D("0.1806")),
        ),
        women=figures.WomenIncome(hosts_total=D("9360.00"), women_hosts=D("5400.00"), weaving_total=D("1950.00"),
                                  women_weavers=D("1790.00"), hosts_share=D("0.5769"), weavers_share=D("0.9179"),
                                  share=D("0.6357")),
        porters=figures.PorterWelfare(porters=8, person_days=72, lowest_wage=D("160.50"), average_wage=D("172.25"),
                                      floors=(figures.WageFloor(2026, D("5500.00"), D("165.00")),), days_below_floor=3,
                                      load_limits_kg=(D("20"),), days_weighed=70, days_within_load=66,
                                      within_load_share=D("0.9429"), median_days_to_payment=D("1.5"),
                                      paid_within_two_days_share=D("0.7500"), assignments_paid=16, assignments_unpaid=1),
        trend=tuple(figures.MonthFigures(date(2026, m, 1), departures=d, travellers=d * 6, guest_nights=d * 17,
                                         paid_total=D(d * 1850), paid_year_earlier=D(d * 1400))
              for m, d in ((5, 1), (6, 2), (7, 3), (8, 2), (9, 1))),
        previous=figures.Comparison(date(2025, 5, 1), date(2025, 9, 30), departures=6, travellers=35,
                                    guest_nights=101, paid_total=D("10200.00"), community_share=D("0.1650")),
        methodology=figures.Methodology(basis="accrual", as_of=date(2026, 9, 30), exchange_rate_min=D("3.710"),
                                        exchange_rate_max=D("3.790"), exchange_rate_days=9, departures_excluded=1),
        warnings=(figures.ReportWarning("unposted_departures", ("LAR-2026-09-27-A",)),),
    )
    values.update(changes)
    return figures.ImpactFigures(**values)


def has_row(text: str, name: str, total: str) -> bool:
    """True when the text has a table row: the name, then only numbers, up to `total`."""
    flat = " ".join(text.split())  # a long name wraps onto two lines in its cell
    return re.search(re.escape(name) + r"(?: [0-9][0-9,.]*)*? " + re.escape(total) + r"\b", flat) is not None
