"""Sign in, sign out, choose a language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.accounts.forms import LanguageForm, LoginForm
from app.accounts.roles import ALL_ROLES, public, roles_required
from app.accounts.services import ThrottlePolicy, authenticate, is_throttled, set_language
from app.extensions import db

blueprint = Blueprint("accounts", __name__, template_folder="templates")


def _throttle_policy() -> ThrottlePolicy:
    config = current_app.config
    return ThrottlePolicy(
        window_minutes=config["LOGIN_WINDOW_MINUTES"],
        max_per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        max_per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
    )


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with email and password; repeated failures are throttled."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        policy = _throttle_policy()
        if is_throttled(form.email.data, address, policy):
            flash(
                _("Too many failed sign-ins. Wait %(minutes)d minutes and try again.",
                  minutes=policy.window_minutes),
                "error",
            )
            return render_template("accounts/login.html", form=form), 429
        user = authenticate(form.email.data, form.password.data, address, policy)
        db.session.commit()
        if user is None:
            flash(_("Wrong email or password."), "error")
            return render_template("accounts/login.html", form=form), 200
        session.clear()  # a new session on sign-in: nothing from before survives
        login_user(user)
        return redirect(_safe_next(form.next.data))
    return render_template("accounts/login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
@roles_required(*ALL_ROLES)
def logout():
    """Sign out."""
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@blueprint.route("/language", methods=["POST"])
@public
def choose_language():
    """Switch the interface language (remembered on the account when signed in)."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            set_language(current_user, form.language.data)
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
