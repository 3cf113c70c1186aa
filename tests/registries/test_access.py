"""Admin and manager edit registries, the accountant reads them, a partner sees none of them."""

from __future__ import annotations

import pytest

from app.accounts.roles import Role
from tests.registries.access_rules import EXPECTED_ACCESS, URL_PARAMS


def test_every_registries_endpoint_has_an_expected_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("registries.")}
    assert endpoints == set(EXPECTED_ACCESS)
    for endpoint, roles in EXPECTED_ACCESS.items():
        assert app.view_functions[endpoint].allowed_roles == frozenset(roles), endpoint
    params = {arg for rule in app.url_map.iter_rules() if rule.endpoint.startswith("registries.")
              for arg in rule.arguments}
    assert params == set(URL_PARAMS)


@pytest.mark.parametrize("role, status", [(Role.ADMIN, 200), (Role.MANAGER, 200),
                                          (Role.ACCOUNTANT, 403), (Role.PARTNER, 403)])
def test_only_admin_and_manager_open_the_forms(client, auth, build, role, status):
    family = build.family()
    auth.login_as(role)
    for url in ("/families/new", f"/families/{family.id}/edit", "/staff/new", "/weavers/new",
                "/communities/new", "/families/import", "/staff/import"):
        assert client.get(url).status_code == status, url


def test_accountant_reads_lists_and_details_but_sees_no_edit_buttons(client, auth, build):
    family = build.family(household_head="Florencia Layme")
    member = build.staff()
    auth.login_as(Role.ACCOUNTANT)
    for url in ("/communities", "/families", "/weavers", "/staff", f"/families/{family.id}",
                f"/staff/{member.id}", f"/communities/{family.community.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "/edit" not in html and "/new" not in html and "/import" not in html, url
    assert client.post(f"/families/{family.id}/archive").status_code == 403
    assert family.archived_at is None


def test_partner_is_refused_every_registry(client, auth, build):
    family = build.family()
    auth.login_as(Role.PARTNER)
    for url in ("/communities", "/families", f"/families/{family.id}", "/weavers", "/staff"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/families/{family.id}/archive").status_code == 403


def test_menu_shows_the_registries_to_office_roles_only(client, auth):
    auth.login_as(Role.ACCOUNTANT)
    menu = client.get("/").get_data(as_text=True)
    assert all(f'href="{url}"' in menu for url in ("/families", "/weavers", "/staff"))
