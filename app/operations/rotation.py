"""Homestay rotation: who hosts next, and how fairly the nights are spread.

The rule (DOMAIN.md, after Taquile's community rotation): the next guests go to the active,
non-archived families of that night's community with the fewest guest-nights this season;
ties go to the family that hosted longest ago (never hosted counts as longest ago), then to the
lowest id, so the suggestion is deterministic. Each family takes at most its free beds that
night (its beds minus guests other departures already placed with it).

A season is the calendar year of the night (January to December): the dry season (May to
September) falls inside one year, so a season's nights are never split.

Guest-nights count every live (not cancelled) departure: the guests who actually slept there
once a departure is completed, the planned guests before that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from app.audit.services import record_change, snapshot
from app.extensions import db
from app.operations.errors import AllocationRefused
from app.operations.models import Departure, DepartureStatus, HomestayAllocation
from app.operations.readiness import homestay_nights
from app.operations.services import PLANNING, require_status
from app.registries.models import Community, HomestayFamily

GUESTS = func.coalesce(HomestayAllocation.guests_actual, HomestayAllocation.guests_planned)


def season_of(night: date) -> tuple[date, date]:
    """First and last night of the season `night` belongs to (its calendar year)."""
    return date(night.year, 1, 1), date(night.year, 12, 31)


def gini(values: list[int] | list[float]) -> float:
    """Gini coefficient of non-negative values: 0 when all equal, (n-1)/n when one has all."""
    n = len(values)
    total = sum(values)
    if n == 0 or total == 0:
        return 0.0
    ordered = sorted(values)
    # Sum over ordered values of (2i - n - 1) * x_i, i from 1: equals half the sum of |xi - xj|.
    weighted = sum((2 * i - n - 1) * value for i, value in enumerate(ordered, start=1))
    return weighted / (n * total)


@dataclass(frozen=True)
class FamilyStanding:
    """A family's place in the rotation for one night."""

    family: HomestayFamily
    guest_nights: int
    last_hosted: date | None
    free_beds: int


def rotation_key(standing: FamilyStanding) -> tuple:
    """Fewest guest-nights first; ties to the longest since hosting (never first); then id."""
    return (standing.guest_nights, standing.last_hosted or date.min, standing.family.id)


def _live_allocations(exclude_departure_id: int | None):
    condition = and_(Departure.id == HomestayAllocation.departure_id,
                     Departure.status != DepartureStatus.CANCELLED)
    if exclude_departure_id is not None:
        condition = and_(condition, Departure.id != exclude_departure_id)
    return condition


def family_standings(community_id: int, night: date,
                     exclude_departure_id: int | None = None) -> list[FamilyStanding]:
    """The community's active families in rotation order for `night` (three queries)."""
    first, last = season_of(night)
    live = _live_allocations(exclude_departure_id)
    season_nights = dict(db.session.execute(
        select(HomestayAllocation.family_id, func.sum(GUESTS)).join(Departure, live)
        .where(HomestayAllocation.night_date.between(first, last))
        .group_by(HomestayAllocation.family_id)
    ).all())
    last_hosted = dict(db.session.execute(
        select(HomestayAllocation.family_id, func.max(HomestayAllocation.night_date)).join(Departure, live)
        .where(HomestayAllocation.night_date < night)
        .group_by(HomestayAllocation.family_id)
    ).all())
    taken = dict(db.session.execute(
        select(HomestayAllocation.family_id, func.sum(HomestayAllocation.guests_planned))
        .join(Departure, live).where(HomestayAllocation.night_date == night)
        .group_by(HomestayAllocation.family_id)
    ).all())
    families = db.session.scalars(
        select(HomestayFamily).where(HomestayFamily.community_id == community_id,
                                     HomestayFamily.active.is_(True),
                                     HomestayFamily.archived_at.is_(None))
    )
    standings = [
        FamilyStanding(family, int(season_nights.get(family.id) or 0), last_hosted.get(family.id),
                       max(0, family.beds - int(taken.get(family.id) or 0)))
        for family in families
    ]
    return sorted(standings, key=rotation_key)


@dataclass(frozen=True)
class Suggestion:
    """The rotation's placement for one night, and how many guests found no bed."""

    night: date
    community: Community
    placements: list[tuple[HomestayFamily, int]]
    unplaced: int


def suggest_night(departure: Departure, night: date, community: Community) -> Suggestion:
    """Place the departure's travellers on `night` with families in rotation order."""
    remaining = len(departure.travellers)
    placements = []
    for standing in family_standings(community.id, night, departure.id):
        if remaining == 0:
            break
        guests = min(standing.free_beds, remaining)
        if guests > 0:
            placements.append((standing.family, guests))
            remaining -= guests
    return Suggestion(night, community, placements, remaining)


def _night_community(departure: Departure, night: date) -> Community:
    for day_night, day in homestay_nights(departure):
        if day_night == night:
            return day.night_community
    raise AllocationRefused(_("%(date)s is not a homestay night of departure %(code)s.",
                              date=format_date(night), code=departure.code), "night_date")


def allocate_night(departure: Departure, night: date, placements: list[tuple[HomestayFamily, int]],
                   reason: str | None, actor_id: int | None) -> list[HomestayAllocation]:
    """Replace the night's allocations with `placements`; differing from the rotation needs a reason."""
    require_status(departure, PLANNING, _("Allocating homestays"))
    community = _night_community(departure, night)
    travellers = len(departure.travellers)
    reason = (reason or "").strip() or None
    if placements and travellers == 0:
        raise AllocationRefused(_("Add the travellers before placing them with families."))
    standings = {s.family.id: s for s in family_standings(community.id, night, departure.id)}
    seen: set[int] = set()
    for family, guests in placements:
        if family.id in seen:
            raise AllocationRefused(_("%(family)s appears twice for the same night.",
                                      family=family.household_head))
        seen.add(family.id)
        if family.community_id != community.id:
            raise AllocationRefused(_("%(family)s lives in %(theirs)s, not in %(community)s where the group sleeps that night.",
                                      family=family.household_head, theirs=family.community.name,
                                      community=community.name))
        if family.id not in standings:
            raise AllocationRefused(_("%(family)s is not hosting at present (inactive or archived).",
                                      family=family.household_head))
        if guests < 1:
            raise AllocationRefused(_("Each family placed hosts at least one guest."))
        free = standings[family.id].free_beds
        if guests > free:
            raise AllocationRefused(_("%(family)s has %(beds)d beds, %(free)d free that night: %(guests)d guests do not fit.",
                                      family=family.household_head, beds=family.beds, free=free,
                                      guests=guests))
    total = sum(guests for _family, guests in placements)
    if total > travellers:
        raise AllocationRefused(_("%(total)d guests placed, but the group has %(count)d travellers.",
                                  total=total, count=travellers))
    suggestion = suggest_night(departure, night, community)
    suggested = {(family.id, guests) for family, guests in suggestion.placements}
    chosen = {(family.id, guests) for family, guests in placements}
    follows_rotation = chosen == suggested or not placements
    if not follows_rotation and reason is None:
        proposal = ", ".join(f"{family.household_head} ({guests})" for family, guests in suggestion.placements)
        raise AllocationRefused(_("This differs from the rotation's suggestion (%(proposal)s): write the reason.",
                                  proposal=proposal or "—"), "reason")

    for old in [a for a in departure.homestay_allocations if a.night_date == night]:
        record_change(actor_id, "delete", old, before=snapshot(old), after=None, reason=reason,
                      summary=f"{departure.code}: {old.family.household_head}")
        departure.homestay_allocations.remove(old)
        db.session.delete(old)
    db.session.flush()
    created = []
    for family, guests in placements:
        allocation = HomestayAllocation(
            family=family, night_date=night, guests_planned=guests,
            suggested=(family.id, guests) in suggested,
            override_reason=None if follows_rotation else reason,
        )
        departure.homestay_allocations.append(allocation)
        record_change(actor_id, "allocate" if follows_rotation else "override", allocation,
                      reason=None if follows_rotation else reason,
                      summary=f"{departure.code} {night.isoformat()}: {family.household_head} ({guests})")
        created.append(allocation)
    return created


def accept_suggestions(departure: Departure, actor_id: int | None) -> int:
    """Allocate every homestay night that has no family yet as the rotation suggests."""
    require_status(departure, PLANNING, _("Allocating homestays"))
    if not departure.travellers:
        raise AllocationRefused(_("Add the travellers before placing them with families."))
    allocated = 0
    for night, day in homestay_nights(departure):
        if any(a.night_date == night for a in departure.homestay_allocations):
            continue
        suggestion = suggest_night(departure, night, day.night_community)
        if suggestion.placements:
            allocate_night(departure, night, suggestion.placements, None, actor_id)
            allocated += 1
    return allocated


# --- Fairness ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyShare:
    """One family's guest-nights in a season."""

    family: HomestayFamily
    guest_nights: int
    last_hosted: date | None


@dataclass(frozen=True)
class Fairness:
    """How a community's guest-nights spread over its families in one season."""

    community: Community
    season: int
    shares: list[FamilyShare]
    gini: float

    @property
    def total(self) -> int:
        """All guest-nights of the season in this community."""
        return sum(share.guest_nights for share in self.shares)

    @property
    def most(self) -> FamilyShare | None:
        """The family with the most guest-nights."""
        return max(self.shares, key=lambda s: (s.guest_nights, -s.family.id), default=None)

    @property
    def least(self) -> FamilyShare | None:
        """The family with the fewest guest-nights."""
        return min(self.shares, key=lambda s: (s.guest_nights, s.family.id), default=None)


def community_fairness(community: Community, season: int) -> Fairness:
    """Guest-nights per family of `community` in `season`: active families, and any that hosted."""
    first, last = date(season, 1, 1), date(season, 12, 31)
    live = _live_allocations(None)
    rows = db.session.execute(
        select(HomestayAllocation.family_id, func.sum(GUESTS), func.max(HomestayAllocation.night_date))
        .join(Departure, live).join(HomestayFamily, HomestayFamily.id == HomestayAllocation.family_id)
        .where(HomestayFamily.community_id == community.id,
               HomestayAllocation.night_date.between(first, last))
        .group_by(HomestayAllocation.family_id)
    ).all()
    hosted = {family_id: (int(nights), last_night) for family_id, nights, last_night in rows}
    families = db.session.scalars(
        select(HomestayFamily).where(HomestayFamily.community_id == community.id)
        .order_by(HomestayFamily.household_head)
    )
    shares = [
        FamilyShare(family, *hosted.get(family.id, (0, None)))
        for family in families
        if family.id in hosted or (family.active and not family.is_archived)
    ]
    return Fairness(community, season, shares, gini([share.guest_nights for share in shares]))
