"""Homestay families: the form's rules, the list's filters, archive and restore."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.registries.models import Gender, HomestayFamily, PaymentMethod
from tests.registries.conftest import family_data, page_text, payment


def count_families(db_session) -> int:
    return db_session.scalar(select(func.count(HomestayFamily.id)))


def test_manager_adds_a_family_and_finds_it_in_the_list(client, manager, build, db_session):
    huacahuasi = build.community(name="Huacahuasi")
    response = client.post("/families/new", data=family_data(huacahuasi))
    assert response.status_code == 302
    family = db_session.scalar(select(HomestayFamily))
    assert (family.household_head, family.host_gender, family.beds, family.active) == (
        "Juana Quispe Ñaupa", Gender.FEMALE, 4, True)
    assert response.headers["Location"].endswith(f"/families/{family.id}")
    assert "Juana Quispe Ñaupa" in page_text(client, "/families")
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "homestay_families"))
    assert event.action == "create" and event.actor_id == manager.id


@pytest.mark.parametrize("beds", ["0", "31", "-2", "four", ""])
def test_beds_outside_1_to_30_are_refused(client, manager, build, db_session, beds):
    response = client.post("/families/new", data=family_data(build.community(), beds=beds))
    assert response.status_code == 400
    assert count_families(db_session) == 0


def test_bank_transfer_without_an_account_is_refused(client, manager, build, db_session):
    response = client.post("/families/new", data=family_data(build.community(), **payment("bank")))
    assert response.status_code == 400
    assert "A bank transfer needs the account number." in response.get_data(as_text=True)
    assert count_families(db_session) == 0


def test_yape_without_a_number_is_refused_and_with_one_accepted(client, manager, build, db_session):
    community = build.community()
    response = client.post("/families/new", data=family_data(community, **payment("yape")))
    assert "Yape and Plin payments need the phone number." in response.get_data(as_text=True)
    response = client.post("/families/new",
                           data=family_data(community, **payment("yape", wallet_phone="912345678")))
    assert response.status_code == 302
    family = db_session.scalar(select(HomestayFamily))
    assert family.payment_method == PaymentMethod.YAPE and family.wallet_phone == "912345678"


def test_same_household_head_twice_in_a_community_is_a_field_error(client, manager, build, db_session):
    community = build.community()
    build.family(community=community, household_head="Juana Quispe Ñaupa")
    response = client.post("/families/new", data=family_data(community))
    assert response.status_code == 400
    assert "This community already has a family headed by Juana Quispe Ñaupa." in response.get_data(as_text=True)
    assert count_families(db_session) == 1


def test_no_family_joins_an_archived_community(client, manager, build, db_session):
    willoc = build.community(name="Willoc")
    client.post(f"/communities/{willoc.id}/archive")
    form = page_text(client, "/families/new")
    assert "Willoc" not in form
    response = client.post("/families/new", data=family_data(willoc))
    assert response.status_code == 400
    assert count_families(db_session) == 0


def test_family_of_a_later_archived_community_can_still_be_edited(client, manager, build, db_session):
    community = build.community(name="Kelkanka")
    family = build.family(community=community, household_head="Sabina Ttito")
    client.post(f"/communities/{community.id}/archive")
    response = client.post(f"/families/{family.id}/edit",
                           data=family_data(community, household_head="Sabina Ttito", beds="6"))
    assert response.status_code == 302
    assert family.beds == 6


def test_taking_a_family_out_of_the_rotation_is_audited(client, manager, build, db_session):
    community = build.community()
    family = build.family(community=community, household_head="Nilda Puma")
    data = family_data(community, household_head="Nilda Puma")
    del data["active"]  # an unticked checkbox is not sent
    assert client.post(f"/families/{family.id}/edit", data=data).status_code == 302
    assert family.active is False
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert event.before["active"] is True and event.after["active"] is False


def test_archived_family_stays_readable_and_leaves_the_list(client, manager, build):
    family = build.family(household_head="Eulogia Chalco")
    client.post(f"/families/{family.id}/archive")
    assert "Eulogia Chalco" not in page_text(client, "/families")
    assert "Eulogia Chalco" in page_text(client, "/families?status=archived")
    assert client.get(f"/families/{family.id}").status_code == 200
    assert client.post(f"/families/{family.id}/edit", data={}).status_code == 302
    client.post(f"/families/{family.id}/restore")
    assert "Eulogia Chalco" in page_text(client, "/families")


def test_family_list_searches_by_head_or_phone_and_filters(client, manager, build):
    lares, cuncani = build.community(name="Lares"), build.community(name="Cuncani")
    build.family(community=lares, household_head="Juana Quispe", phone="984111222")
    build.family(community=cuncani, household_head="Mariano Huillca", phone="984333444", active=False)
    build.family(community=cuncani, household_head="Rosa Apaza", archived_at=None)

    def shown(query: str) -> set[str]:
        page = page_text(client, f"/families?{query}")
        return {name for name in ("Juana Quispe", "Mariano Huillca", "Rosa Apaza") if name in page}

    assert shown("q=quispe") == {"Juana Quispe"}
    assert shown("q=333444") == {"Mariano Huillca"}
    assert shown(f"community={cuncani.id}") == {"Mariano Huillca", "Rosa Apaza"}
    assert shown("rotation=inactive") == {"Mariano Huillca"}
    assert shown("rotation=active") == {"Juana Quispe", "Rosa Apaza"}
    # Junk in the URL filters nothing instead of failing.
    assert shown("community=abc&rotation=zzz&status=<b>&page=-3") == {"Juana Quispe", "Mariano Huillca", "Rosa Apaza"}


def test_family_list_paginates_and_has_an_empty_state(app, client, manager, build):
    assert "No homestay families yet." in page_text(client, "/families")
    community = build.community()
    per_page = app.config["PER_PAGE"]
    for n in range(per_page + 2):
        build.family(community=community, household_head=f"Family {n:03d}")
    first = page_text(client, "/families")
    second = page_text(client, "/families?page=2")
    assert "Family 000" in first and f"Family {per_page:03d}" not in first
    assert f"Family {per_page:03d}" in second and "Page 2 of 2" in second
    assert "No families match these filters." in page_text(client, "/families?q=nobody")
    for junk in ("-5", "0", "abc"):
        assert "Family 000" in page_text(client, f"/families?page={junk}")
    # A page number beyond any integer column: page 1 here (or a 400 from a request guard).
    huge = client.get("/families?page=99999999999999999999")
    assert huge.status_code == 400 or "Family 000" in huge.get_data(as_text=True)
