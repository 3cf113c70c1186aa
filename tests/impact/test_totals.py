"""The figures the database sums (the headline's totals, the year before, the trend's income,
each community's paid and outstanding, porters' days to be paid), against the same figures
worked out the plain way: every record loaded and summed in Python, as the report did before.

The hand-built season of conftest.py, plus earlier years with what makes "as at" figures hard:
- June 2024: DA (Mariano 1 guest), paid in full on 20 June 2024.
- May 2025: D4 (20-22 May, 3 travellers, 2 walked; Juana 2 guests, Rosa 1; porter Ñaupa 3 days
  at S/ 170). Rosa's night voided on 30 May 2025, the Choquecancha visitor fee on 15 July 2025.
  Ñaupa paid S/ 200 on 5 June, S/ 310 on 8 June (voided on 9 June), S/ 310 again on 12 June.
  Juana paid S/ 120 on 2 June, voided at 22:00 on 30 June Lima time (1 July in UTC), paid again
  on 2 July. No exchange rate within 31 days of 20 May 2025.
- June 2025: D0 (conftest) paid S/ 50 of Mariano's S/ 120 on 20 June; D6 completed, not posted.
- August 2025: D5 on a route through Choquecancha only (US$ 400.04 x 2 walked, Rosa 2 guests),
  at 3.6875: S/ 2,950.295, a half céntimo to round up. Its posting reversed on 20 August 2025,
  which voids all its obligations.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from app.clock import to_lima
from app.extensions import db
from app.impact.compute import compute_figures
from app.impact.figures import Comparison
from app.impact.measures import median, ratio
from app.impact.periods import Period
from app.ledger.models import EntrySource, ExchangeRate, JournalEntry, Obligation, ServiceKind
from app.ledger.services import post_departure, reverse_entry, void_obligation
from app.money import round_money
from app.operations.models import Departure, DepartureStatus, NightKind
from app.payments.models import Payment
from app.payments.services import issue_payment, void_payment
from app.registries.models import Community, PayeeKind

FEES = (ServiceKind.VISITOR_FEE, ServiceKind.HOT_SPRINGS)
PERIODS = [
    (date(2026, 1, 1), date(2026, 12, 31)),
    (date(2026, 5, 1), date(2026, 9, 30)),
    (date(2026, 5, 1), date(2026, 5, 30)),
    (date(2026, 5, 1), date(2026, 5, 31)),
    (date(2026, 5, 20), date(2026, 6, 8)),
    (date(2026, 6, 1), date(2026, 6, 29)),
    (date(2026, 6, 1), date(2026, 6, 30)),
    (date(2026, 8, 1), date(2026, 8, 10)),
    (date(2025, 1, 1), date(2025, 12, 31)),
    (date(2025, 6, 1), date(2026, 7, 31)),
]
SCOPES = [(), ("huacahuasi",), ("choquecancha",)]


def _trek(ops, route, start: date, price: str, walked: list[bool], code: str) -> Departure:
    departure = ops.departure(route, start=start, status=DepartureStatus.COMPLETED,
                              price_per_traveller_usd=D(price), code=code)
    for did_walk in walked:
        ops.traveller(departure, walked=did_walk)
    return departure


def _pay(season, payee, departure, service, kind, amount, day):
    obligation = db.session.scalars(select(Obligation).where(
        Obligation.payee_kind == kind, Obligation.payee_id == payee.id,
        Obligation.departure_id == departure.id, Obligation.service == service)).one()
    return issue_payment(payee_kind=kind, payee_id=payee.id, obligation_ids=[obligation.id], amount=D(amount),
                         method="cash", reference=None, idempotency_key=str(uuid.uuid4()),
                         actor_id=season.accountant.id, payment_date=day).payment


def _void(season, payment, voided_at: datetime) -> None:
    """Void a posted payment as if it had been voided at `voided_at`."""
    void_payment(payment, season.accountant.id, "wrong amount")
    payment.voided_at = voided_at
    db.session.flush()


@pytest.fixture
def years(app, build, ops, season, db_session):
    """The season of conftest.py and the earlier years of this module's docstring."""
    with app.app_context():
        s, accountant = season, season.accountant.id
        route = s.d1.route
        db_session.add_all([ExchangeRate(rate_date=date(2024, 6, 1), usd_to_pen=D("3.80")),
                            ExchangeRate(rate_date=date(2025, 8, 1), usd_to_pen=D("3.6875"))])

        da = _trek(ops, route, date(2024, 6, 10), "450.00", [True, True], code="LAR-2024-06-10-A")
        ops.allocation(da, s.mariano, date(2024, 6, 10), guests=1, guests_actual=1)
        d4 = _trek(ops, route, date(2025, 5, 20), "520.00", [True, True, False], code="LAR-2025-05-20-A")
        ops.allocation(d4, s.juana, date(2025, 5, 20), guests=2, guests_actual=2)
        ops.allocation(d4, s.rosa, date(2025, 5, 21), guests=1, guests_actual=1)
        ops.assignment(d4, s.naupa, daily_wage=D("170"), actual_days=3, load_kg=D("21"))
        d6 = _trek(ops, route, date(2025, 6, 25), "500.00", [True], code="LAR-2025-06-25-A")
        ops.allocation(d6, s.hilaria, date(2025, 6, 25), guests=1, guests_actual=1)
        choquecancha_only = ops.route(nights=[(NightKind.HOMESTAY, s.choquecancha), (NightKind.NONE, None)])
        d5 = _trek(ops, choquecancha_only, date(2025, 8, 5), "400.04", [True, True], code="LAR-2025-08-05-A")
        ops.allocation(d5, s.rosa, date(2025, 8, 5), guests=2, guests_actual=2)
        for departure in (da, d4, d5):
            post_departure(departure, accountant)

        s.pay(s.mariano, da, date(2024, 6, 20), PayeeKind.FAMILY, ServiceKind.HOMESTAY_NIGHT)
        rosa_night = db.session.scalars(select(Obligation).where(
            Obligation.departure_id == d4.id, Obligation.payee_kind == PayeeKind.FAMILY,
            Obligation.payee_id == s.rosa.id)).one()
        void_obligation(rosa_night, accountant, "she was away", entry_date=date(2025, 5, 30))
        fee = db.session.scalars(select(Obligation).where(
            Obligation.departure_id == d4.id, Obligation.service == ServiceKind.VISITOR_FEE,
            Obligation.community_id == s.choquecancha.id)).one()
        void_obligation(fee, accountant, "waived", entry_date=date(2025, 7, 15))

        porter = (s.naupa, d4, ServiceKind.PORTER_DAY, PayeeKind.STAFF)
        _pay(s, *porter, "200", date(2025, 6, 5))
        _void(s, _pay(s, *porter, "310", date(2025, 6, 8)), datetime(2025, 6, 9, 15, tzinfo=UTC))
        _pay(s, *porter, "310", date(2025, 6, 12))
        juana = (s.juana, d4, ServiceKind.HOMESTAY_NIGHT, PayeeKind.FAMILY)
        _void(s, _pay(s, *juana, "120", date(2025, 6, 2)), datetime(2025, 7, 1, 3, tzinfo=UTC))
        _pay(s, *juana, "120", date(2025, 7, 2))
        _pay(s, s.mariano, s.d0, ServiceKind.HOMESTAY_NIGHT, PayeeKind.FAMILY, "50", date(2025, 6, 20))

        posting = db.session.scalars(select(JournalEntry).where(
            JournalEntry.source_type == EntrySource.DEPARTURE, JournalEntry.source_id == d5.id)).one()
        reverse_entry(posting, accountant, "booked twice", entry_date=date(2025, 8, 20))
        db.session.flush()
    return s


@dataclass
class Line:
    """One amount paid (or owed) in scope, as the report counts it."""

    obligation: Obligation
    amount: D
    day: date


class Ledger:
    """Every record loaded, and the report's rules applied to them one by one in Python."""

    def __init__(self) -> None:
        self.departures = db.session.scalars(select(Departure)).all()
        self.obligations = db.session.scalars(select(Obligation)).all()
        self.payments = db.session.scalars(select(Payment)).all()
        self.rates = sorted(db.session.execute(select(ExchangeRate.rate_date, ExchangeRate.usd_to_pen)).all())

    def scope(self, slugs) -> set[int] | None:
        return {c.id for c in db.session.scalars(select(Community)) if c.slug in slugs} if slugs else None

    @staticmethod
    def includes(scope, community_id) -> bool:
        return community_id is not None and (scope is None or community_id in scope)

    def treks(self, period: Period, scope) -> list[Departure]:
        def visited(d: Departure) -> set[int]:
            places = {day.night_community_id for day in d.route.days}
            places |= {link.community_id for day in d.route.days for link in day.activities}
            places |= {a.family.community_id for a in d.homestay_allocations if a.guests_actual}
            return places | {b.association.community_id for b in d.workshop_bookings}

        return [d for d in self.departures
                if d.status == DepartureStatus.COMPLETED and d.posted_at is not None
                and period.start <= d.end_date <= period.end and (scope is None or visited(d) & scope)]

    @staticmethod
    def live(obligation: Obligation, as_of: date) -> bool:
        return obligation.void_entry_id is None or db.session.get(JournalEntry, obligation.void_entry_id).entry_date > as_of

    @staticmethod
    def counted(payment: Payment, as_of: date) -> bool:
        return (payment.posted_at is not None and payment.payment_date <= as_of
                and (payment.voided_at is None or to_lima(payment.voided_at).date() > as_of))

    def lines(self, period: Period, basis: str, scope) -> list[Line]:
        if basis == "accrual":
            treks = {d.id for d in self.treks(period, scope)}
            found = [Line(o, o.amount, o.trek_end_date) for o in self.obligations
                     if o.departure_id in treks and self.live(o, period.end)]
        else:
            found = [Line(a.obligation, a.amount, p.payment_date) for p in self.payments for a in p.allocations
                     if p.payment_date >= period.start and self.counted(p, period.end)]
        return [line for line in found if self.includes(scope, line.obligation.community_id)]

    def rate_on(self, day: date) -> D | None:
        recent = [rate for rate_day, rate in self.rates if rate_day <= day and (day - rate_day).days < 31]
        return recent[-1] if recent else None

    def trip_price(self, period: Period, scope) -> tuple[D, D]:
        """US dollars, and soles at each trek's rate (each rounded half up to the céntimo)."""
        treks = self.treks(period, scope)
        usd = [d.price_per_traveller_usd * len(d.travellers) for d in treks]
        rates = [self.rate_on(d.start_date) for d in treks]
        return sum(usd, D("0.00")), sum((round_money(amount * rate) for amount, rate in zip(usd, rates, strict=True)
                                         if rate is not None), D("0.00"))

    def comparison(self, period: Period, basis: str, scope) -> Comparison:
        treks = self.treks(period, scope)
        lines = self.lines(period, basis, scope)
        rates = [self.rate_on(d.start_date) for d in treks]
        _, price = self.trip_price(period, scope)
        members = sum((line.amount for line in lines if line.obligation.service not in FEES), D("0.00"))
        return Comparison(
            period_from=period.start, period_to=period.end, departures=len(treks),
            travellers=sum(1 for d in treks for t in d.travellers if t.walked),
            guest_nights=sum(a.guests_actual or 0 for d in treks for a in d.homestay_allocations
                             if self.includes(scope, a.family.community_id)),
            paid_total=sum((line.amount for line in lines), D("0.00")),
            community_share=None if None in rates else ratio(members, price),
        )

    def paid_by_month(self, period: Period, basis: str, scope) -> list[D]:
        paid: dict[date, D] = defaultdict(lambda: D("0.00"))
        for line in self.lines(period, basis, scope):
            paid[line.day.replace(day=1)] += line.amount
        return [paid[month] for month in period.months()]

    def paid_and_outstanding(self, period: Period, scope) -> dict[int, tuple[D, D]]:
        treks = {d.id for d in self.treks(period, scope)}
        owed: dict[int, D] = defaultdict(lambda: D("0.00"))
        paid: dict[int, D] = defaultdict(lambda: D("0.00"))
        for o in self.obligations:
            if o.departure_id in treks and self.live(o, period.end) and self.includes(scope, o.community_id):
                owed[o.community_id] += o.amount
                paid[o.community_id] += sum((a.amount for p in self.payments if self.counted(p, period.end)
                                             for a in p.allocations if a.obligation_id == o.id), D("0.00"))
        return {c: (paid[c], owed[c] - paid[c]) for c in owed}

    def days_to_pay_porters(self, period: Period, scope) -> tuple[list[int], int]:
        treks = {d.id for d in self.treks(period, scope)}
        delays, unpaid = [], 0
        for o in self.obligations:
            if o.departure_id in treks and o.service == ServiceKind.PORTER_DAY and self.live(o, period.end):
                running, paid_on = D(0), None
                for p in sorted((p for p in self.payments if self.counted(p, period.end)),
                                key=lambda p: (p.payment_date, p.id)):
                    running += sum((a.amount for a in p.allocations if a.obligation_id == o.id), D(0))
                    if running >= o.amount:
                        paid_on = p.payment_date
                        break
                if paid_on is None:
                    unpaid += 1
                else:
                    delays.append((paid_on - o.trek_end_date).days)
        return delays, unpaid


pytestmark = pytest.mark.usefixtures("ctx")


@pytest.mark.parametrize("basis", ["accrual", "cash"])
@pytest.mark.parametrize("slugs", SCOPES)
def test_the_year_before_and_the_headline_match_the_ledger_summed_by_hand(years, basis, slugs):
    ledger = Ledger()
    scope = ledger.scope(slugs)
    for start, end in PERIODS:
        period = Period(start, end)
        figures = compute_figures(start, end, basis, slugs)
        assert figures.previous == ledger.comparison(period.year_earlier(), basis, scope), (start, end)
        h, now = figures.headline, ledger.comparison(period, basis, scope)
        assert (h.departures, h.travellers, h.guest_nights, h.income.total, h.community_share) == (
            now.departures, now.travellers, now.guest_nights, now.paid_total, now.community_share), (start, end)
        assert (h.trip_price_usd, h.trip_price_pen) == ledger.trip_price(period, scope), (start, end)
        assert [m.paid_total for m in figures.trend] == ledger.paid_by_month(period, basis, scope)
        assert [m.paid_year_earlier for m in figures.trend] == ledger.paid_by_month(
            period.year_earlier(), basis, scope), (start, end)


@pytest.mark.parametrize("slugs", SCOPES)
def test_paid_outstanding_and_days_to_pay_porters_match_the_ledger_summed_by_hand(years, slugs):
    ledger = Ledger()
    scope = ledger.scope(slugs)
    names = {c.id: c.name for c in db.session.scalars(select(Community))}
    for start, end in PERIODS:
        period = Period(start, end)
        figures = compute_figures(start, end, "accrual", slugs)
        expected = {names[c]: amounts for c, amounts in ledger.paid_and_outstanding(period, scope).items()}
        assert {row.name: (row.paid, row.outstanding) for row in figures.communities
                if row.name in expected} == expected, (start, end)
        delays, unpaid = ledger.days_to_pay_porters(period, scope)
        p = figures.porters
        assert (p.median_days_to_payment, p.assignments_paid, p.assignments_unpaid) == (
            median(delays), len(delays), unpaid), (start, end)


def test_a_voided_obligation_counts_until_the_day_it_was_voided(years):
    # May 2025: D4 owes Juana 120, Rosa 60 (voided 30 May), fees 20 + 20, Ñaupa 510.
    may = compute_figures(date(2026, 5, 1), date(2026, 5, 31)).previous
    assert (may.departures, may.travellers, may.guest_nights) == (1, 2, 3)
    assert may.paid_total == D("670.00")
    assert may.community_share is None  # no exchange rate within 31 days of 20 May 2025
    # To 29 May 2025 Rosa's night still counts, from the 30th it does not; to 31 December the
    # fee voided in July does not either.
    assert compute_figures(date(2026, 5, 1), date(2026, 5, 29)).previous.paid_total == D("730.00")
    assert compute_figures(date(2026, 5, 1), date(2026, 5, 30)).previous.paid_total == D("670.00")
    year = compute_figures(date(2026, 1, 1), date(2026, 12, 31)).previous
    # D0 (120 + 40) and D4 (730 - 60 - 20); D5 counts as a trek, its obligations reversed in August.
    assert (year.departures, year.travellers, year.paid_total) == (3, 6, D("810.00"))


def test_the_trip_price_in_soles_rounds_each_trek_half_up_to_the_centimo(years):
    h = compute_figures(date(2025, 8, 1), date(2025, 8, 31)).headline
    assert (h.trip_price_usd, h.trip_price_pen) == (D("800.08"), D("2950.30"))  # 2,950.295 at 3.6875


def test_cash_counts_a_payment_until_its_void_on_lima_time(years):
    # June 2025: Ñaupa 200 and 310 (the 310 of 8 June voided on the 9th), Mariano 50. Juana's 120
    # was voided at 22:00 on 30 June in Lima (1 July in UTC): gone from June, counted to 29 June.
    june = compute_figures(date(2026, 6, 1), date(2026, 6, 30), basis="cash").previous
    assert june.paid_total == D(200 + 310 + 50)
    to_29th = compute_figures(date(2026, 6, 1), date(2026, 6, 29), basis="cash").previous
    assert to_29th.paid_total == D(200 + 310 + 50 + 120)


def test_a_porter_is_paid_in_full_when_the_payments_that_counted_reach_the_wage(years):
    porters = compute_figures(date(2025, 5, 20), date(2025, 6, 8)).porters
    assert porters.median_days_to_payment == D(17)  # 200 + 310 on 8 June, voided only on the 9th
    porters = compute_figures(date(2025, 5, 1), date(2025, 6, 30)).porters
    assert porters.median_days_to_payment == D(21)  # the second 310 on 12 June
    assert compute_figures(date(2025, 5, 1), date(2025, 5, 31)).porters.assignments_unpaid == 1


def test_an_empty_period_runs_the_same_queries_as_a_full_one(years, count_queries):
    for basis, slugs in (("accrual", ()), ("cash", ("huacahuasi",))):
        with count_queries() as full:
            assert not compute_figures(date(2025, 1, 1), date(2026, 12, 31), basis, slugs).is_empty
        with count_queries() as empty:
            assert compute_figures(date(2019, 1, 1), date(2019, 12, 31), basis, slugs).is_empty
        assert len(empty) == len(full)
