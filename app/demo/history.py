"""Years of history behind the demo season: `flask seed-demo --seasons N` with N > 1.

The demo season (the current year) goes through the services a manager uses. The N - 1 seasons
before it are generated here, in bulk (Core `INSERT ... executemany` of plain rows, never one
ORM object at a time), so ten seasons take a minute, not hours. Bulk does not mean lawless:
the rows obey every rule the services enforce, and `flask ledger verify` passes afterwards.

- Operations: dry-season peaks (May to September), a thin rainy season (December to March),
  cancellations with their reasons (and 2020, when Peru closed its borders on 16 March), staff
  never on two treks at once, porters 18 or older paid at least 3% of the year's UIT and never
  over the load limit, homestays placed by the rotation (fewest guest-nights this season first,
  then longest since hosting, then id) within each family's free beds.
- Ledger: each completed departure is posted once, as `post_departure` would post it (one
  balanced entry: a debit per expense category, a credit per payee and service, an obligation per
  service delivered, priced by the agreed wage or the rate card in force). Entries are inserted
  unposted, their lines written, then flipped to posted in one UPDATE, which is the flip the
  database's triggers check (migration 0003_ledger); the months are closed only afterwards.
- Payments: staff paid within days of the trek's end (some in two instalments), families often
  paid in the village the next morning, and a monthly batch run per community sweeping what is
  still open; a few payments voided (reversing entry, obligations given back) and paid again.
  Receipt numbers continue the counter without a gap, in the order payments were posted; no
  obligation is ever paid beyond its amount.
"""

from __future__ import annotations

import heapq
import math
import random
import uuid
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, update

from app.accounts.models import User
from app.accounts.roles import Role
from app.backups.sequences import reset_sequences
from app.clock import LIMA
from app.demo.operations import DEMO_TODAY, ROUTES
from app.demo.registries import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from app.extensions import db
from app.ledger.models import (
    Account,
    AccountingPeriod,
    AccountKind,
    EntrySource,
    ExchangeRate,
    JournalEntry,
    JournalLine,
    Obligation,
    ObligationStatus,
    RateCard,
)
from app.ledger.services import (
    CASH_ACCOUNT_OF_METHOD,
    EXPENSE_ACCOUNT_OF_SERVICE,
    SYSTEM_ACCOUNTS,
    payable_code,
)
from app.money import from_centimos
from app.operations.actuals import STAFF_SERVICE
from app.operations.models import (
    Activity,
    Departure,
    DepartureStatus,
    HomestayAllocation,
    LoadLimit,
    Route,
    ServiceKind,
    StaffAssignment,
    Traveller,
    UitValue,
    WorkshopBooking,
)
from app.payments.models import (
    ApprovalThreshold,
    Payment,
    PaymentAllocation,
    PaymentBatch,
    PaymentStatus,
    ReceiptSequence,
)
from app.payments.services import RECEIPTS
from app.registries.models import (
    Community,
    Gender,
    HomestayFamily,
    PayeeKind,
    PaymentMethod,
    StaffMember,
    StaffRole,
    StaffRoleLink,
    WeavingAssociation,
)

MAX_SEASONS = 15
# The UIT of each year (SUNAT), for the wage floor of history seasons the demo does not cover.
UIT_BY_YEAR = {2012: 3650, 2013: 3700, 2014: 3800, 2015: 3850, 2016: 3950, 2017: 4050,
               2018: 4150, 2019: 4200, 2020: 4300, 2021: 4400}
# Soles per dollar, roughly the year's average; weekly rates wander around it.
USD_PEN_BY_YEAR = {2012: "2.64", 2013: "2.70", 2014: "2.84", 2015: "3.19", 2016: "3.38",
                   2017: "3.26", 2018: "3.29", 2019: "3.34", 2020: "3.50", 2021: "3.88",
                   2022: "3.84", 2023: "3.74", 2024: "3.75", 2025: "3.60", 2026: "3.40"}
# The demo rates of the current year (DOMAIN.md), in céntimos; earlier years 3% cheaper each.
RATES_NOW = {
    ServiceKind.HOMESTAY_NIGHT: 6000, ServiceKind.WORKSHOP_PARTICIPANT: 2500,
    ServiceKind.VISITOR_FEE: 1000, ServiceKind.HOT_SPRINGS: 1500, ServiceKind.ARRIERO_DAY: 12000,
    ServiceKind.MULE_DAY: 5000, ServiceKind.COOK_DAY: 17000, ServiceKind.GUIDE_DAY: 25000,
}
# Departures per month: the dry season carries the year; February's rains nearly stop it.
MONTH_WEIGHTS = [2, 1, 2, 6, 13, 15, 15, 15, 13, 8, 5, 3]
ROUTE_WEIGHTS = {"LAR": 40, "LMP": 25, "LCO": 20, "LAG": 15}
DEPARTURES_PER_YEAR = 380
# Business grows; 2020 stopped on 16 March (state of emergency) and 2021 came back slowly.
YEAR_FACTOR = {2021: 0.45}
COVID_STOP = date(2020, 3, 16)
GROUP_SIZES = list(range(2, 13))
GROUP_WEIGHTS = [1, 2, 3, 4, 6, 8, 10, 11, 11, 10, 8]
CANCEL_REASONS = [
    "Landslide on the Calca–Lares road.",
    "Regional transport strike (paro) in Cusco.",
    "Too few travellers booked; the group joined a later date.",
    "Heavy snow on the Ipsayccasa pass.",
    "The group's flight to Cusco was cancelled.",
]
COVID_REASON = "State of national emergency (COVID-19): borders and trails closed."
VOID_REASONS = ["Wrong amount typed on the receipt.", "Paid to the wrong person; paid again.",
                "Receipt spoiled (torn in the rain); reissued."]
TRAVELLER_NAMES = {
    "Germany": (["Lena", "Jonas", "Mia", "Felix", "Hannah", "Paul"], ["Müller", "Schmidt", "Weber", "Becker", "Fischer"]),
    "United States": (["Emily", "Jacob", "Madison", "Ethan", "Abigail", "Ryan"], ["Johnson", "Miller", "Davis", "Walker", "Young"]),
    "United Kingdom": (["Olivia", "George", "Amelia", "Harry", "Isla", "Jack"], ["Smith", "Jones", "Taylor", "Evans", "Wright"]),
    "France": (["Chloé", "Louis", "Camille", "Hugo", "Léa", "Jules"], ["Martin", "Bernard", "Dubois", "Moreau", "Lefèvre"]),
    "Canada": (["Charlotte", "Liam", "Sophie", "Noah", "Zoé", "William"], ["Tremblay", "Roy", "Gagnon", "Campbell", "Brown"]),
    "Australia": (["Ruby", "Oliver", "Matilda", "Jack", "Grace", "Lachlan"], ["Wilson", "Kelly", "Ryan", "Nguyen", "Clarke"]),
    "Netherlands": (["Sanne", "Daan", "Fleur", "Bram", "Noor", "Sem"], ["de Jong", "Jansen", "de Vries", "Bakker", "Visser"]),
    "Spain": (["Lucía", "Pablo", "Martina", "Álvaro", "Carmen", "Javier"], ["García", "Fernández", "López", "Martínez", "Sánchez"]),
    "Chile": (["Sofía", "Benjamín", "Florencia", "Matías", "Josefa", "Tomás"], ["González", "Muñoz", "Rojas", "Díaz", "Soto"]),
    "Argentina": (["Valentina", "Mateo", "Catalina", "Santiago", "Delfina", "Joaquín"], ["Pérez", "Gómez", "Romero", "Álvarez", "Acosta"]),
    "Brazil": (["Ana", "Lucas", "Beatriz", "Gabriel", "Larissa", "Rafael"], ["Silva", "Santos", "Oliveira", "Souza", "Costa"]),
    "Japan": (["Yui", "Haruto", "Aoi", "Sota", "Hina", "Ren"], ["Sato", "Suzuki", "Takahashi", "Tanaka", "Ito"]),
    "Israel": (["Noa", "Itai", "Maya", "Omer", "Tamar", "Yonatan"], ["Cohen", "Levi", "Mizrahi", "Peretz", "Biton"]),
    "Denmark": (["Freja", "Emil", "Ida", "Oscar", "Alma", "Magnus"], ["Nielsen", "Jensen", "Hansen", "Larsen", "Madsen"]),
    "Peru": (["Milagros", "Renzo", "Ximena", "Diego", "Fiorella", "Gonzalo"], ["Quispe", "Flores", "Vargas", "Castillo", "Chávez"]),
}
DIETS = [None] * 12 + ["vegetarian", "vegan", "gluten-free", "no nuts", "lactose-free"]
# Staff hired over the years beyond the demo's current crew: (role, how many).
EXTRA_STAFF = [(StaffRole.PORTER, 34), (StaffRole.ARRIERO, 9), (StaffRole.COOK, 9), (StaffRole.GUIDE, 9)]
# Families that host in the busiest homestay communities, beyond the demo's.
EXTRA_FAMILIES = {"Huacahuasi": 7, "Patacancha": 7, "Choquecancha": 4}
WORK_START = time(8, 0)
# Paid in cash on the trek itself (each night, workshop or checkpoint fee on its own receipt,
# entered when the group is back); the rest waits for the community's monthly batch run.
PAID_ON_THE_SPOT = {PayeeKind.FAMILY: 0.85, PayeeKind.COMMUNITY: 0.7, PayeeKind.ASSOCIATION: 0.7}


def lima_moment(day: date, at: time = time(18, 0)) -> datetime:
    """An aware UTC instant for a Lima wall-clock time on `day` (deterministic timestamps)."""
    return datetime.combine(day, at, tzinfo=LIMA).astimezone(UTC)


def money(centimos: int) -> Decimal:
    """Céntimos to the Decimal the Money columns take."""
    return from_centimos(centimos)


@dataclass
class HistoryCounts:
    """What `seed_history` wrote, for the command to print."""

    seasons: int = 0
    departures: int = 0
    travellers: int = 0
    journal_entries: int = 0
    journal_lines: int = 0
    obligations: int = 0
    payments: int = 0


class IdBook:
    """Hands out explicit primary keys after what a table already holds (PostgreSQL sequences
    are moved past them at the end by `app.backups.sequences.reset_sequences`)."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def take(self, model) -> int:
        table = model.__table__.name
        if table not in self._next:
            self._next[table] = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        value = self._next[table]
        self._next[table] += 1
        return value


# --- Operations ---------------------------------------------------------------------------------


@dataclass
class Person:
    """A staff member as the generator sees them."""

    id: int
    name: str
    roles: set[StaffRole]
    birth: date
    community_id: int | None
    method: PaymentMethod
    hired: date
    left: date | None
    busy_until: date = date.min


@dataclass
class Family:
    """A homestay family as the rotation sees it."""

    id: int
    community_id: int
    beds: int
    joined: date
    name: str


@dataclass
class Service:
    """One line of what a completed departure delivered (as `departure_services` returns)."""

    service: ServiceKind
    payee_kind: PayeeKind
    payee_id: int
    community_id: int | None
    quantity: int
    service_date: date
    agreed_rate: int | None = None


@dataclass
class CompletedTrek:
    """A completed departure and what the ledger owes for it."""

    departure_id: int
    code: str
    end_date: date
    services: list[Service]


@dataclass
class Rows:
    """Plain rows per model, inserted in this order (foreign keys first)."""

    tables: dict = field(default_factory=lambda: defaultdict(list))

    def add(self, model, row: dict) -> None:
        self.tables[model].append(row)


class OperationsHistory:
    """Departures of past seasons with their travellers, staff, homestays and workshops."""

    def __init__(self, rng: random.Random, ids: IdBook, rows: Rows, first_year: int, last_year: int,
                 departures_per_year: int = DEPARTURES_PER_YEAR):
        self.rng, self.ids, self.rows = rng, ids, rows
        self.departures_per_year = departures_per_year
        self.first_year, self.last_year = first_year, last_year
        self.communities = {c.name: c for c in db.session.scalars(select(Community))}
        self.routes = {r.code: r for r in db.session.scalars(select(Route)) if r.code in ROUTE_WEIGHTS}
        self.associations = {a.community_id: a.id for a in db.session.scalars(
            select(WeavingAssociation).order_by(WeavingAssociation.id))}
        self.load_limit_kg = Decimal("20")
        self.staff = self._staff()
        self.families = self._families()
        self.treks: list[CompletedTrek] = []
        self.counts = HistoryCounts()
        self._season_nights: dict[tuple[int, int], int] = defaultdict(int)
        self._last_hosted: dict[int, date] = {}
        self._beds_taken: dict[tuple[int, date], int] = defaultdict(int)
        self._codes: set[str] = set(db.session.scalars(select(Departure.code)))
        self._floors: dict[int, int] = {}
        self.unsold = 0

    # Registries grown over the years --------------------------------------------------------

    def _staff(self) -> list[Person]:
        roles = defaultdict(set)
        for link in db.session.scalars(select(StaffRoleLink)):
            roles[link.staff_member_id].add(link.role)
        start = date(self.first_year, 1, 1)
        people = [Person(s.id, s.full_name, roles[s.id], s.birth_date, s.community_id, s.payment_method,
                         start, None) for s in db.session.scalars(select(StaffMember).order_by(StaffMember.id))
                  if s.archived_at is None]
        dnis = set(db.session.scalars(select(StaffMember.dni)))
        origins = [self.communities[n].id for n in ("Huacahuasi", "Choquecancha", "Quishuarani",
                                                    "Cuncani", "Patacancha", "Lares", "Kelkanka")
                   if n in self.communities]
        number = 0
        for role, count in EXTRA_STAFF:
            for _ in range(count):
                number += 1
                gender = Gender.FEMALE if role == StaffRole.COOK and self.rng.random() < 0.5 else Gender.MALE
                name = _person_name(self.rng, gender)
                dni = f"{41000000 + number * 104729:08d}"
                while dni in dnis:
                    dni = f"{int(dni) + 1:08d}"
                dnis.add(dni)
                hired = date(self.first_year, 1, 1)
                if self.rng.random() < 0.4:  # joined later, as the business grew
                    hired = date(self.rng.randint(self.first_year, max(self.first_year, self.last_year - 2)),
                                 self.rng.randint(1, 4), 1)
                left = None
                if self.rng.random() < 0.35:
                    left = date(self.rng.randint(hired.year + 1, self.last_year + 1), 1, 15)
                method = self.rng.choice([PaymentMethod.CASH, PaymentMethod.CASH, PaymentMethod.YAPE])
                person_id = self.ids.take(StaffMember)
                birth = date(self.rng.randint(1965, 1998), self.rng.randint(1, 12), self.rng.randint(1, 28))
                community_id = None if role == StaffRole.GUIDE else self.rng.choice(origins)
                self.rows.add(StaffMember, dict(
                    id=person_id, full_name=name, dni=dni, birth_date=birth, gender=gender,
                    community_id=community_id, phone=f"9{self.rng.randrange(10**7, 10**8)}",
                    emergency_contact_name=_person_name(self.rng, Gender.FEMALE),
                    emergency_contact_phone=f"9{self.rng.randrange(10**7, 10**8)}",
                    insurance_expiry=date(left.year if left else DEMO_TODAY.year + 1, 3, 31),
                    notes=None, archived_at=lima_moment(left) if left else None,
                    created_at=lima_moment(hired, WORK_START), bank_name=None, bank_account=None,
                    wallet_phone=f"9{self.rng.randrange(10**7, 10**8)}" if method == PaymentMethod.YAPE else None,
                    payment_method=method,
                ))
                person_roles = {role}
                if role == StaffRole.PORTER and number % 6 == 0:
                    person_roles.add(StaffRole.COOK)
                for each in sorted(person_roles, key=lambda r: r.value):
                    self.rows.add(StaffRoleLink, dict(staff_member_id=person_id, role=each))
                people.append(Person(person_id, name, person_roles, birth, community_id, method, hired, left))
        return people

    def _families(self) -> dict[int, list[Family]]:
        start = date(self.first_year, 1, 1)
        by_community: dict[int, list[Family]] = defaultdict(list)
        for family in db.session.scalars(select(HomestayFamily).order_by(HomestayFamily.id)):
            if family.active and family.archived_at is None:
                by_community[family.community_id].append(
                    Family(family.id, family.community_id, family.beds, start, family.household_head))
        for community_name, count in EXTRA_FAMILIES.items():
            community = self.communities.get(community_name)
            if community is None:
                continue
            for _ in range(count):
                gender = Gender.FEMALE if self.rng.random() < 0.6 else Gender.MALE
                family_id = self.ids.take(HomestayFamily)
                joined = date(self.rng.randint(self.first_year, self.last_year), 1, 1) \
                    if self.rng.random() < 0.4 else start
                beds = self.rng.choice([3, 3, 4, 4, 5, 6])
                name = _person_name(self.rng, gender)
                self.rows.add(HomestayFamily, dict(
                    id=family_id, community_id=community.id, household_head=name, host_gender=gender,
                    beds=beds, phone=f"9{self.rng.randrange(10**7, 10**8)}", active=True, notes=None,
                    archived_at=None, created_at=lima_moment(joined, WORK_START), bank_name=None,
                    bank_account=None, wallet_phone=None, payment_method=PaymentMethod.CASH,
                ))
                by_community[community.id].append(Family(family_id, community.id, beds, joined, name))
        return by_community

    def wage_floor(self, year: int) -> int:
        """3% of the year's UIT, in céntimos (the porters' legal floor, Ley 31614)."""
        if year not in self._floors:
            uit = db.session.scalar(select(UitValue.amount).where(UitValue.year == year))
            self._floors[year] = int(uit * 3) if uit is not None else UIT_BY_YEAR[year] * 3
        return self._floors[year]

    # Seasons ----------------------------------------------------------------------------------

    def season(self, year: int) -> None:
        """Plan, run and record one year's departures, in start-date order."""
        factor = YEAR_FACTOR.get(year, 1 + 0.04 * (year - 2019))
        count = max(4, round(self.departures_per_year * factor))
        route_codes = [code for code in ROUTE_WEIGHTS if code in self.routes]
        plans = []
        for _ in range(count):
            month = self.rng.choices(range(1, 13), weights=MONTH_WEIGHTS)[0]
            day = self.rng.randint(1, 28 if month == 2 else 30)
            code = self.rng.choices(route_codes, weights=[ROUTE_WEIGHTS[c] for c in route_codes])[0]
            plans.append((date(year, month, day), code))
        if year == COVID_STOP.year:  # the rainy months ran; a quarter of the dry season was booked
            plans = [(start, code) for start, code in plans
                     if start < COVID_STOP or self.rng.random() < 0.25]
        for start, code in sorted(plans):
            self._departure(start, self.routes[code])

    def _departure(self, start: date, route: Route) -> None:
        rng = self.rng
        end = route.end_date_for(start)
        size = rng.choices(GROUP_SIZES, weights=GROUP_WEIGHTS)[0]
        cancelled_reason = None
        if start >= COVID_STOP and start.year == 2020:
            cancelled_reason = COVID_REASON
        elif rng.random() < 0.04:
            cancelled_reason = rng.choice(CANCEL_REASONS)
        crew = None if cancelled_reason else self._crew(route, start, end, size)
        nights = None if crew is None else self._place_guests(route, start, size)
        if cancelled_reason is None and (crew is None or nights is None):
            self.unsold += 1
            return  # nobody free or no beds that week: the operator would not have sold it
        departure_id = self.ids.take(Departure)
        code = self._code(route, start)
        price_usd = _route_price(route.code, start.year)
        load = _company_load(route.code, size)
        created = lima_moment(start - timedelta(days=rng.randint(20, 90)), time(10, 0))
        completed = cancelled_reason is None
        self.rows.add(Departure, dict(
            id=departure_id, code=code, route_id=route.id, start_date=start, end_date=end,
            status=DepartureStatus.COMPLETED if completed else DepartureStatus.CANCELLED,
            price_per_traveller_usd=price_usd, group_min=2, group_max=12,
            guide_id=crew[StaffRole.GUIDE][0][0].id if completed else None,
            cancelled_reason=cancelled_reason, notes=None, company_load_kg=load if completed else None,
            welfare_meals=completed, welfare_shelter=completed, welfare_clothing=completed,
            welfare_first_aid=completed, welfare_insurance=completed, created_at=created,
            completed_at=lima_moment(end, time(19, 0)) if completed else None,
            posted_at=lima_moment(end + timedelta(days=1), time(11, 0)) if completed else None,
        ))
        self.counts.departures += 1
        stayed = self._travellers(departure_id, size, completed)
        if not completed:
            return
        walked = size - stayed
        services: list[Service] = []
        services += self._record_homestays(departure_id, nights, stayed)
        services += self._record_workshops(departure_id, route, start, size, walked)
        services += _community_fees(route, start, walked)
        services += self._record_staff(departure_id, route, crew, load, start, end)
        self.treks.append(CompletedTrek(departure_id, code, end, services))

    def _code(self, route: Route, start: date) -> str:
        prefix = f"{route.code}-{start.isoformat()}-"
        for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            if prefix + letter not in self._codes:
                self._codes.add(prefix + letter)
                return prefix + letter
        raise RuntimeError(f"too many departures of {route.code} on {start}")

    def _travellers(self, departure_id: int, size: int, completed: bool) -> int:
        """Add the group; return how many stayed behind (did not walk)."""
        rng = self.rng
        stayed = 1 if completed and size > 3 and rng.random() < 0.08 else 0
        for index in range(size):
            nationality = rng.choice(list(TRAVELLER_NAMES))
            given, surnames = TRAVELLER_NAMES[nationality]
            surname = rng.choice(surnames)
            self.rows.add(Traveller, dict(
                id=self.ids.take(Traveller), departure_id=departure_id,
                full_name=f"{rng.choice(given)} {surname}", nationality=nationality,
                dietary_needs=rng.choice(DIETS), emergency_contact_name=f"{surname} family",
                emergency_contact_phone=f"+{rng.randint(1, 99)} {rng.randint(200, 999)} {rng.randint(1000000, 9999999)}",
                walked=index >= stayed,
            ))
        self.counts.travellers += size
        return stayed

    def _crew(self, route: Route, start: date, end: date, size: int):
        """Guide, cook, arriero and enough porters free on these dates, or None."""
        needed = {StaffRole.GUIDE: 1, StaffRole.COOK: 1, StaffRole.ARRIERO: 1,
                  StaffRole.PORTER: math.ceil(_company_load(route.code, size) / self.load_limit_kg)}
        chosen: dict[StaffRole, list[tuple[Person, int | None]]] = {}
        taken: set[int] = set()
        for role in (StaffRole.GUIDE, StaffRole.PORTER, StaffRole.ARRIERO, StaffRole.COOK):
            free = [p for p in self.staff if role in p.roles and p.id not in taken and p.busy_until < start
                    and p.hired <= start and (p.left is None or p.left > end)
                    and (role != StaffRole.PORTER or _age(p.birth, start) >= 18)]
            if len(free) < needed[role]:
                return None
            people = self.rng.sample(free, needed[role])
            taken.update(p.id for p in people)
            chosen[role] = [(p, self._wage(role, start)) for p in people]
        for people in chosen.values():
            for person, _wage in people:
                person.busy_until = end
        return chosen

    def _wage(self, role: StaffRole, start: date) -> int | None:
        """Porters: the floor (3% of the UIT) or an agreed wage above it; others the rate card."""
        if role != StaffRole.PORTER:
            return None
        floor = self.wage_floor(start.year)
        return self.rng.choice([floor, floor, floor + 1000, floor + 2000])

    def _place_guests(self, route: Route, start: date, size: int):
        """The rotation's placement for each homestay night, or None when beds run out."""
        plan = []
        for day in route.days:
            if not day.is_homestay_night:
                continue
            night = start + timedelta(days=day.day_number - 1)
            families = [f for f in self.families.get(day.night_community_id, []) if f.joined <= night]
            families.sort(key=lambda f: (self._season_nights[(f.id, night.year)],
                                         self._last_hosted.get(f.id, date.min), f.id))
            remaining, placements = size, []
            for family in families:
                if remaining == 0:
                    break
                guests = min(family.beds - self._beds_taken[(family.id, night)], remaining)
                if guests > 0:
                    placements.append((family, guests))
                    remaining -= guests
            if remaining:
                return None
            plan.append((night, placements))
        for night, placements in plan:
            for family, guests in placements:
                self._beds_taken[(family.id, night)] += guests
                self._season_nights[(family.id, night.year)] += guests
                self._last_hosted[family.id] = max(self._last_hosted.get(family.id, date.min), night)
        return plan

    def _record_homestays(self, departure_id: int, nights, stayed: int) -> list[Service]:
        services = []
        for night, placements in nights:
            for index, (family, guests) in enumerate(placements):
                actual = guests - (stayed if index == len(placements) - 1 else 0)
                actual = max(0, actual)
                self.rows.add(HomestayAllocation, dict(
                    id=self.ids.take(HomestayAllocation), departure_id=departure_id, night_date=night,
                    family_id=family.id, guests_planned=guests, guests_actual=actual, suggested=True,
                    override_reason=None,
                ))
                if actual:
                    services.append(Service(ServiceKind.HOMESTAY_NIGHT, PayeeKind.FAMILY, family.id,
                                            family.community_id, actual, night))
        return services

    def _record_workshops(self, departure_id: int, route: Route, start: date, size: int,
                          walked: int) -> list[Service]:
        services = []
        for day in route.days:
            for link in day.activities:
                association_id = self.associations.get(link.community_id)
                if link.activity != Activity.WEAVING_WORKSHOP or association_id is None:
                    continue
                day_date = start + timedelta(days=day.day_number - 1)
                actual = max(0, walked - self.rng.randint(0, 1))
                self.rows.add(WorkshopBooking, dict(
                    id=self.ids.take(WorkshopBooking), departure_id=departure_id, day_date=day_date,
                    association_id=association_id, expected_participants=size,
                    actual_participants=actual,
                ))
                if actual:
                    services.append(Service(ServiceKind.WORKSHOP_PARTICIPANT, PayeeKind.ASSOCIATION,
                                            association_id, link.community_id, actual, day_date))
        return services

    def _record_staff(self, departure_id: int, route: Route, crew, load: Decimal, start: date,
                      end: date) -> list[Service]:
        services = []
        planned = (end - start).days + 1
        share = load / len(crew[StaffRole.PORTER])
        for role, people in crew.items():
            for person, wage in people:
                days = planned
                if role == StaffRole.PORTER and planned > 1 and self.rng.random() < 0.02:
                    days = planned - 1  # sent down sick; paid for the days worked
                mules = (4 if route.code == "LAG" else 2) if role == StaffRole.ARRIERO else 0
                weighed = None
                if role == StaffRole.PORTER:
                    jitter = Decimal(self.rng.randint(-10, 10)) / 10
                    weighed = min(self.load_limit_kg, (share + jitter).quantize(Decimal("0.1")))
                self.rows.add(StaffAssignment, dict(
                    id=self.ids.take(StaffAssignment), departure_id=departure_id,
                    staff_member_id=person.id, role=role, daily_wage=money(wage) if wage else None,
                    mules=mules, planned_days=planned, actual_days=days, load_kg=weighed,
                ))
                services.append(Service(STAFF_SERVICE[role], PayeeKind.STAFF, person.id,
                                        person.community_id, days, end, wage))
                if mules:
                    services.append(Service(ServiceKind.MULE_DAY, PayeeKind.STAFF, person.id,
                                            person.community_id, mules * days, end))
        return services


def _age(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _person_name(rng: random.Random, gender: Gender) -> str:
    given = rng.choice(GIVEN_FEMALE if gender == Gender.FEMALE else GIVEN_MALE)
    return f"{given} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"


def _route_price(code: str, year: int) -> Decimal:
    base = next(Decimal(price) for c, _name, price, _load, _days in ROUTES if c == code)
    factor = Decimal(1) - Decimal("0.03") * (DEMO_TODAY.year - year)
    return (base * factor / 5).quantize(Decimal("1")) * 5


def _company_load(code: str, size: int) -> Decimal:
    """The route's base load for a group of six, plus food for each traveller beyond."""
    base = next(load for c, _name, _price, load, _days in ROUTES if c == code)
    return (base + Decimal(3) * (size - 6)).max(Decimal(20))


def _community_fees(route: Route, start: date, walked: int) -> list[Service]:
    if walked == 0:
        return []
    lines, first_night = [], {}
    for day in route.days:
        if day.night_community_id is not None:
            first_night.setdefault(day.night_community_id, start + timedelta(days=day.day_number - 1))
    for community_id, night in first_night.items():
        lines.append(Service(ServiceKind.VISITOR_FEE, PayeeKind.COMMUNITY, community_id, community_id,
                             walked, night))
    for day in route.days:
        for link in day.activities:
            if link.activity == Activity.HOT_SPRINGS and link.community_id is not None:
                lines.append(Service(ServiceKind.HOT_SPRINGS, PayeeKind.COMMUNITY, link.community_id,
                                     link.community_id, walked, start + timedelta(days=day.day_number - 1)))
    return lines


# --- Parameters ---------------------------------------------------------------------------------


def _rate_for_year(centimos_now: int, year: int) -> int:
    """The demo rate of the current year, 3% cheaper for each year back, to the whole sol."""
    factor = 1 - 0.03 * (DEMO_TODAY.year - year)
    return max(100, round(centimos_now * factor / 100) * 100)


def seed_parameters(rng: random.Random, first_year: int, last_year: int) -> None:
    """UIT values, the load limit, a rate card per year and weekly exchange rates for the history
    years, where missing (the current year's are the ledger demo's)."""
    known_uit = set(db.session.scalars(select(UitValue.year)))
    rows = [dict(year=year, amount=money(amount * 100), note="SUNAT, D.S. of the year.",
                 created_at=lima_moment(date(year, 1, 2), WORK_START))
            for year, amount in sorted(UIT_BY_YEAR.items()) if year >= first_year and year not in known_uit]
    if rows:
        db.session.execute(insert(UitValue.__table__), rows)
    first_day = date(first_year, 1, 1)
    if db.session.scalar(select(LoadLimit.id).where(LoadLimit.effective_from <= first_day)) is None:
        db.session.execute(insert(LoadLimit.__table__), [dict(
            effective_from=first_day, limit_kg=Decimal("20"),
            note="KPAP: 20 kg of company load, excluding the porter's own kit.",
            created_at=lima_moment(first_day, WORK_START))])
    existing = {(service, day) for service, day in db.session.execute(
        select(RateCard.service, RateCard.effective_from).where(RateCard.community_id.is_(None)))}
    cards = []
    for year in range(first_year, last_year + 1):
        day = date(year, 1, 1)
        uit = UIT_BY_YEAR.get(year) or db.session.scalar(select(UitValue.amount).where(UitValue.year == year))
        rates = {**{service: _rate_for_year(value, year) for service, value in RATES_NOW.items()},
                 ServiceKind.PORTER_DAY: math.ceil(int(uit) * 3 / 100) * 100 if uit else 17000}
        for service, rate in rates.items():
            if (service, day) not in existing:
                cards.append(dict(service=service, community_id=None, rate=money(rate),
                                  effective_from=day, note=f"Rate card {year}", created_by_id=None,
                                  created_at=lima_moment(day, WORK_START)))
    if cards:
        db.session.execute(insert(RateCard.__table__), cards)
    known_days = set(db.session.scalars(select(ExchangeRate.rate_date)))
    rates, day = [], first_day - timedelta(days=first_day.weekday())
    while day <= date(last_year, 12, 31):
        mean = Decimal(USD_PEN_BY_YEAR.get(day.year, "3.40"))
        value = (mean + Decimal(rng.randint(-600, 600)) / 10000).quantize(Decimal("0.0001"))
        if day not in known_days:
            rates.append(dict(rate_date=day, usd_to_pen=value, source="SBS, weekly",
                              created_by_id=None, created_at=lima_moment(day, WORK_START)))
        day += timedelta(days=7)
    if rates:
        db.session.execute(insert(ExchangeRate.__table__), rates)


class RateBook:
    """The rate card in memory, looked up as `app.ledger.rates.rate_in_force` does."""

    def __init__(self) -> None:
        self.cards: dict[tuple[ServiceKind, int | None], list[tuple[date, int, int]]] = defaultdict(list)
        for card in db.session.scalars(select(RateCard)):
            self.cards[(card.service, card.community_id)].append(
                (card.effective_from, card.id, int(card.rate * 100)))
        for cards in self.cards.values():
            cards.sort()

    def in_force(self, service: ServiceKind, community_id: int | None, day: date) -> tuple[int, int]:
        """(rate in céntimos, rate card id) in force on `day`: the community's own, else the default."""
        for key in ([(service, community_id)] if community_id is not None else []) + [(service, None)]:
            cards = self.cards.get(key, [])
            position = bisect_right(cards, (day, math.inf, 0))
            if position:
                _effective, card_id, rate = cards[position - 1]
                return rate, card_id
        raise LookupError(f"no rate for {service.value} on {day}")


# --- Ledger and payments ------------------------------------------------------------------------


@dataclass
class Owed:
    """An obligation while the history runs: what it is for and how much is paid so far."""

    id: int
    payee: tuple[PayeeKind, int]
    community_id: int | None
    service: ServiceKind
    quantity: int
    rate: int
    rate_card_id: int | None
    service_date: date
    trek_end: date
    departure_id: int
    entry_id: int
    created_at: datetime
    paid: int = 0

    @property
    def amount(self) -> int:
        return self.quantity * self.rate

    @property
    def outstanding(self) -> int:
        return self.amount - self.paid


@dataclass
class Paid:
    """A payment made in the history, and its allocations."""

    id: int
    payee: tuple[PayeeKind, int]
    amount: int
    method: PaymentMethod
    day: date
    key: str
    receipt: int
    entry_id: int
    reference: str | None
    allocations: list[tuple[Owed, int]]
    batch_id: int | None = None
    void: tuple[date, int, str] | None = None
    approved: bool = False


class LedgerHistory:
    """Posts the completed departures and pays them, day by day, as the accountant would have."""

    def __init__(self, rng: random.Random, ids: IdBook, rows: Rows, operations: OperationsHistory):
        self.rng, self.ids, self.rows = rng, ids, rows
        self.ops = operations
        self.rates = RateBook()
        self.accounts = dict(db.session.execute(select(Account.code, Account.id)).all())
        self.accountant_id = db.session.scalar(
            select(User.id).where(User.role == Role.ACCOUNTANT).order_by(User.id).limit(1))
        self.admin_id = db.session.scalar(select(User.id).where(User.role == Role.ADMIN).order_by(User.id).limit(1))
        self.payees = self._payees()
        self.receipt = db.session.scalar(
            select(ReceiptSequence.last_number).where(ReceiptSequence.name == RECEIPTS)) or 0
        self.first_receipt = self.receipt + 1
        self.thresholds = sorted((t.effective_from, int(t.amount * 100))
                                 for t in db.session.scalars(select(ApprovalThreshold)))
        self.owed: list[Owed] = []
        self.open_by_community: dict[int, set[int]] = defaultdict(set)
        self.by_id: dict[int, Owed] = {}
        self.payments: list[Paid] = []
        self.entries = 0
        self.lines = 0
        self._queue: list = []
        self._seq = 0

    def _payees(self) -> dict[tuple[PayeeKind, int], dict]:
        """Name, community and what a receipt prints, for every payee (bulk, four queries)."""
        payees = {}
        for c in db.session.scalars(select(Community)):
            payees[(PayeeKind.COMMUNITY, c.id)] = dict(name=c.name, community_id=c.id, document=None,
                                                       representative=c.treasurer_name or c.leader_name)
        for f in db.session.scalars(select(HomestayFamily)):
            payees[(PayeeKind.FAMILY, f.id)] = dict(name=f.household_head, community_id=f.community_id,
                                                    document=None, representative=None)
        for a in db.session.scalars(select(WeavingAssociation)):
            payees[(PayeeKind.ASSOCIATION, a.id)] = dict(name=a.name, community_id=a.community_id,
                                                         document=None, representative=a.contact_name)
        for s in db.session.scalars(select(StaffMember)):
            payees[(PayeeKind.STAFF, s.id)] = dict(name=s.full_name, community_id=s.community_id,
                                                   document=s.dni, representative=None)
        for row in self.rows.tables[HomestayFamily]:
            payees[(PayeeKind.FAMILY, row["id"])] = dict(name=row["household_head"], community_id=row["community_id"],
                                                         document=None, representative=None)
        for row in self.rows.tables[StaffMember]:
            payees[(PayeeKind.STAFF, row["id"])] = dict(name=row["full_name"], community_id=row["community_id"],
                                                        document=row["dni"], representative=None)
        return payees

    def _account(self, code: str, payee: tuple[PayeeKind, int] | None, at: datetime) -> int:
        if code not in self.accounts:
            account_id = self.ids.take(Account)
            self.accounts[code] = account_id
            if payee is None:
                name, kind = SYSTEM_ACCOUNTS[code]
                values = dict(name=name, kind=kind, payee_kind=None, payee_id=None)
            else:
                values = dict(name=self.payees[payee]["name"][:200], kind=AccountKind.LIABILITY,
                              payee_kind=payee[0], payee_id=payee[1])
            self.rows.add(Account, dict(id=account_id, code=code, created_at=at, **values))
        return self.accounts[code]

    def _entry(self, day: date, memo: str, source: EntrySource, source_id: int | None, transfer_id: str,
               lines: list[tuple[str, tuple | None, int, int, str | None]], at: datetime,
               reverses: int | None = None) -> int:
        """One balanced entry, inserted unposted (flipped to posted once its lines are in)."""
        assert sum(d for _c, _p, d, _cr, _de in lines) == sum(cr for _c, _p, _d, cr, _de in lines)
        entry_id = self.ids.take(JournalEntry)
        self.rows.add(JournalEntry, dict(
            id=entry_id, entry_date=day, memo=memo[:255], source_type=source, source_id=source_id,
            reverses_entry_id=reverses, adjusts_entry_id=None, transfer_id=transfer_id,
            created_by_id=self.accountant_id, created_at=at, posted=False,
        ))
        for code, payee, debit, credit, description in lines:
            self.rows.add(JournalLine, dict(
                id=self.ids.take(JournalLine), entry_id=entry_id, account_id=self._account(code, payee, at),
                debit=money(debit), credit=money(credit), description=description,
            ))
        self.entries += 1
        self.lines += len(lines)
        return entry_id

    # The calendar of events ---------------------------------------------------------------------

    def _at(self, day: date, priority: int, action, *args) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (day, priority, self._seq, action, args))

    def run(self, last_year: int) -> None:
        """Post every trek on its last day and pay what is owed, in date order."""
        for trek in self.ops.treks:
            self._at(trek.end_date, 0, self._post, trek)
        communities = sorted({c.id for c in self.ops.communities.values()})
        month = date(self.ops.first_year, 2, 1)
        stop = date(last_year + 1, 3, 1)
        while month < stop:
            for community_id in communities:
                self._at(month + timedelta(days=self.rng.randint(4, 8)), 2, self._batch, community_id,
                         min(month - timedelta(days=1), date(last_year, 12, 31)))
            month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        while self._queue:
            day, _priority, _seq, action, args = heapq.heappop(self._queue)
            action(day, *args)
        unpaid = [o for o in self.owed if o.outstanding]
        assert not unpaid, f"{len(unpaid)} history obligations left unpaid"

    def _post(self, day: date, trek: CompletedTrek) -> None:
        """`post_departure`: a debit per expense category, a credit per payee and service."""
        at = lima_moment(day + timedelta(days=1), time(11, 0))
        priced = []
        for s in trek.services:
            if s.agreed_rate is not None:
                rate, card_id = s.agreed_rate, None
            else:
                rate, card_id = self.rates.in_force(s.service, s.community_id, s.service_date)
            priced.append((s, rate, card_id))
        debits: dict[str, int] = defaultdict(int)
        credits: dict[tuple, list[int]] = {}
        for s, rate, _card in priced:
            debits[EXPENSE_ACCOUNT_OF_SERVICE[s.service]] += rate * s.quantity
            total = credits.setdefault((s.payee_kind, s.payee_id, s.service), [0, 0])
            total[0] += rate * s.quantity
            total[1] += s.quantity
        lines = [(code, None, amount, 0, None) for code, amount in sorted(debits.items())]
        lines += [(payable_code(kind, payee_id), (kind, payee_id), 0, amount, f"{service.value} x{quantity}")
                  for (kind, payee_id, service), (amount, quantity) in credits.items()]
        entry_id = self._entry(day, f"Departure {trek.code}: services delivered", EntrySource.DEPARTURE,
                               trek.departure_id, f"departure:{trek.departure_id}", lines, at)
        staff_owed: dict[int, list[Owed]] = defaultdict(list)
        for s, rate, card_id in priced:
            owed = Owed(self.ids.take(Obligation), (s.payee_kind, s.payee_id), s.community_id, s.service,
                        s.quantity, rate, card_id, s.service_date, trek.end_date, trek.departure_id,
                        entry_id, at)
            self.owed.append(owed)
            self.by_id[owed.id] = owed
            payee_community = self.payees[owed.payee]["community_id"]
            if payee_community is not None:
                self.open_by_community[payee_community].add(owed.id)
            if s.payee_kind == PayeeKind.STAFF:
                staff_owed[s.payee_id].append(owed)
            elif self.rng.random() < PAID_ON_THE_SPOT[s.payee_kind]:
                self._at(day, 1, self._pay, [owed], None, PaymentMethod.CASH, True)
        for staff_id, owed in staff_owed.items():
            method = self.ops_method(staff_id)
            late = self.rng.random() < 0.1
            first = day + timedelta(days=self.rng.randint(3, 7) if late else self.rng.randint(0, 2))
            if self.rng.random() < 0.45:
                total = sum(o.amount for o in owed)
                part = round(total * self.rng.uniform(0.5, 0.7) / 100) * 100
                self._at(first, 1, self._pay, owed, part, PaymentMethod.CASH, True)
                self._at(first + timedelta(days=self.rng.randint(5, 12)), 1, self._pay, owed, None, method, True)
            else:
                self._at(first, 1, self._pay, owed, None, method, True)

    def ops_method(self, staff_id: int) -> PaymentMethod:
        """The staff member's own payment method (cash or Yape)."""
        if not hasattr(self, "_methods"):
            self._methods = {p.id: p.method for p in self.ops.staff}
        method = self._methods.get(staff_id, PaymentMethod.CASH)
        return method if method in (PaymentMethod.CASH, PaymentMethod.YAPE) else PaymentMethod.CASH

    def _pay(self, day: date, owed: list[Owed], amount: int | None, method: PaymentMethod,
             may_void: bool, batch_id: int | None = None, key: str | None = None) -> Paid | None:
        """`issue_payment`: oldest obligations first, never beyond what they still owe."""
        outstanding = sum(o.outstanding for o in owed)
        amount = outstanding if amount is None else min(amount, outstanding)
        if amount <= 0:
            return None
        left, allocations = amount, []
        for o in sorted(owed, key=lambda o: (o.service_date, o.id)):
            share = min(left, o.outstanding)
            if share > 0:
                allocations.append((o, share))
                o.paid += share
                left -= share
        payee = owed[0].payee
        self.receipt += 1
        payment_id = self.ids.take(Payment)
        key = key or str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        reference = None if method == PaymentMethod.CASH else f"OP-{self.rng.randrange(10**7, 10**8)}"
        at = lima_moment(day, time(15, 0))
        name = self.payees[payee]["name"]
        entry_id = self._entry(
            day, f"Receipt {self.receipt:06d}: payment to {name}", EntrySource.PAYMENT, payment_id, key,
            [(payable_code(*payee), payee, amount, 0, f"receipt {self.receipt:06d}"),
             (CASH_ACCOUNT_OF_METHOD[method], None, 0, amount, reference)], at)
        paid = Paid(payment_id, payee, amount, method, day, key, self.receipt, entry_id, reference,
                    allocations, batch_id, approved=self._needs_approval(amount, day))
        self.payments.append(paid)
        for o, _share in allocations:
            community = self.payees[o.payee]["community_id"]
            if not o.outstanding and community is not None:
                self.open_by_community[community].discard(o.id)
        if may_void and self.rng.random() < 0.015:
            self._at(day + timedelta(days=self.rng.randint(1, 3)), 3, self._void, paid)
        return paid

    def _needs_approval(self, amount: int, day: date) -> bool:
        """`needs_approval`: above the threshold in force that day (or with none set)."""
        position = bisect_right(self.thresholds, (day, math.inf))
        return position == 0 or amount > self.thresholds[position - 1][1]

    def _void(self, day: date, paid: Paid) -> None:
        """`void_payment`: the mirror entry, the amounts given back, then the right payment."""
        reason = self.rng.choice(VOID_REASONS)
        reversal = self._entry(
            day, f"Reversal of #{paid.entry_id}: {reason}", EntrySource.ADJUSTMENT, paid.id,
            f"void:{paid.key}",
            [(payable_code(*paid.payee), paid.payee, 0, paid.amount, f"receipt {paid.receipt:06d}"),
             (CASH_ACCOUNT_OF_METHOD[paid.method], None, paid.amount, 0, paid.reference)],
            lima_moment(day, time(9, 0)), reverses=paid.entry_id)
        paid.void = (day, reversal, reason)
        for o, share in paid.allocations:
            o.paid -= share
            community = self.payees[o.payee]["community_id"]
            if community is not None:
                self.open_by_community[community].add(o.id)
        self._pay(day, [o for o, _share in paid.allocations], paid.amount, paid.method, False)

    def _batch(self, day: date, community_id: int, cutoff: date) -> None:
        """`run_batch` for one community: everything open up to `cutoff`, one payment per payee."""
        due = [self.by_id[i] for i in self.open_by_community[community_id]]
        due = [o for o in due if o.outstanding and o.service_date <= cutoff]
        if not due:
            return
        by_payee: dict[tuple, list[Owed]] = defaultdict(list)
        for o in sorted(due, key=lambda o: (o.service_date, o.id)):
            by_payee[o.payee].append(o)
        batch_id = self.ids.take(PaymentBatch)
        batch_key = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        order = sorted(by_payee, key=lambda p: (p[0].value, self.payees[p]["name"]))
        total = 0
        for payee in order:
            key = str(uuid.uuid5(batch_key, f"{payee[0].value}:{payee[1]}"))
            paid = self._pay(day, by_payee[payee], None, PaymentMethod.CASH, False, batch_id, key)
            total += paid.amount
        self.rows.add(PaymentBatch, dict(
            id=batch_id, community_id=community_id, cutoff=cutoff, payment_date=day,
            method=PaymentMethod.CASH, idempotency_key=str(batch_key), payment_count=len(order),
            total=money(total), created_by_id=self.accountant_id, created_at=lima_moment(day, time(8, 0)),
        ))

    # Rows ---------------------------------------------------------------------------------------

    def finish(self) -> None:
        """Obligations, payments and allocations as rows, with their final amounts and states."""
        for o in self.owed:
            self.rows.add(Obligation, dict(
                id=o.id, payee_kind=o.payee[0], payee_id=o.payee[1], community_id=o.community_id,
                service=o.service, quantity=o.quantity, unit_rate=money(o.rate), amount=money(o.amount),
                amount_paid=money(o.paid), service_date=o.service_date, trek_end_date=o.trek_end,
                departure_id=o.departure_id, entry_id=o.entry_id, rate_card_id=o.rate_card_id,
                status=ObligationStatus.SETTLED if o.outstanding == 0 else ObligationStatus.OPEN,
                void_entry_id=None, created_at=o.created_at,
            ))
        for p in self.payments:
            info = self.payees[p.payee]
            posted_at = lima_moment(p.day, time(15, 0))
            voided = p.void is not None
            self.rows.add(Payment, dict(
                id=p.id, receipt_number=p.receipt, payee_kind=p.payee[0], payee_id=p.payee[1],
                payee_name=info["name"][:200], payee_document=info["document"],
                representative=info["representative"], community_id=info["community_id"], method=p.method,
                reference=p.reference, amount=money(p.amount), payment_date=p.day,
                status=PaymentStatus.VOIDED if voided else PaymentStatus.POSTED,
                idempotency_key=p.key, note=None, batch_id=p.batch_id, entry_id=p.entry_id,
                void_entry_id=p.void[1] if voided else None, created_by_id=self.accountant_id,
                created_at=lima_moment(p.day, time(14, 0)), posted_at=posted_at,
                # Above the threshold a second person (the administrator) approved it.
                approved_by_id=self.admin_id if p.approved else None,
                approved_at=posted_at if p.approved else None,
                voided_by_id=self.accountant_id if voided else None,
                voided_at=lima_moment(p.void[0], time(9, 0)) if voided else None,
                void_reason=p.void[2] if voided else None,
            ))
            for o, share in p.allocations:
                self.rows.add(PaymentAllocation, dict(
                    id=self.ids.take(PaymentAllocation), payment_id=p.id, obligation_id=o.id,
                    amount=money(share)))


# --- Putting it together -------------------------------------------------------------------------

INSERT_ORDER = [StaffMember, StaffRoleLink, HomestayFamily, Departure, Traveller, StaffAssignment,
                HomestayAllocation, WorkshopBooking, Account, JournalEntry, JournalLine]
AFTER_POSTING = [Obligation, PaymentBatch, Payment, PaymentAllocation]
CHUNK = 5000


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model.__table__), rows[start:start + CHUNK])


def seed_history(seasons: int, rng: random.Random, departures_per_year: int | None = None) -> HistoryCounts:
    """Add the `seasons - 1` seasons before the demo's year (flushes; the caller commits)."""
    if not 2 <= seasons <= MAX_SEASONS:
        raise ValueError(f"seasons must be between 2 and {MAX_SEASONS}")
    last_year = DEMO_TODAY.year - 1
    first_year = DEMO_TODAY.year - seasons + 1
    db.session.flush()
    seed_parameters(rng, first_year, last_year)
    ids, rows = IdBook(), Rows()
    operations = OperationsHistory(rng, ids, rows, first_year, last_year,
                                   departures_per_year or DEPARTURES_PER_YEAR)
    operations.load_limit_kg = db.session.scalar(
        select(LoadLimit.limit_kg).where(LoadLimit.effective_from <= date(first_year, 1, 1))
        .order_by(LoadLimit.effective_from.desc()).limit(1)) or Decimal("20")
    for year in range(first_year, last_year + 1):
        operations.season(year)
    ledger = LedgerHistory(rng, ids, rows, operations)
    ledger.run(last_year)
    ledger.finish()

    for model in INSERT_ORDER:
        _insert(model, rows.tables[model])
    entry_ids = [row["id"] for row in rows.tables[JournalEntry]]
    if entry_ids:
        # The flip the ledger's triggers check: each entry balances with its lines from here on.
        db.session.execute(update(JournalEntry.__table__)
                           .where(JournalEntry.__table__.c.id.between(min(entry_ids), max(entry_ids)),
                                  JournalEntry.__table__.c.posted.is_(False))
                           .values(posted=True))
    for model in AFTER_POSTING:
        _insert(model, rows.tables[model])
    _advance_receipts(ledger.receipt)
    _close_months(first_year, last_year, ledger.admin_id)
    reset_sequences(db.session.connection())
    db.session.expire_all()
    counts = operations.counts
    counts.seasons = seasons
    counts.journal_entries, counts.journal_lines = ledger.entries, ledger.lines
    counts.obligations, counts.payments = len(ledger.owed), len(ledger.payments)
    return counts


def _advance_receipts(last_number: int) -> None:
    table = ReceiptSequence.__table__
    updated = db.session.execute(update(table).where(table.c.name == RECEIPTS).values(last_number=last_number))
    if updated.rowcount == 0:
        db.session.execute(insert(table), [dict(name=RECEIPTS, last_number=last_number)])


def _close_months(first_year: int, last_year: int, admin_id: int | None) -> None:
    """Every month of the history seasons is closed, ten days after it ended."""
    if admin_id is None:
        return
    known = set(db.session.execute(select(AccountingPeriod.year, AccountingPeriod.month)).all())
    rows = []
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            if (year, month) in known:
                continue
            closing = date(year + (month == 12), month % 12 + 1, 10)
            rows.append(dict(year=year, month=month, closed_at=lima_moment(closing, time(17, 0)),
                             closed_by_id=admin_id, reopened_at=None, reopened_by_id=None,
                             reopen_reason=None))
    if rows:
        db.session.execute(insert(AccountingPeriod.__table__), rows)
