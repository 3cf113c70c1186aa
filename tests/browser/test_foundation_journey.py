"""Issue 2's journey: a manager signs in, adds a homestay family through the form, switches the
interface to Spanish, and finds the family in the list."""

from __future__ import annotations

import re

import pytest
from flask import url_for
from playwright.sync_api import expect

from app.accounts.roles import Role
from tests.browser.conftest import BROWSER_PASSWORD, login, make_user

pytestmark = pytest.mark.browser


def urls(live_server, *endpoints: str) -> list[str]:
    with live_server.app.test_request_context():
        return [url_for(endpoint) for endpoint in endpoints]


def test_manager_adds_a_family_switches_to_spanish_and_finds_it_in_the_list(page, live_server):
    create_url, list_url = urls(live_server, "registries.family_create", "registries.family_list")
    email = make_user(live_server, Role.MANAGER, language="en", full_name="Rubén Quispe")
    login(page, email, BROWSER_PASSWORD)

    page.goto(list_url)
    page.get_by_role("link", name=re.compile(r"^New family", re.I)).first.click()
    expect(page).to_have_url(re.compile(re.escape(create_url) + "$"))
    page.get_by_label(re.compile(r"^Community")).select_option(label="Huacahuasi")
    page.get_by_label(re.compile(r"^Household head")).fill("Eulogia Ñaupa Huillca")
    page.get_by_label(re.compile(r"gender", re.I)).select_option(value="female")
    page.get_by_label(re.compile(r"^Beds")).fill("4")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile("Eulogia Ñaupa Huillca")).first).to_be_visible()
    expect(page).not_to_have_url(re.compile(re.escape(create_url) + "$"))

    page.get_by_test_id("switch-language").click()
    expect(page.get_by_test_id("switch-language")).to_have_text("English")

    page.goto(list_url + "?q=Eulogia")
    expect(page.get_by_role("heading", name=re.compile("Familias"))).to_be_visible()
    expect(page.get_by_role("link", name="Eulogia Ñaupa Huillca")).to_be_visible()
