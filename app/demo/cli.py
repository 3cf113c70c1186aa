"""`flask seed-demo`: load the deterministic demo data into an empty database."""

from __future__ import annotations

import random

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.accounts.models import User
from app.demo.history import MAX_SEASONS, seed_history
from app.demo.impact import seed_impact
from app.demo.ledger import seed_ledger
from app.demo.operations import seed_operations
from app.demo.payments import seed_payments
from app.demo.registries import seed_registries
from app.demo.users import DEMO_PASSWORD, DEMO_USERS, seed_users
from app.extensions import db


def seed_demo(seed: int = 2026, seasons: int = 1) -> list:
    """Load every capability's demo data, plus `seasons - 1` years of history (flushes only)."""
    rng = random.Random(seed)
    communities = seed_registries(rng)
    seed_operations(communities, rng)
    logins = seed_users(communities)
    if seasons > 1:  # before the ledger's demo, so receipts and ids follow the calendar
        counts = seed_history(seasons, random.Random(f"history-{seed}"))
        click.echo(f"History: {counts.seasons} seasons, {counts.departures} departures, "
                   f"{counts.travellers} travellers, {counts.journal_entries} journal entries, "
                   f"{counts.journal_lines} journal lines, {counts.obligations} obligations, "
                   f"{counts.payments} payments.")
    seed_ledger(communities, rng)
    seed_payments(rng)  # after the ledger's demo and the users: it pays what the ledger owes
    seed_impact()  # last: reports on what every other capability's demo recorded
    return logins


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed.")
@click.option("--seasons", type=click.IntRange(1, MAX_SEASONS), default=1, show_default=True,
              help="Seasons of data ending in the current one (1 = the demo season only).")
@with_appcontext
def seed_demo_command(if_empty: bool, seed: int, seasons: int) -> None:
    """Load the demo data: Lares valley communities, families, weavers, staff, one user per role."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("demo data is never loaded in production")
    has_users = db.session.scalar(select(func.count(User.id))) > 0
    if has_users:
        if not if_empty:
            raise click.ClickException("the database is not empty; demo data goes into an empty one")
        click.echo("Database already has data; demo data not loaded again.")
    else:
        seed_demo(seed, seasons)
        db.session.commit()
        click.echo("Demo data loaded.")
    _print_demo_logins()


def _print_demo_logins() -> None:
    """List the demo sign-ins that exist in this database (none in a real one)."""
    emails = [email for email, *_ in DEMO_USERS]
    users = db.session.scalars(select(User).where(User.email.in_(emails), User.active)).all()
    if users:
        click.echo(f"Demo sign-ins (password: {DEMO_PASSWORD}):")
        for user in sorted(users, key=lambda u: emails.index(u.email)):
            click.echo(f"  {user.role.value:<11} {user.email}")
