"""Landing page: each role starts where its work is."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.accounts.roles import ALL_ROLES, Role, roles_required
from app.impact.routes import issued_list
from app.operations.routes import dashboard as operations_dashboard

blueprint = Blueprint("home", __name__)


@blueprint.route("/")
@roles_required(*ALL_ROLES)
def index():
    """The start page, with the shortcuts of the user's role (partners: their reports)."""
    if current_user.role == Role.MANAGER:
        return operations_dashboard()  # the manager's work starts with the next 14 days
    if current_user.role == Role.PARTNER:
        return issued_list()  # a partner's landing page is its organisation's reports
    return render_template("home/index.html")
