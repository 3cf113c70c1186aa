"""Demo data: the Lares valley, deterministic, one user per role, never in production."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.demo.cli import seed_demo
from app.extensions import db
from app.registries.models import Community, HomestayFamily, StaffMember, WeavingAssociation

pytest_plugins = ["tests.walk_fixtures"]  # demo: the demo data, seeded once per worker


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_demo_holds_the_lares_communities_and_one_user_per_role(demo):
    db_session = demo
    names = set(db_session.scalars(select(Community.name)))
    assert {"Lares", "Huacahuasi", "Choquecancha", "Quishuarani", "Cuncani", "Patacancha",
            "Kelkanka", "Cancha Cancha", "Willoc"} <= names
    assert 25 <= _count(db_session, HomestayFamily) <= 35
    assert _count(db_session, WeavingAssociation) == 3
    assert 20 <= _count(db_session, StaffMember) <= 30
    roles = sorted(role.value for role in db_session.scalars(select(User.role)))
    assert roles == ["accountant", "admin", "manager", "partner"]


def test_demo_is_deterministic(ctx, db_session, walk_app):
    """Seeded here, on an empty database, it equals the worker's demo seeded on another."""
    seed_demo()
    here = list(db_session.scalars(select(HomestayFamily.household_head).order_by(HomestayFamily.id)))
    with walk_app.app_context(), db.engine.connect() as connection:
        there = list(connection.scalars(select(HomestayFamily.household_head).order_by(HomestayFamily.id)))
    assert here == there and len(here) > 0


def test_seed_demo_command_refuses_a_database_with_data_and_in_production(app, db_session, build):
    build.user()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0 and "not empty" in refused.output
    kept = runner.invoke(args=["seed-demo", "--if-empty"])
    assert kept.exit_code == 0 and "not loaded again" in kept.output
    app.config["ENV_NAME"] = "production"
    try:
        production = runner.invoke(args=["seed-demo", "--if-empty"])
    finally:
        app.config["ENV_NAME"] = "development"
    assert production.exit_code != 0 and "never loaded in production" in production.output
