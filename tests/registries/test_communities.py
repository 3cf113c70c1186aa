"""Communities: the detail page shows the families and weavers of the community, with counts."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.registries.models import Community
from tests.registries.conftest import page_text, payment


def community_data(**overrides) -> dict:
    data = {"name": "Cuncani", "district": "Lares", "altitude_m": "3800", **payment("cash")}
    data.update(overrides)
    return data


def test_manager_adds_a_community_and_it_is_audited(client, manager, db_session):
    response = client.post("/communities/new", data=community_data())
    assert response.status_code == 302
    community = db_session.scalar(select(Community).where(Community.name == "Cuncani"))
    assert community.slug == "cuncani" and community.altitude_m == 3800
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "communities"))
    assert event.action == "create" and event.actor_id == manager.id


def test_duplicate_community_name_is_a_field_error(client, manager, build, db_session):
    build.community(name="Cuncani")
    response = client.post("/communities/new", data=community_data(name="cuncani"))
    assert response.status_code == 400
    assert "A community with this name already exists." in response.get_data(as_text=True)
    assert len(db_session.scalars(select(Community)).all()) == 1


def test_community_detail_lists_its_families_and_weavers_with_counts(client, manager, build):
    huacahuasi = build.community(name="Huacahuasi")
    build.family(community=huacahuasi, household_head="Juana Quispe", beds=4)
    build.family(community=huacahuasi, household_head="Rosa Ñaupa", beds=3, active=False)
    build.family(household_head="Elsewhere Family")
    build.association(community=huacahuasi, name="Asociación de Tejedoras Huacahuasi")
    page = page_text(client, f"/communities/{huacahuasi.id}")
    assert "Juana Quispe" in page and "Rosa Ñaupa" in page and "Elsewhere Family" not in page
    assert "Asociación de Tejedoras Huacahuasi" in page
    assert "2 families, 1 in the rotation, 4 beds in the rotation." in page
    assert "1 association." in page
    form = client.get(f"/communities/{huacahuasi.id}").get_data(as_text=True)
    assert f'href="/families/new?community_id={huacahuasi.id}"' in form
    prefilled = client.get(f"/families/new?community_id={huacahuasi.id}").get_data(as_text=True)
    assert f'<option selected value="{huacahuasi.id}">Huacahuasi</option>' in prefilled


def test_archived_community_stays_readable_and_can_be_restored(client, manager, build, db_session):
    community = build.community(name="Willoc")
    assert client.post(f"/communities/{community.id}/archive").status_code == 302
    assert community.is_archived
    assert "Willoc" not in page_text(client, "/communities")
    assert "Willoc" in page_text(client, "/communities?status=archived")
    detail = client.get(f"/communities/{community.id}")
    assert detail.status_code == 200 and "Archived" in detail.get_data(as_text=True)
    # Editing an archived record sends you back to restore it first.
    assert client.get(f"/communities/{community.id}/edit").status_code == 302
    assert client.post(f"/communities/{community.id}/restore").status_code == 302
    assert not community.is_archived
    actions = db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_type == "communities", AuditEvent.entity_id == community.id)
        .order_by(AuditEvent.id)).all()
    assert actions == ["archive", "restore"]


def test_community_edit_keeps_an_audit_of_before_and_after(client, manager, build, db_session):
    community = build.community(name="Kelkanka", district="Ollantaytambo")
    response = client.post(f"/communities/{community.id}/edit",
                           data=community_data(name="Kelkanka", district="Huayllabamba", altitude_m=""))
    assert response.status_code == 302
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert event.before == {"district": "Ollantaytambo"} and event.after == {"district": "Huayllabamba"}


def test_community_list_searches_and_shows_an_empty_state(client, manager, build):
    build.community(name="Patacancha", district="Ollantaytambo")
    build.community(name="Quishuarani", district="Lares")
    page = page_text(client, "/communities?q=ollanta")
    assert "Patacancha" in page and "Quishuarani" not in page
    assert "No communities match." in page_text(client, "/communities?q=zzz")
