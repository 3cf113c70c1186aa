"""Signing in and out: throttled guessing, fixation-proof sessions, safe redirects."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import LoginAttempt
from app.accounts.roles import Role
from tests.conftest import PASSWORD


def sign_in(client, email, password=PASSWORD, address="10.0.0.1", **data):
    """Post the login form from `address` (the client's later requests come from there too)."""
    client.environ_base["REMOTE_ADDR"] = address
    return client.post(
        "/login", data={"email": email, "password": password, **data},
        headers={"Accept-Language": "en"},
    )


def failures(db_session, **where) -> int:
    query = select(func.count(LoginAttempt.id)).where(LoginAttempt.succeeded.is_(False))
    for key, value in where.items():
        query = query.where(getattr(LoginAttempt, key) == value)
    return db_session.scalar(query)


def test_right_password_signs_in_and_wrong_one_is_refused(client, build):
    user = build.user(email="rosa@lares.example")
    wrong = sign_in(client, "rosa@lares.example", "not-her-password")
    assert wrong.status_code == 200 and "Wrong email or password" in wrong.get_data(as_text=True)
    assert client.get("/").status_code == 302
    right = sign_in(client, "  Rosa@Lares.example ", PASSWORD)
    assert right.status_code == 302 and right.headers["Location"] == "/"
    assert user.full_name in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_malformed_sign_in_is_a_field_error_and_records_nothing(client, db_session):
    response = sign_in(client, "not an email", "")
    assert response.status_code == 400
    assert db_session.scalar(select(func.count(LoginAttempt.id))) == 0


def test_fifth_failure_locks_the_account_with_429_even_for_the_right_password(client, build, db_session):
    build.user(email="juana@lares.example")
    for _ in range(5):
        assert sign_in(client, "juana@lares.example", "guess-guess-guess").status_code == 200
    locked = sign_in(client, "juana@lares.example", PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-ins. Wait 15 minutes" in locked.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in
    assert failures(db_session, email="juana@lares.example") == 5  # refusals are not attempts


def test_lockout_message_is_in_the_users_language(client, build):
    build.user(email="juana@lares.example")
    for _ in range(5):
        sign_in(client, "juana@lares.example", "guess-guess-guess")
    client.post("/language", data={"language": "es"})
    page = sign_in(client, "juana@lares.example", PASSWORD).get_data(as_text=True)
    assert "Demasiados intentos fallidos. Espere 15 minutos" in page


def test_one_address_guessing_many_accounts_is_throttled(client, build):
    for n in range(20):
        sign_in(client, f"nobody{n}@lares.example", "guess-guess-guess", address="203.0.113.7")
    build.user(email="rosa@lares.example")
    assert sign_in(client, "rosa@lares.example", address="203.0.113.7").status_code == 429
    assert sign_in(client, "rosa@lares.example", address="198.51.100.1").status_code == 302


def test_success_forgives_that_account_only_not_other_accounts_nor_the_address(client, build, db_session, app):
    build.user(email="rosa@lares.example")
    build.user(email="santos@lares.example")
    for _ in range(4):
        sign_in(client, "rosa@lares.example", "guess-guess-guess")
        sign_in(client, "santos@lares.example", "guess-guess-guess")
    assert sign_in(client, "rosa@lares.example").status_code == 302
    client.post("/logout")
    # Rosa's count starts again after her success; Santos is one failure from the limit.
    sign_in(client, "rosa@lares.example", "guess-guess-guess")
    sign_in(client, "santos@lares.example", "guess-guess-guess")
    assert sign_in(client, "santos@lares.example").status_code == 429
    assert sign_in(client, "rosa@lares.example").status_code == 302
    # The address still carries all ten failures.
    assert failures(db_session, address="10.0.0.1") == 10


def test_failures_older_than_the_window_no_longer_count(client, build, db_session):
    from datetime import timedelta

    from app.clock import now_utc

    build.user(email="rosa@lares.example")
    long_ago = now_utc() - timedelta(minutes=16)
    for _ in range(5):
        db_session.add(LoginAttempt(email="rosa@lares.example", address="10.0.0.1",
                                    succeeded=False, attempted_at=long_ago))
    db_session.flush()
    assert sign_in(client, "rosa@lares.example").status_code == 302


def test_deactivated_user_is_refused_and_their_open_session_stops(client, auth, build, db_session):
    user = auth.login_as(Role.MANAGER)
    assert client.get("/").status_code == 200
    user.active = False
    db_session.flush()
    response = client.get("/communities")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert sign_in(client, user.email).status_code == 200
    assert client.get("/").status_code == 302


def test_sign_in_starts_a_new_session_nothing_planted_survives(client, build):
    build.user(email="rosa@lares.example")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        planted_cookie = dict(session)
    sign_in(client, "rosa@lares.example")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] and dict(session) != planted_cookie


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/communities?status=all", "/communities?status=all"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
        ("", "/"),
    ],
)
def test_after_sign_in_only_same_site_paths_are_followed(client, build, target, expected):
    build.user(email="rosa@lares.example")
    response = sign_in(client, "rosa@lares.example", next=target)
    assert response.headers["Location"] == expected


def test_a_protected_page_sends_to_sign_in_and_back(client, build):
    build.user(email="rosa@lares.example")
    response = client.get("/communities?q=lares")
    assert response.status_code == 302
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/communities?q=lares"' in login_page
    back = sign_in(client, "rosa@lares.example", next="/communities?q=lares")
    assert back.headers["Location"] == "/communities?q=lares"


def test_sign_out_ends_the_session(client, auth):
    auth.login_as(Role.ACCOUNTANT)
    assert client.get("/").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    assert client.get("/logout").status_code == 405  # never by a link or an image tag


def test_signed_in_user_visiting_login_goes_home(client, auth):
    auth.login_as(Role.MANAGER)
    assert client.get("/login").headers["Location"] == "/"


def test_session_cookie_is_httponly_and_samesite_lax(client, build):
    build.user(email="rosa@lares.example")
    response = sign_in(client, "rosa@lares.example")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # only production insists on HTTPS


def test_a_session_cookie_replayed_from_another_address_is_not_signed_in(client, build):
    build.user(email="rosa@lares.example")
    sign_in(client, "rosa@lares.example", address="10.0.0.1")
    assert client.get("/").status_code == 200
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert client.get("/").status_code == 302


def being_checked(db_session, count: int, ago_seconds: float = 0, **fields) -> None:
    """`count` attempts recorded as still being checked (their outcome not written yet)."""
    from datetime import timedelta

    from app.clock import now_utc

    when = now_utc() - timedelta(seconds=ago_seconds)
    for _ in range(count):
        db_session.add(LoginAttempt(succeeded=None, attempted_at=when,
                                    **{"email": "guess@lares.example", "address": "10.0.0.1", **fields}))
    db_session.commit()


def test_attempts_still_being_checked_fill_the_limit_a_sign_in_waits_then_is_asked_to_retry(
        client, build, db_session, app, monkeypatch):
    import time

    monkeypatch.setitem(app.config, "LOGIN_IN_FLIGHT_WAIT_SECONDS", 0.3)
    build.user(email="rosa@lares.example")
    being_checked(db_session, 5, email="rosa@lares.example", address="198.51.100.9")
    started = time.monotonic()
    busy = sign_in(client, "rosa@lares.example")
    assert time.monotonic() - started >= 0.3  # it waited for room before giving up
    assert busy.status_code == 429
    assert "Many sign-ins are being checked at this moment" in busy.get_data(as_text=True)
    assert failures(db_session, email="rosa@lares.example") == 0  # nothing recorded for it


def test_an_attempt_left_unchecked_by_a_dead_worker_counts_as_a_failure(client, build, db_session):
    build.user(email="rosa@lares.example")
    being_checked(db_session, 5, ago_seconds=120, email="rosa@lares.example")
    locked = sign_in(client, "rosa@lares.example")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.get_data(as_text=True)


def test_every_attempt_gets_its_outcome_written(client, build, db_session):
    build.user(email="rosa@lares.example")
    sign_in(client, "rosa@lares.example", "guess-guess-guess")
    sign_in(client, "nobody@lares.example", "guess-guess-guess")
    sign_in(client, "rosa@lares.example")
    outcomes = db_session.scalars(select(LoginAttempt.succeeded).order_by(LoginAttempt.id)).all()
    assert outcomes == [False, False, True]
