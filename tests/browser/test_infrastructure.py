"""The browser harness itself: a manager signs in and switches the interface language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.accounts.roles import Role
from app.demo.users import DEMO_PASSWORD
from tests.browser.conftest import BROWSER_PASSWORD, login, make_user

pytestmark = pytest.mark.browser


def test_manager_signs_in_and_switches_the_communities_list_to_spanish(page, live_server):
    email = make_user(live_server, Role.MANAGER, language="en", full_name="Rubén Quispe")
    login(page, email, BROWSER_PASSWORD)
    page.get_by_role("link", name="Communities").first.click()
    page.wait_for_url(re.compile(r"/communities$"))
    expect(page.get_by_role("heading", name="Communities")).to_be_visible()
    expect(page.get_by_role("link", name="Huacahuasi")).to_be_visible()
    page.get_by_test_id("switch-language").click()
    page.wait_for_url(re.compile(r"/communities$"))
    expect(page.get_by_role("heading", name="Comunidades")).to_be_visible()
    expect(page.get_by_role("link", name="Nueva comunidad")).to_be_visible()
    page.reload()  # remembered on the account, not only for this page
    expect(page.get_by_role("heading", name="Comunidades")).to_be_visible()


def test_wrong_password_shows_the_message_and_stays_on_sign_in(page):
    page.goto("/login")
    page.fill("input[name=email]", "manager@lares.example")
    page.fill("input[name=password]", "not-the-password")
    page.click("form.form button[type=submit]")
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_demo_admin_reaches_the_users_page_and_sees_every_demo_account(page):
    login(page, "admin@lares.example", DEMO_PASSWORD)
    page.goto("/users")
    for email in ("manager@lares.example", "accountant@lares.example", "partner@lares.example"):
        expect(page.get_by_role("cell", name=email, exact=True)).to_be_visible()


def test_browser_tests_are_sent_to_one_worker_together(request):
    """Run with `--dist loadgroup` (make test), every browser test carries the group suffix that
    keeps them on one worker, so the demo is seeded and served once."""
    if not getattr(request.config.option, "loadgroup", False):  # set on xdist's workers
        pytest.skip("grouping applies to `--dist loadgroup` runs (make test)")
    assert request.node.nodeid.endswith("@browser")
