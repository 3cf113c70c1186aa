"""Partner organisations: list, detail, create, edit, archive and restore (admin manages)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.roles import Role, roles_required
from app.extensions import db
from app.impact.models import ImpactReport
from app.partners.forms import KIND_LABELS, PartnerForm
from app.partners.models import Partner
from app.partners.services import PartnerError, create_partner, set_partner_archived, update_partner
from app.registries.models import Community
from app.registries.routes import commit_change, get_or_404, paginate

blueprint = Blueprint("partners", __name__, template_folder="templates")

READERS = (Role.ADMIN, Role.ACCOUNTANT, Role.MANAGER)
EDITORS = (Role.ADMIN,)


def _form(partner: Partner | None = None) -> PartnerForm:
    form = PartnerForm(obj=partner)
    form.set_community_choices(db.session.scalars(
        select(Community).where(Community.archived_at.is_(None)).order_by(Community.name)
    ))
    if partner is not None and request.method == "GET":
        form.community_ids.data = [c.id for c in partner.communities]
    return form


@blueprint.route("/partners")
@roles_required(*READERS)
def partner_list():
    """Partner organisations, with how many reports each has received."""
    show = request.args.get("status", "current")
    query = select(Partner).order_by(Partner.name)
    if show != "all":
        query = query.where(Partner.archived.is_(show == "archived"))
    page = paginate(query)
    ids = [partner.id for partner in page.items]
    counts = dict(db.session.execute(
        select(ImpactReport.partner_id, func.count(ImpactReport.id))
        .where(ImpactReport.partner_id.in_(ids)).group_by(ImpactReport.partner_id)
    ).all()) if ids else {}
    return render_template("partners/partner_list.html", page=page, counts=counts, show=show,
                           kinds=KIND_LABELS)


@blueprint.route("/partners/<int:partner_id>")
@roles_required(*READERS)
def partner_detail(partner_id: int):
    """One organisation: its details, communities, reader accounts and issued reports."""
    partner = get_or_404(Partner, partner_id)
    users = db.session.scalars(select(User).where(User.partner_id == partner.id).order_by(User.full_name)).all()
    reports = db.session.scalars(
        select(ImpactReport).where(ImpactReport.partner_id == partner.id)
        .order_by(ImpactReport.issued_at.desc())
    ).all()
    return render_template("partners/partner_detail.html", partner=partner, users=users,
                           reports=reports, kinds=KIND_LABELS)


@blueprint.route("/partners/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def partner_create():
    """Add a partner organisation."""
    form = _form()
    if form.validate_on_submit():
        try:
            partner = create_partner(form.values(), current_user.id)
        except PartnerError as exc:
            form.name.errors.append(_("An organisation with this name already exists.")
                                    if exc.field == "name" else str(exc))
        else:
            commit_change(_("Organisation %(name)s added.", name=partner.name))
            return redirect(url_for(".partner_detail", partner_id=partner.id))
    return render_template("registries/form.html", form=form, title=_("New partner organisation"),
                           cancel_url=url_for(".partner_list")), (400 if form.errors else 200)


@blueprint.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def partner_edit(partner_id: int):
    """Edit an organisation's details and communities of interest."""
    partner = get_or_404(Partner, partner_id)
    form = _form(partner)
    if form.validate_on_submit():
        try:
            update_partner(partner, form.values(), current_user.id)
        except PartnerError as exc:
            if exc.field == "name":
                form.name.errors.append(_("An organisation with this name already exists."))
            else:
                flash(_("Archived organisations cannot be edited; restore it first."), "error")
        else:
            commit_change(_("Organisation %(name)s saved.", name=partner.name))
            return redirect(url_for(".partner_detail", partner_id=partner.id))
    return render_template("registries/form.html", form=form, title=_("Edit %(name)s", name=partner.name),
                           cancel_url=url_for(".partner_detail", partner_id=partner.id)), (400 if form.errors else 200)


@blueprint.route("/partners/<int:partner_id>/archive", methods=["POST"])
@roles_required(*EDITORS)
def partner_archive(partner_id: int):
    """Archive an organisation: its reports and readers stay, it leaves the issuing choices."""
    return _set_archived(get_or_404(Partner, partner_id), True)


@blueprint.route("/partners/<int:partner_id>/restore", methods=["POST"])
@roles_required(*EDITORS)
def partner_restore(partner_id: int):
    """Bring an archived organisation back."""
    return _set_archived(get_or_404(Partner, partner_id), False)


def _set_archived(partner: Partner, archived: bool):
    try:
        set_partner_archived(partner, archived, current_user.id)
    except PartnerError:
        flash(_("Nothing to do: the organisation is already in that state."), "error")
    else:
        commit_change(_("Organisation %(name)s archived.", name=partner.name) if archived
                      else _("Organisation %(name)s restored.", name=partner.name))
    return redirect(url_for(".partner_detail", partner_id=partner.id))
