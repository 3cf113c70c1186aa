"""Registry pages: list, detail, create, edit, archive and restore.

Views are thin: parse the form, call one service, commit, flash, redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.accounts.roles import Role, roles_required
from app.extensions import db
from app.registries.forms import CommunityForm, ListFilterForm
from app.registries.models import Community
from app.registries.queries import filter_by_status, search_text
from app.registries.services import (
    RegistryError,
    archive_record,
    create_record,
    restore_record,
    update_record,
)

blueprint = Blueprint("registries", __name__, template_folder="templates")

READERS = (Role.ADMIN, Role.MANAGER, Role.ACCOUNTANT)
EDITORS = (Role.ADMIN, Role.MANAGER)


def get_or_404(model, record_id: int):
    """The record with this id, or a 404 page."""
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    return record


MAX_PAGE = 100_000  # far beyond any list here; keeps OFFSET inside a 64-bit integer


def paginate(query):
    """One page of `query`, from the `page` query argument (junk or huge numbers: page 1)."""
    page = request.args.get("page", 1, type=int)
    if page is None or not 1 <= page <= MAX_PAGE:
        page = 1
    return db.paginate(query, page=page, per_page=current_app.config["PER_PAGE"], error_out=False)


def commit_change(message: str) -> None:
    """Commit the request's one transaction and tell the user."""
    db.session.commit()
    flash(message, "success")


# --- Communities -----------------------------------------------------------------------------


@blueprint.route("/communities")
@roles_required(*READERS)
def community_list():
    """Communities, searchable by name or district."""
    filters = ListFilterForm(request.args)
    filters.validate()
    query = select(Community).order_by(Community.name)
    query = filter_by_status(query, Community, filters.status.data)
    query = search_text(query, filters.q.data, Community.name, Community.district)
    return render_template(
        "registries/community_list.html", page=paginate(query), filters=filters
    )


@blueprint.route("/communities/<int:community_id>")
@roles_required(*READERS)
def community_detail(community_id: int):
    """One community, with its families and weaving associations."""
    community = get_or_404(Community, community_id)
    return render_template("registries/community_detail.html", community=community)


@blueprint.route("/communities/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def community_create():
    """Add a community."""
    form = CommunityForm()
    if form.validate_on_submit():
        if db.session.scalar(select(Community.id).where(Community.name == form.name.data)):
            form.name.errors.append(_("A community with this name already exists."))
        else:
            community = create_record(Community, form.values(), current_user.id)
            commit_change(_("Community %(name)s added.", name=community.name))
            return redirect(url_for(".community_detail", community_id=community.id))
    return render_template("registries/form.html", form=form, title=_("New community"),
                           cancel_url=url_for(".community_list")), (400 if form.errors else 200)


@blueprint.route("/communities/<int:community_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def community_edit(community_id: int):
    """Edit a community's details."""
    community = get_or_404(Community, community_id)
    form = CommunityForm(obj=community)
    if request.method == "GET":
        form.payment.form.process(obj=community)
    if form.validate_on_submit():
        clash = db.session.scalar(
            select(Community.id).where(Community.name == form.name.data, Community.id != community.id)
        )
        if clash:
            form.name.errors.append(_("A community with this name already exists."))
        else:
            try:
                update_record(community, form.values(), current_user.id)
            except RegistryError as exc:
                flash(str(exc), "error")
            else:
                commit_change(_("Community %(name)s saved.", name=community.name))
                return redirect(url_for(".community_detail", community_id=community.id))
    return render_template("registries/form.html", form=form, title=_("Edit %(name)s", name=community.name),
                           cancel_url=url_for(".community_detail", community_id=community.id)), (400 if form.errors else 200)


@blueprint.route("/communities/<int:community_id>/archive", methods=["POST"])
@roles_required(*EDITORS)
def community_archive(community_id: int):
    """Archive a community (it stays readable; nothing that refers to it changes)."""
    return _archive_or_restore(get_or_404(Community, community_id), ".community_detail", "community_id")


@blueprint.route("/communities/<int:community_id>/restore", methods=["POST"])
@roles_required(*EDITORS)
def community_restore(community_id: int):
    """Bring an archived community back into use."""
    return _archive_or_restore(get_or_404(Community, community_id), ".community_detail", "community_id", restore=True)


def _archive_or_restore(record, detail_endpoint: str, id_arg: str, restore: bool = False):
    try:
        if restore:
            restore_record(record, current_user.id)
        else:
            archive_record(record, current_user.id)
    except RegistryError as exc:
        flash(str(exc), "error")
    else:
        commit_change(_("%(name)s restored.", name=str(record)) if restore
                      else _("%(name)s archived.", name=str(record)))
    return redirect(url_for(detail_endpoint, **{id_arg: record.id}))
