"""Issuing impact reports and checking them: numbering, storing the PDF and figures, hashes.

Services flush and audit; the caller commits. An issued report is never changed afterwards.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date

from flask import current_app, has_request_context, url_for
from sqlalchemy import Select, func, or_, select

from app.accounts.models import User
from app.accounts.roles import Role
from app.audit.services import record_change
from app.clock import today_lima
from app.extensions import db
from app.impact.compute import ImpactError, compute_figures, make_period, open_months
from app.impact.figures import ImpactFigures, canonical_json, figures_sha256, from_json
from app.impact.models import Basis, ImpactReport
from app.impact.render import Issue, Rendered, render_pdf
from app.partners.models import Partner

HEX_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PeriodNotClosed(ImpactError):
    """Only closed months can be reported on officially."""

    def __init__(self, months: list[str]) -> None:
        super().__init__(f"these months are not closed in the ledger: {', '.join(months)}")
        self.months = months


class PartnerArchived(ImpactError):
    """An archived organisation receives no new reports."""


def render_settings() -> dict[str, str]:
    """What every rendering needs besides the figures: the operator's name, the verify page."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        verify_url = base.rstrip("/") + "/verify"
    elif has_request_context():
        verify_url = url_for("impact.verify", _external=True)
    else:
        verify_url = "/verify"
    return {"operator": current_app.config.get("OPERATOR_NAME", "Lares Ledger"), "verify_url": verify_url}


def render_draft(figures: ImpactFigures, language: str, organisation: str | None = None) -> Rendered:
    """A draft PDF (watermarked, unnumbered) of freshly computed figures."""
    return render_pdf(figures, language, organisation=organisation, **render_settings())


def _next_sequence(year: int) -> int:
    last = db.session.scalar(select(func.max(ImpactReport.sequence)).where(ImpactReport.year == year))
    return (last or 0) + 1


def issue_report(partner: Partner, start: date, end: date, basis: Basis | str, actor_id: int,
                 community_slugs: Iterable[str] | None = None, language: str | None = None
                 ) -> ImpactReport:
    """Compute, render and store a numbered report for a closed period, issued to `partner`.

    Communities default to the partner's communities of interest; the language to the
    partner's. The unique (year, sequence) pair keeps numbers from repeating if two people
    issue at once: the second commit fails and nothing of it is kept.
    """
    period = make_period(start, end)
    if partner.archived:
        raise PartnerArchived(f"{partner.name} is archived and receives no new reports")
    still_open = open_months(period)
    if still_open:
        raise PeriodNotClosed(still_open)
    slugs = [c.slug for c in partner.communities] if community_slugs is None else list(community_slugs)
    figures = compute_figures(period.start, period.end, basis, slugs)
    digest = figures_sha256(figures)
    issued_on = today_lima()
    sequence = _next_sequence(issued_on.year)
    number = f"IMP-{issued_on.year}-{sequence:04d}"
    rendered = render_pdf(figures, language or partner.language, organisation=partner.name,
                          issue=Issue(number, issued_on, digest), **render_settings())
    report = ImpactReport(
        number=number, year=issued_on.year, sequence=sequence, partner_id=partner.id,
        period_from=period.start, period_to=period.end, basis=Basis(figures.basis),
        language=language or partner.language, figures_json=canonical_json(figures),
        figures_sha256=digest, pdf=rendered.pdf, pdf_sha256=hashlib.sha256(rendered.pdf).hexdigest(),
        issued_by_id=actor_id,
    )
    db.session.add(report)
    db.session.flush()
    record_change(actor_id, "issue", report, after={
        "number": number, "partner": partner.name, "period_from": period.start.isoformat(),
        "period_to": period.end.isoformat(), "basis": figures.basis, "scope": list(figures.scope),
        "figures_sha256": digest, "pdf_sha256": report.pdf_sha256, "pages": rendered.pages,
    }, summary=f"{number} to {partner.name}")
    return report


def stored_figures(report: ImpactReport) -> ImpactFigures:
    """The figures an issued report was rendered from, exactly as stored."""
    return from_json(report.figures_json)


def recompute(report: ImpactReport) -> ImpactFigures:
    """The figures of an issued report's period, scope and basis, computed again now."""
    scope = stored_figures(report).scope_slugs
    return compute_figures(report.period_from, report.period_to, report.basis, scope)


def normalise_hash(text: str | None) -> str | None:
    """A SHA-256 as 64 lowercase hex digits, or None when the text is not one."""
    cleaned = re.sub(r"\s+", "", text or "").lower()
    return cleaned if HEX_SHA256.match(cleaned) else None


def reports_visible_to(user: User) -> Select:
    """Issued reports, newest first: a partner's own organisation's only, all of them for staff."""
    query = select(ImpactReport).order_by(ImpactReport.issued_at.desc(), ImpactReport.id.desc())
    if user.role == Role.PARTNER:
        query = query.where(ImpactReport.partner_id == user.partner_id)
    return query


def find_reports_by_hash(digest: str) -> list[ImpactReport]:
    """Issued reports whose figures hash or PDF hash is `digest` (already normalised)."""
    return list(db.session.scalars(
        select(ImpactReport)
        .where(or_(ImpactReport.figures_sha256 == digest, ImpactReport.pdf_sha256 == digest))
        .order_by(ImpactReport.issued_at)
    ))
