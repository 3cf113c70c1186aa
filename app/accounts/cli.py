"""`flask users create|set-password|deactivate`."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.roles import Role
from app.accounts.services import (
    AccountError,
    create_user,
    deactivate_user,
    normalise_email,
    set_password,
)
from app.extensions import db
from app.partners.models import Partner

users_cli = AppGroup("users", help="Manage user accounts.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _find_user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"no account with email {email}")
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--name", "full_name", default=None, help="Full name (defaults to the email).")
@click.option("--language", type=click.Choice(["es", "en"]), default="es")
@click.option("--partner", "partner_name", default=None, help="Partner organisation (partner role).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email, role, full_name, language, partner_name, password_stdin):
    """Create an account with a role; the password comes from a prompt or stdin."""
    partner_id = None
    if partner_name:
        partner = db.session.scalar(select(Partner).where(Partner.name == partner_name))
        if partner is None:
            raise click.ClickException(f"no partner organisation named {partner_name}")
        partner_id = partner.id
    password = _read_password(password_stdin)
    try:
        user = create_user(
            email, full_name or email, Role(role), password, language=language, partner_id=partner_id
        )
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {user.email} ({user.role.value})")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password_command(email, password_stdin):
    """Set a new password for an account."""
    user = _find_user(email)
    try:
        set_password(user, _read_password(password_stdin))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"password changed for {user.email}")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email):
    """Stop an account from signing in (its history stays)."""
    user = _find_user(email)
    try:
        deactivate_user(user)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"deactivated {user.email}")
