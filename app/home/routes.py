"""Landing page: each role starts where its work is."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.accounts.roles import ALL_ROLES, roles_required

blueprint = Blueprint("home", __name__)


@blueprint.route("/")
@roles_required(*ALL_ROLES)
def index():
    """The start page, with the shortcuts of the user's role."""
    return render_template("home/index.html")
