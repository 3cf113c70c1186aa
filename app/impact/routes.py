"""Impact reports in the app: the form, the HTML preview, draft PDFs, issuing, the partner's
list of issued reports, and the public verify page.

Views are thin: parse the form, call one service, commit, flash, redirect.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts.roles import ALL_ROLES, Role, public, roles_required
from app.clock import today_lima
from app.extensions import db
from app.impact import charts
from app.impact.compute import ImpactError, compute_figures
from app.impact.forms import IssueForm, ReportForm
from app.impact.models import ImpactReport
from app.impact.periods import Preset, preset_period
from app.impact.render import formatters, period_label
from app.impact.services import (
    PartnerArchived,
    PeriodNotClosed,
    find_reports_by_hash,
    issue_report,
    normalise_hash,
    render_draft,
    reports_visible_to,
    stored_figures,
)
from app.partners.models import Partner
from app.registries.models import Community
from app.registries.routes import commit_change, get_or_404, paginate

blueprint = Blueprint("impact", __name__, template_folder="templates")

READERS = (Role.ADMIN, Role.ACCOUNTANT, Role.MANAGER)
ISSUERS = (Role.ADMIN, Role.ACCOUNTANT)


def _communities():
    return db.session.scalars(select(Community).order_by(Community.name)).all()


def _report_form() -> ReportForm:
    form = ReportForm(request.args)
    form.set_community_choices(_communities())
    return form


def _issue_form(**kwargs) -> IssueForm:
    form = IssueForm(**kwargs)
    form.set_community_choices(_communities())
    form.set_partner_choices(db.session.scalars(
        select(Partner).where(Partner.archived.is_(False)).order_by(Partner.name)))
    return form


def _display(language: str | None = None) -> dict:
    """What the figures templates need to format numbers in the reader's language."""
    language = language or str(get_locale())
    return {"fmt": formatters(language if language in ("es", "en") else "es"), "charts": charts}


def _presets(form: ReportForm) -> list[tuple[str, dict]]:
    """Shortcuts on the form: last month, last quarter, this year's season, last year. Each is
    the preview's query string for that period, keeping the form's communities, basis and
    language (plain links: no script needed)."""
    today = today_lima()
    last_month = today.replace(day=1) - timedelta(days=1)
    quarter = (today.month - 1) // 3
    q_year, q_number = (today.year - 1, 4) if quarter == 0 else (today.year, quarter)
    season_year = today.year if today.month >= 10 else today.year - 1
    choices = [
        (_("Last month"), preset_period(Preset.MONTH, last_month.year, last_month.month)),
        (_("Last quarter"), preset_period(Preset.QUARTER, q_year, q_number)),
        (_("Dry season %(year)s", year=season_year), preset_period(Preset.SEASON, season_year)),
        (_("Year %(year)s", year=today.year - 1), preset_period(Preset.YEAR, today.year - 1)),
    ]
    kept = form.choice_args()
    return [(label, {**kept, "start": p.start.isoformat(), "end": p.end.isoformat()}) for label, p in choices]


@blueprint.route("/impact")
@roles_required(*READERS)
def report_form():
    """Choose a period, communities and basis for an impact report."""
    form = _report_form()
    if not request.args:
        form.lang.data = str(get_locale())
    return render_template("impact/report_form.html", form=form, presets=_presets(form))


def _computed(form: ReportForm):
    """The form's figures, or None with the errors put on the form."""
    if not form.validate():
        return None
    try:
        return compute_figures(form.start.data, form.end.data, form.basis.data, form.communities.data)
    except ImpactError as exc:
        form.form_errors.append(str(exc))
        return None


@blueprint.route("/impact/preview")
@roles_required(*READERS)
def preview():
    """The report in the browser, from the same figures object the PDF is rendered from."""
    form = _report_form()
    figures = _computed(form)
    if figures is None:
        return render_template("impact/report_form.html", form=form, presets=_presets(form)), 400
    issue_form = _issue_form(formdata=None)
    return render_template(
        "impact/preview.html", form=form, figures=figures, issue_form=issue_form,
        closed=not open_months_of(figures), args=form.query_args(),
        period=period_label(figures.period_from, figures.period_to, str(get_locale())),
        **_display(),
    )


def open_months_of(figures) -> list[str]:
    """The months of the figures' period still open in the ledger (from the figures' warnings)."""
    return next((list(w.items) for w in figures.warnings if w.code == "open_period"), [])


def _pdf_response(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blueprint.route("/impact/draft.pdf")
@roles_required(*READERS)
def draft_pdf():
    """Download the previewed report as a draft PDF (watermarked, not numbered)."""
    form = _report_form()
    figures = _computed(form)
    if figures is None:
        return render_template("impact/report_form.html", form=form, presets=_presets(form)), 400
    rendered = render_draft(figures, form.lang.data)
    return _pdf_response(rendered.pdf, f"impact-draft-{figures.period_from}-{figures.period_to}.pdf")


@blueprint.route("/impact/issue", methods=["POST"])
@roles_required(*ISSUERS)
def issue():
    """Issue the previewed report, for a closed period, to a partner organisation."""
    form = _issue_form()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for(".report_form"))
    args = form.query_args()
    partner = get_or_404(Partner, form.partner_id.data)
    try:
        report = issue_report(partner, form.start.data, form.end.data, form.basis.data, current_user.id,
                              community_slugs=form.communities.data, language=form.lang.data)
    except PeriodNotClosed as exc:
        flash(_("Only closed months can be issued. Still open: %(months)s.", months=", ".join(exc.months)), "error")
        return redirect(url_for(".preview", **args))
    except PartnerArchived:
        flash(_("This organisation is archived and receives no new reports."), "error")
        return redirect(url_for(".preview", **args))
    except ImpactError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".preview", **args))
    commit_change(_("Report %(number)s issued to %(partner)s.", number=report.number, partner=partner.name))
    return redirect(url_for(".issued_detail", report_id=report.id))


def _readable_report(report_id: int) -> ImpactReport:
    report = get_or_404(ImpactReport, report_id)
    if current_user.role == Role.PARTNER and report.partner_id != current_user.partner_id:
        abort(403)
    return report


@blueprint.route("/impact/reports")
@roles_required(*ALL_ROLES)
def issued_list():
    """Issued reports: a partner's own organisation's, or all of them for staff."""
    return render_template("impact/issued_list.html", page=paginate(reports_visible_to(current_user)))


@blueprint.route("/impact/reports/<int:report_id>")
@roles_required(*ALL_ROLES)
def issued_detail(report_id: int):
    """One issued report: who received it, its hashes, and its figures as issued."""
    report = _readable_report(report_id)
    figures = stored_figures(report)
    return render_template(
        "impact/issued_detail.html", report=report, figures=figures,
        period=period_label(figures.period_from, figures.period_to, str(get_locale())), **_display(),
    )


@blueprint.route("/impact/reports/<int:report_id>/pdf")
@roles_required(*ALL_ROLES)
def issued_pdf(report_id: int):
    """Download the issued report's PDF, exactly as issued."""
    report = _readable_report(report_id)
    return _pdf_response(report.pdf, f"{report.number}.pdf")


@blueprint.route("/verify", methods=["GET", "POST"])
@public
def verify():
    """Check a report by its hash, or by its PDF file: which report, period and organisation it
    belongs to, nothing else."""
    text = request.args.get("hash", "")
    upload = request.files.get("pdf") if request.method == "POST" else None
    if upload is not None and upload.filename:
        digest = hashlib.sha256(upload.read()).hexdigest()
        text = digest
    else:
        digest = normalise_hash(text)
    matches = find_reports_by_hash(digest) if digest else []
    searched = bool(text) or request.method == "POST"
    return render_template("impact/verify.html", text=text, digest=digest, matches=matches,
                           searched=searched), (400 if searched and not digest else 200)
