"""Sign-in sessions end on the server: a copied cookie dies with sign-out, deactivation, a new password.

Each test client is its own cookie jar (a browser, or an attacker holding a copied cookie).
"""

from __future__ import annotations

from app.accounts.roles import Role
from tests.conftest import PASSWORD

NEW_PASSWORD = "llama-wool-2026-new"


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password},
                       headers={"Accept-Language": "en"})


def copy_cookie(source, target) -> None:
    """Put `source`'s session cookie into `target`'s jar, as someone who copied it would."""
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost")


def is_refused(response) -> bool:
    """Sent to the sign-in page: the cookie no longer opens a session."""
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_cookie_copied_before_sign_out_is_refused_after_it(client, build, app):
    rosa = build.user(email="rosa@lares.example")
    assert sign_in(client, rosa.email).status_code == 302
    thief = app.test_client()
    copy_cookie(client, thief)
    assert thief.get("/account").status_code == 200  # the copy works while the session is open
    assert client.post("/logout").status_code == 302
    assert is_refused(thief.get("/account"))
    assert is_refused(client.get("/account"))


def test_signing_out_on_one_device_leaves_the_others_signed_in(client, build, app):
    rosa = build.user(email="rosa@lares.example")
    laptop, phone = client, app.test_client()
    assert sign_in(laptop, rosa.email).status_code == 302
    assert sign_in(phone, rosa.email).status_code == 302
    laptop.post("/logout")
    assert is_refused(laptop.get("/account"))
    assert phone.get("/account").status_code == 200


def test_a_deactivated_users_old_cookie_stays_dead_after_reactivation(client, auth, build, app):
    carmen = build.user(role=Role.ACCOUNTANT, email="carmen@lares.example")
    hers, copied = app.test_client(), app.test_client()
    assert sign_in(hers, carmen.email).status_code == 302
    copy_cookie(hers, copied)
    auth.login_as(Role.ADMIN)
    assert client.post(f"/users/{carmen.id}/deactivate").status_code == 302
    assert is_refused(copied.get("/account"))
    assert client.post(f"/users/{carmen.id}/reactivate").status_code == 302
    assert carmen.active is True
    assert is_refused(copied.get("/account"))
    assert is_refused(hers.get("/account"))
    # Reactivated, she signs in afresh and works again.
    assert sign_in(hers, carmen.email).status_code == 302
    assert hers.get("/account").status_code == 200


def test_a_deactivation_from_the_command_line_ends_the_sessions_too(client, build, app):
    carmen = build.user(role=Role.ACCOUNTANT, email="carmen@lares.example")
    assert sign_in(client, carmen.email).status_code == 302
    result = app.test_cli_runner().invoke(args=["users", "deactivate", carmen.email])
    assert result.exit_code == 0, result.output
    carmen.active = True  # even if someone flips the flag back by hand
    assert is_refused(client.get("/account"))


def test_a_cookie_copied_before_changing_ones_password_is_refused_after_it(client, build, app):
    rosa = build.user(email="rosa@lares.example")
    assert sign_in(client, rosa.email).status_code == 302
    copied = app.test_client()
    copy_cookie(client, copied)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # this browser carries on
    assert is_refused(copied.get("/account"))  # the copy of its old cookie does not


def test_a_session_ends_after_its_working_day(client, build, app, db_session):
    from datetime import timedelta

    from sqlalchemy import select

    from app.accounts.models import SignInSession

    rosa = build.user(email="rosa@lares.example")
    assert sign_in(client, rosa.email).status_code == 302
    assert client.get("/account").status_code == 200
    opened = db_session.scalar(select(SignInSession).where(SignInSession.user_id == rosa.id))
    opened.started_at -= timedelta(hours=app.config["SIGN_IN_SESSION_HOURS"], minutes=1)
    db_session.flush()
    assert is_refused(client.get("/account"))


def test_sign_in_and_sign_out_are_recorded_with_the_address(client, build, db_session):
    from sqlalchemy import select

    from app.accounts.models import SignInSession

    rosa = build.user(email="rosa@lares.example")
    client.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    assert sign_in(client, rosa.email).status_code == 302
    client.post("/logout")
    row = db_session.scalar(select(SignInSession).where(SignInSession.user_id == rosa.id))
    assert row.address == "198.51.100.4"
    assert row.ended_at is not None and row.end_reason == "signed_out"


def test_a_backup_carries_no_sign_in_sessions(client, build, ctx, tmp_path):
    import gzip
    import json

    from app.backups.services import create_backup

    rosa = build.user(email="rosa@lares.example")
    assert sign_in(client, rosa.email).status_code == 302
    counts = create_backup(tmp_path / "lares.jsonl.gz")
    with gzip.open(tmp_path / "lares.jsonl.gz", "rt") as backup:
        header = json.loads(backup.readline())
    assert "sign_in_sessions" not in counts and "sign_in_sessions" not in header["tables"]
    assert counts["users"] >= 1
