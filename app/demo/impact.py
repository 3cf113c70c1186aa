"""Demo impact report: the 2026 dry season, issued to the demo partner once its months are closed.

Runs last, after the ledger's demo has posted the season and closed its months (and the
payments' demo has paid what it pays). If the season is not closed in this database, nothing
is issued: an impact report is only ever issued for closed months.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.roles import Role
from app.extensions import db
from app.impact.compute import open_months
from app.impact.models import Basis, ImpactReport
from app.impact.periods import Preset, preset_period
from app.impact.services import issue_report
from app.partners.models import Partner

DEMO_PARTNER = "Tejiendo Futuro (demo NGO)"
DEMO_SEASON_YEAR = 2026


def seed_impact() -> ImpactReport | None:
    """Issue the 2026 dry-season report (accrual) to the demo partner, if the season is closed."""
    partner = db.session.scalar(select(Partner).where(Partner.name == DEMO_PARTNER))
    issuer = db.session.scalar(select(User).where(User.role == Role.ACCOUNTANT).order_by(User.id).limit(1))
    season = preset_period(Preset.SEASON, DEMO_SEASON_YEAR)
    if partner is None or issuer is None or open_months(season):
        return None
    return issue_report(partner, season.start, season.end, Basis.ACCRUAL, issuer.id)


def demo_year() -> tuple[date, date]:
    """The demo's calendar year, for measuring a year's report."""
    year = preset_period(Preset.YEAR, DEMO_SEASON_YEAR)
    return year.start, year.end
