"""Administrators manage accounts; every user manages their own password and language."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.roles import Role
from app.audit.models import AuditEvent
from tests.accounts.builders import many_users
from tests.conftest import PASSWORD

NEW_PASSWORD = "llama-wool-2026-x"


def new_user_form(**overrides) -> dict:
    return {"email": "nilda@lares.example", "full_name": "Nilda Ccorimanya", "role": "manager",
            "language": "es", "partner_id": "", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD, **overrides}


def user_count(db_session) -> int:
    return db_session.scalar(select(func.count(User.id)))


def test_admin_creates_a_manager_who_can_then_sign_in(client, auth, db_session, app):
    admin = auth.login_as(Role.ADMIN)
    response = client.post("/users/new", data=new_user_form())
    assert response.status_code == 302
    nilda = db_session.scalar(select(User).where(User.email == "nilda@lares.example"))
    assert nilda.role == Role.MANAGER and nilda.language == "es" and nilda.partner_id is None
    assert nilda.password_hash.startswith("scrypt:")
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "users",
                                                      AuditEvent.entity_id == nilda.id))
    assert event.actor_id == admin.id and "password_hash" not in event.after
    client.post("/logout")
    other = app.test_client()
    assert other.post("/login", data={"email": "nilda@lares.example",
                                      "password": NEW_PASSWORD}).status_code == 302


def test_partner_user_must_pick_an_organisation_and_staff_must_not(client, auth, build, db_session):
    auth.login_as(Role.ADMIN)
    partner = build.partner(name="Awamaki")
    before = user_count(db_session)
    missing = client.post("/users/new", data=new_user_form(role="partner"))
    assert missing.status_code == 400
    assert "Partner users must belong to a partner organisation." in missing.get_data(as_text=True)
    staff_with_org = client.post("/users/new", data=new_user_form(partner_id=str(partner.id)))
    assert staff_with_org.status_code == 400
    assert user_count(db_session) == before
    ok = client.post("/users/new", data=new_user_form(role="partner", partner_id=str(partner.id)))
    assert ok.status_code == 302
    assert db_session.scalar(select(User).where(User.email == "nilda@lares.example")).partner == partner


def test_new_account_form_refuses_duplicates_short_and_mismatched_passwords(client, auth, build, db_session):
    auth.login_as(Role.ADMIN)
    build.user(email="nilda@lares.example")
    before = user_count(db_session)
    taken = client.post("/users/new", data=new_user_form(email="NILDA@lares.example"))
    assert taken.status_code == 400
    assert "An account with this email already exists." in taken.get_data(as_text=True)
    short = client.post("/users/new", data=new_user_form(email="x@lares.example", password="short", confirm="short"))
    assert "Passwords have 10 to 200 characters." in short.get_data(as_text=True)
    differ = client.post("/users/new", data=new_user_form(email="y@lares.example", confirm="something-else"))
    assert "The two passwords differ." in differ.get_data(as_text=True)
    bad_role = client.post("/users/new", data=new_user_form(email="z@lares.example", role="root"))
    assert bad_role.status_code == 400
    assert user_count(db_session) == before


def test_user_list_searches_filters_by_role_and_pages(client, auth, build, db_session):
    auth.login_as(Role.ADMIN, full_name="Ana Torres")
    build.user(role=Role.ACCOUNTANT, full_name="Carmen Huamán", email="carmen@lares.example")
    build.user(role=Role.MANAGER, full_name="Rubén Quispe", email="ruben@lares.example")
    many_users(db_session, 30, Role.PARTNER, partner=build.partner())
    page = client.get("/users?q=carm").get_data(as_text=True)
    assert "Carmen Huamán" in page and "Rubén Quispe" not in page
    managers = client.get("/users?role=manager").get_data(as_text=True)
    assert "Rubén Quispe" in managers and "Carmen Huamán" not in managers
    first = client.get("/users?role=partner").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Reader 00" in first and "Reader 29" not in first
    second = client.get("/users?role=partner&page=2").get_data(as_text=True)
    assert "Reader 29" in second
    assert client.get("/users?role=nonsense&q=%27%20OR%201%3D1").status_code == 200


def test_user_list_runs_the_same_queries_for_3_or_30_users(client, auth, build, db_session, count_queries, app):
    auth.login_as(Role.ADMIN)

    def queries() -> int:
        with app.app_context(), count_queries() as statements:
            assert client.get("/users").status_code == 200
        return len(statements)

    partner = build.partner()
    many_users(db_session, 2, Role.PARTNER, partner=partner)
    few = queries()
    many_users(db_session, 28, Role.PARTNER, partner=build.partner())
    assert queries() == few


def test_deactivate_needs_confirmation_then_locks_out_and_reactivate_lets_back(client, auth, build, app, db_session):
    auth.login_as(Role.ADMIN)
    carmen = build.user(role=Role.ACCOUNTANT, email="carmen@lares.example")
    detail = client.get(f"/users/{carmen.id}").get_data(as_text=True)
    assert "<details class=\"confirm\">" in detail and f"/users/{carmen.id}/deactivate" in detail
    assert client.post(f"/users/{carmen.id}/deactivate").status_code == 302
    assert carmen.active is False
    refused = app.test_client().post("/login", data={"email": carmen.email, "password": PASSWORD},
                                     headers={"Accept-Language": "en"})
    assert refused.status_code == 200 and b"Wrong email or password" in refused.data
    again = client.post(f"/users/{carmen.id}/deactivate", follow_redirects=True)
    assert "already in that state" in again.get_data(as_text=True)
    assert client.post(f"/users/{carmen.id}/reactivate").status_code == 302
    assert carmen.active is True
    actions = db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_type == "users", AuditEvent.entity_id == carmen.id).order_by(AuditEvent.id)).all()
    assert actions == ["deactivate", "reactivate"]


def test_admin_cannot_deactivate_themself(client, auth):
    admin = auth.login_as(Role.ADMIN)
    response = client.post(f"/users/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert admin.active is True


def test_admin_resets_a_forgotten_password(client, auth, build, app):
    auth.login_as(Role.ADMIN)
    carmen = build.user(role=Role.ACCOUNTANT, email="carmen@lares.example")
    mismatch = client.post(f"/users/{carmen.id}/password", data={"password": NEW_PASSWORD, "confirm": "x"})
    assert mismatch.status_code == 400 and carmen.check_password(PASSWORD)
    response = client.post(f"/users/{carmen.id}/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert carmen.check_password(NEW_PASSWORD) and not carmen.check_password(PASSWORD)
    assert client.get("/users/999999/password").status_code == 404


def test_user_changes_own_password_only_with_the_current_one(client, auth):
    user = auth.login_as(Role.MANAGER)
    wrong = client.post("/account/password", data={
        "current_password": "not-it-at-all", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 400
    assert "The current password is not right." in wrong.get_data(as_text=True)
    assert user.check_password(PASSWORD)
    right = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert right.status_code == 302 and user.check_password(NEW_PASSWORD)


def test_changing_a_password_ends_the_users_other_sessions_but_not_this_one(client, auth, app):
    user = auth.login_as(Role.MANAGER)
    laptop = app.test_client()  # the same person, signed in elsewhere with the old password
    assert laptop.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert laptop.get("/account").status_code == 200
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    stale = laptop.get("/account")
    assert stale.status_code == 302 and "/login" in stale.headers["Location"]


def test_an_admin_password_reset_ends_the_users_sessions(client, auth, build, app):
    carmen = build.user(role=Role.ACCOUNTANT, email="carmen@lares.example", password=PASSWORD)
    hers = app.test_client()
    assert hers.post("/login", data={"email": carmen.email, "password": PASSWORD}).status_code == 302
    assert hers.get("/account").status_code == 200
    auth.login_as(Role.ADMIN)
    client.post(f"/users/{carmen.id}/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert hers.get("/account").status_code == 302


def test_user_picks_their_language_on_my_account(client, auth):
    user = auth.login_as(Role.PARTNER, language="en")
    page = client.get("/account").get_data(as_text=True)
    assert user.email in page and "Partner organisation" in page
    response = client.post("/account", data={"language": "es"})
    assert response.status_code == 302 and user.language == "es"
    assert "Mi cuenta" in client.get("/account").get_data(as_text=True)
    assert client.post("/account", data={"language": "qu"}).status_code == 400
    assert user.language == "es"


def test_only_admins_reach_user_administration(client, auth):
    auth.login_as(Role.MANAGER)
    assert client.get("/users").status_code == 403
    assert client.post("/users/new", data=new_user_form()).status_code == 403


def test_new_account_form_makes_the_admin_choose_a_role(client, auth, db_session):
    auth.login_as(Role.ADMIN)
    page = client.get("/users/new").get_data(as_text=True)
    role_select = page[page.index('name="role"'):]
    role_select = role_select[:role_select.index("</select>")]
    assert '<option value="">Choose a role</option>' in role_select and "selected" not in role_select
    before = user_count(db_session)
    assert client.post("/users/new", data=new_user_form(role="")).status_code == 400
    assert user_count(db_session) == before


def test_user_search_with_control_characters_filters_nothing(client, auth, build, db_session):
    auth.login_as(Role.ADMIN)
    build.user(full_name="Carmen Huamán")
    page = client.get("/users", query_string={"q": "Carmen\x00"}).get_data(as_text=True)
    assert "Carmen Huamán" in page and "This text contains control or text-direction characters." in page
