"""`flask users ...`: the office creates and repairs accounts from the shell."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.roles import Role

PASSWORD = "cusco-lares-2026"


@pytest.fixture
def runner(app, db_session):
    """A CLI runner whose commands share the test's rolled-back transaction."""
    return app.test_cli_runner()


def find(db_session, email) -> User | None:
    return db_session.scalar(select(User).where(User.email == email))


def test_create_user_with_password_from_stdin(runner, db_session):
    result = runner.invoke(args=["users", "create", "Carmen@Lares.example", "--role", "accountant",
                                 "--name", "Carmen Huamán", "--language", "en", "--password-stdin"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "created carmen@lares.example (accountant)" in result.output
    carmen = find(db_session, "carmen@lares.example")
    assert carmen.full_name == "Carmen Huamán" and carmen.language == "en"
    assert carmen.role == Role.ACCOUNTANT and carmen.check_password(PASSWORD)


def test_create_user_with_password_from_a_prompt_typed_twice(runner, db_session):
    result = runner.invoke(args=["users", "create", "ana@lares.example", "--role", "admin"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # the prompt hides what is typed
    assert find(db_session, "ana@lares.example").check_password(PASSWORD)


def test_create_partner_user_names_the_organisation(runner, build, db_session):
    build.partner(name="Awamaki")
    result = runner.invoke(args=["users", "create", "reader@awamaki.example", "--role", "partner",
                                 "--partner", "Awamaki", "--password-stdin"], input=PASSWORD)
    assert result.exit_code == 0, result.output
    assert find(db_session, "reader@awamaki.example").partner.name == "Awamaki"


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["--role", "partner"], PASSWORD, "partner users need an organisation"),
        (["--role", "partner", "--partner", "Nobody"], PASSWORD, "no partner organisation named Nobody"),
        (["--role", "manager"], "short", "at least 10 characters"),
        (["--role", "wizard"], PASSWORD, "Invalid value for '--role'"),
    ],
)
def test_create_user_refuses_bad_requests_and_writes_nothing(runner, db_session, args, stdin, message):
    result = runner.invoke(args=["users", "create", "x@lares.example", *args, "--password-stdin"], input=stdin)
    assert result.exit_code != 0 and message in result.output
    assert find(db_session, "x@lares.example") is None


def test_create_user_refuses_an_email_already_in_use(runner, build, db_session):
    build.user(email="ana@lares.example", full_name="Ana Torres")
    result = runner.invoke(args=["users", "create", "ANA@lares.example", "--role", "admin",
                                 "--password-stdin"], input=PASSWORD)
    assert result.exit_code == 1 and "already exists" in result.output


def test_set_password_from_stdin_and_from_prompt(runner, build):
    user = build.user(email="ana@lares.example")
    result = runner.invoke(args=["users", "set-password", "ana@lares.example", "--password-stdin"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert user.check_password(PASSWORD)
    other = "another-long-password"
    result = runner.invoke(args=["users", "set-password", "ana@lares.example"], input=f"{other}\n{other}\n")
    assert result.exit_code == 0, result.output
    assert user.check_password(other)


def test_prompted_passwords_must_match(runner, build):
    user = build.user(email="ana@lares.example")
    result = runner.invoke(args=["users", "set-password", "ana@lares.example"],
                           input=f"{PASSWORD}\ntypo-{PASSWORD}\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0 and "do not match" in result.output
    assert user.check_password(PASSWORD)


def test_set_password_refuses_unknown_account_and_short_password(runner, build):
    user = build.user(email="ana@lares.example")
    unknown = runner.invoke(args=["users", "set-password", "nobody@lares.example", "--password-stdin"], input=PASSWORD)
    assert unknown.exit_code == 1 and "no account with email nobody@lares.example" in unknown.output
    short = runner.invoke(args=["users", "set-password", "ana@lares.example", "--password-stdin"], input="short")
    assert short.exit_code == 1 and not user.check_password("short")


def test_deactivate_stops_sign_in(runner, build, app):
    user = build.user(email="ana@lares.example")
    result = runner.invoke(args=["users", "deactivate", "Ana@lares.example"])
    assert result.exit_code == 0 and "deactivated ana@lares.example" in result.output
    assert user.active is False
    response = app.test_client().post("/login", data={"email": user.email, "password": "correct-horse-battery"})
    assert response.status_code == 200  # the form again, not a redirect into the app
    again = runner.invoke(args=["users", "deactivate", "ana@lares.example"])
    assert again.exit_code == 1 and "already deactivated" in again.output
