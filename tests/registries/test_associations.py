"""Weaving associations: women members never exceed members; the list filters by community."""

from __future__ import annotations

from sqlalchemy import func, select

from app.registries.models import WeavingAssociation
from tests.registries.conftest import association_data, page_text


def count_associations(db_session) -> int:
    return db_session.scalar(select(func.count(WeavingAssociation.id)))


def test_manager_adds_a_weaving_association(client, manager, build, db_session):
    cuncani = build.community(name="Cuncani")
    response = client.post("/weavers/new", data=association_data(cuncani))
    assert response.status_code == 302
    association = db_session.scalar(select(WeavingAssociation))
    assert (association.members, association.women_members, association.community) == (20, 18, cuncani)
    assert "Tejedoras de Cuncani" in page_text(client, f"/communities/{cuncani.id}")


def test_more_women_members_than_members_is_refused(client, manager, build, db_session):
    response = client.post("/weavers/new",
                           data=association_data(build.community(), members="10", women_members="11"))
    assert response.status_code == 400
    assert "Women members cannot exceed the 10 members." in response.get_data(as_text=True)
    assert count_associations(db_session) == 0


def test_members_must_be_a_positive_count(client, manager, build, db_session):
    for members, women in (("0", "0"), ("-5", "0"), ("12", "-1"), ("many", "3")):
        response = client.post("/weavers/new", data=association_data(
            build.community(), members=members, women_members=women))
        assert response.status_code == 400
    assert count_associations(db_session) == 0


def test_duplicate_association_name_is_refused(client, manager, build, db_session):
    build.association(name="Tejedoras de Cuncani")
    response = client.post("/weavers/new", data=association_data(build.community()))
    assert response.status_code == 400
    assert "An association with this name already exists." in response.get_data(as_text=True)


def test_editing_members_below_women_members_is_refused(client, manager, build):
    association = build.association(members=12, women_members=10)
    response = client.post(f"/weavers/{association.id}/edit", data=association_data(
        association.community, name=association.name, members="8", women_members="10"))
    assert response.status_code == 400
    assert association.members == 12


def test_association_list_filters_by_community_and_archive(client, manager, build):
    huacahuasi, patacancha = build.community(name="Huacahuasi"), build.community(name="Patacancha")
    build.association(community=huacahuasi, name="Away Riqchary")
    archived = build.association(community=patacancha, name="Tejedoras de Patacancha")
    client.post(f"/weavers/{archived.id}/archive")
    page = page_text(client, f"/weavers?community={huacahuasi.id}")
    assert "Away Riqchary" in page and "Tejedoras de Patacancha" not in page
    page = page_text(client, "/weavers?status=archived")
    assert "Tejedoras de Patacancha" in page and "Away Riqchary" not in page
    assert client.get(f"/weavers/{archived.id}").status_code == 200
    assert "No associations match these filters." in page_text(client, "/weavers?q=zzz")
