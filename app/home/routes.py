"""Landing page: each role starts where its work is."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.accounts.roles import ALL_ROLES, Role, roles_required
from app.clock import today_lima
from app.impact.services import reports_visible_to
from app.operations.queries import dashboard_page
from app.registries.pages import paginate

blueprint = Blueprint("home", __name__)


@blueprint.route("/")
@roles_required(*ALL_ROLES)
def index():
    """The start page, with the shortcuts of the user's role (partners: their reports)."""
    if current_user.role == Role.MANAGER:  # the manager's work starts with the next 14 days
        return render_template("operations/dashboard.html", **dashboard_page(today_lima()))
    if current_user.role == Role.PARTNER:  # a partner's landing page is its organisation's reports
        return render_template("impact/issued_list.html", page=paginate(reports_visible_to(current_user)))
    return render_template("home/index.html")
