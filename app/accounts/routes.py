"""Sign in and out, one's own account, and (for administrators) everyone's accounts."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy import or_, select

from app.accounts.forms import (
    AccountForm,
    ChangePasswordForm,
    LanguageForm,
    LoginForm,
    PasswordResetForm,
    UserCreateForm,
    UserFilterForm,
)
from app.accounts.models import User
from app.accounts.roles import ALL_ROLES, Role, public, roles_required
from app.accounts.services import (
    AccountError,
    AlreadyInState,
    CannotDeactivateSelf,
    EmailTaken,
    PartnerMismatch,
    SignInsBusy,
    ThrottlePolicy,
    TooManyFailures,
    WrongPassword,
    begin_sign_in,
    change_own_password,
    create_user,
    deactivate_user,
    end_session,
    finish_sign_in,
    reactivate_user,
    set_language,
    set_password,
    start_session,
)
from app.extensions import db
from app.partners.models import Partner
from app.registries.routes import get_or_404, paginate

blueprint = Blueprint("accounts", __name__, template_folder="templates")

# What a refused change means, in the user's language.
REFUSALS = {
    CannotDeactivateSelf: _l("You cannot deactivate your own account."),
    AlreadyInState: _l("Nothing changed: the account was already in that state."),
    EmailTaken: _l("An account with this email already exists."),
    WrongPassword: _l("The current password is not right."),
    PartnerMismatch: _l("Partner users must belong to a partner organisation."),
}


def refusal_message(error: AccountError) -> str:
    """The translated message for a refused account change."""
    return str(REFUSALS.get(type(error), _l("This change could not be made.")))


def _throttle_policy() -> ThrottlePolicy:
    config = current_app.config
    return ThrottlePolicy(
        window_minutes=config["LOGIN_WINDOW_MINUTES"],
        max_per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        max_per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        in_flight_wait_seconds=config["LOGIN_IN_FLIGHT_WAIT_SECONDS"],
    )


def client_address() -> str:
    """The client's address as the sign-in records and the throttle see it."""
    return request.remote_addr or "unknown"


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in; anything else goes to the start page."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


def form_status(form) -> int:
    """400 when a submitted form came back with errors, else 200."""
    return 400 if form.errors else 200


# --- Signing in and out ------------------------------------------------------------------------


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with email and password; repeated failures are throttled."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        address = client_address()
        policy = _throttle_policy()
        try:
            pending = begin_sign_in(form.email.data, address, policy)
        except (TooManyFailures, SignInsBusy) as refusal:
            db.session.commit()  # nothing was recorded; this ends the transaction and its lock
            if isinstance(refusal, SignInsBusy):
                flash(_("Many sign-ins are being checked at this moment. Try again in a few "
                        "seconds."), "error")
            else:
                flash(_("Too many failed sign-ins. Wait %(minutes)d minutes and try again.",
                        minutes=policy.window_minutes), "error")
            return render_template("accounts/login.html", form=form), 429
        # Two commits, on purpose: the attempt counts for everyone, and the lock is let go,
        # before the slow password check; its outcome is a second, short write.
        db.session.commit()
        user = finish_sign_in(pending, form.password.data)
        if user is None:
            db.session.commit()
            flash(_("Wrong email or password."), "error")
            return render_template("accounts/login.html", form=form), 200
        session.clear()  # a new session on sign-in: nothing from before survives (fixation)
        start_session(user, address)
        db.session.commit()
        login_user(user)
        return redirect(safe_next(form.next.data))
    return render_template("accounts/login.html", form=form), form_status(form)


@blueprint.route("/logout", methods=["POST"])
@roles_required(*ALL_ROLES)
def logout():
    """Sign out: this browser's session ends on the server, so a copy of its cookie is dead."""
    end_session(current_user.session_token)
    db.session.commit()
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
    return redirect(safe_next(request.form.get("next")))


# --- One's own account -------------------------------------------------------------------------


@blueprint.route("/account", methods=["GET", "POST"])
@roles_required(*ALL_ROLES)
def my_account():
    """The signed-in user's own settings: the interface language."""
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        set_language(current_user, form.language.data)
        session["language"] = form.language.data
        db.session.commit()
        flash(_("Your settings are saved."), "success")
        return redirect(url_for(".my_account"))
    return render_template("accounts/my_account.html", form=form), form_status(form)


@blueprint.route("/account/password", methods=["GET", "POST"])
@roles_required(*ALL_ROLES)
def change_password():
    """Change one's own password (the current one is required)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_own_password(current_user, form.current_password.data, form.password.data)
        except WrongPassword as error:
            form.current_password.errors.append(refusal_message(error))
        else:
            # Every session ended with the old password; this browser carries on in a new one.
            user = current_user._get_current_object()
            start_session(user, client_address())
            db.session.commit()
            login_user(user)
            flash(_("Your password is changed."), "success")
            return redirect(url_for(".my_account"))
    return render_template(
        "accounts/form.html", form=form, title=_("Change my password"),
        cancel_url=url_for(".my_account"),
    ), form_status(form)


# --- Administering accounts --------------------------------------------------------------------


@blueprint.route("/users")
@roles_required(Role.ADMIN)
def user_list():
    """Every account, searchable by name or email and filtered by role and status."""
    filters = UserFilterForm(request.args)
    filters.validate()
    query = select(User).order_by(User.full_name, User.id)
    if filters.q.data and not filters.q.errors:
        pattern = f"%{filters.q.data.replace('%', '').replace('_', '')}%"
        query = query.where(or_(User.full_name.ilike(pattern), User.email.ilike(pattern)))
    if filters.role.data in {role.value for role in Role}:
        query = query.where(User.role == Role(filters.role.data))
    if filters.status.data in ("active", "inactive"):
        query = query.where(User.active.is_(filters.status.data == "active"))
    return render_template("accounts/user_list.html", page=paginate(query), filters=filters)


@blueprint.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_create():
    """Add an account with a role (partner users name their organisation)."""
    partners = db.session.scalars(
        select(Partner).where(Partner.archived.is_(False)).order_by(Partner.name)
    ).all()
    form = UserCreateForm(partners)
    if form.validate_on_submit():
        try:
            user = create_user(
                form.email.data, form.full_name.data, Role(form.role.data), form.password.data,
                language=form.language.data, partner_id=form.partner_value(),
                actor_id=current_user.id,
            )
        except AccountError as error:
            field = form.partner_id if isinstance(error, PartnerMismatch) else form.email
            field.errors.append(refusal_message(error))
        else:
            db.session.commit()
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for(".user_detail", user_id=user.id))
    return render_template(
        "accounts/form.html", form=form, title=_("New account"), cancel_url=url_for(".user_list"),
    ), form_status(form)


@blueprint.route("/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user_detail(user_id: int):
    """One account: role, language, organisation, status, and what can be done to it."""
    return render_template("accounts/user_detail.html", user=get_or_404(User, user_id))


@blueprint.route("/users/<int:user_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def user_deactivate(user_id: int):
    """Stop an account from signing in (its history stays; its session ends)."""
    user = get_or_404(User, user_id)
    return _change_account(lambda: deactivate_user(user, current_user.id), user,
                           _("%(email)s can no longer sign in.", email=user.email))


@blueprint.route("/users/<int:user_id>/reactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def user_reactivate(user_id: int):
    """Let a deactivated account sign in again."""
    user = get_or_404(User, user_id)
    return _change_account(lambda: reactivate_user(user, current_user.id), user,
                           _("%(email)s can sign in again.", email=user.email))


def _change_account(change, user: User, success: str):
    try:
        change()
    except AccountError as error:
        flash(refusal_message(error), "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for(".user_detail", user_id=user.id))


@blueprint.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_reset_password(user_id: int):
    """Set a new password for someone who lost theirs."""
    user = get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        set_password(user, form.password.data, actor_id=current_user.id)
        db.session.commit()
        flash(_("New password set for %(email)s.", email=user.email), "success")
        return redirect(url_for(".user_detail", user_id=user.id))
    return render_template(
        "accounts/form.html", form=form, title=_("New password for %(email)s", email=user.email),
        cancel_url=url_for(".user_detail", user_id=user.id),
    ), form_status(form)
