"""The administrator keeps the list of partner organisations; staff read it."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.roles import Role
from app.audit.models import AuditEvent
from app.partners.models import Partner, PartnerKind

NEW = {"name": "Red de Turismo Rural", "kind": "community_association", "language": "es",
       "contact_name": "Eulogia Quispe Ñaupa", "contact_email": "red@turismo.example", "notes": ""}


def test_admin_adds_an_organisation_with_its_communities(client, auth, build, db_session):
    huaca, choque = build.community(name="Huacahuasi"), build.community(name="Choquecancha")
    admin = auth.login_as(Role.ADMIN)
    response = client.post("/partners/new", data={**NEW, "community_ids": [huaca.id, choque.id]})
    assert response.status_code == 302
    partner = db_session.scalar(select(Partner).where(Partner.name == "Red de Turismo Rural"))
    assert partner.kind == PartnerKind.COMMUNITY_ASSOCIATION and partner.language == "es"
    assert [c.name for c in partner.communities] == ["Choquecancha", "Huacahuasi"]
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "partners"))
    assert event.actor_id == admin.id and event.after["communities"] == ["choquecancha", "huacahuasi"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Eulogia Quispe Ñaupa" in page and "Huacahuasi" in page


def test_a_duplicate_name_or_bad_email_re_renders_the_form(client, auth, build, db_session):
    build.partner(name="Red de Turismo Rural")
    auth.login_as(Role.ADMIN)
    duplicate = client.post("/partners/new", data=NEW)
    assert duplicate.status_code == 400
    assert "An organisation with this name already exists." in duplicate.get_data(as_text=True)
    bad_email = client.post("/partners/new", data={**NEW, "name": "Otra", "contact_email": "nope"})
    assert bad_email.status_code == 400 and "valid email" in bad_email.get_data(as_text=True)
    assert client.post("/partners/new", data={**NEW, "language": "fr"}).status_code == 400


def test_admin_edits_archives_and_restores(client, auth, build, db_session):
    partner = build.partner(name="Tejiendo Futuro")
    auth.login_as(Role.ADMIN)
    assert client.post(f"/partners/{partner.id}/edit", data={**NEW, "name": "Tejiendo Futuro ONG"}).status_code == 302
    assert partner.name == "Tejiendo Futuro ONG" and partner.contact_name == "Eulogia Quispe Ñaupa"
    client.post(f"/partners/{partner.id}/archive")
    assert partner.archived
    refused = client.post(f"/partners/{partner.id}/edit", data=NEW, follow_redirects=True)
    assert "restore it first" in refused.get_data(as_text=True) and partner.name == "Tejiendo Futuro ONG"
    assert "Tejiendo Futuro ONG" not in client.get("/partners").get_data(as_text=True)
    assert "Tejiendo Futuro ONG" in client.get("/partners?status=archived").get_data(as_text=True)
    client.post(f"/partners/{partner.id}/restore")
    assert not partner.archived


def test_staff_read_partners_but_only_the_admin_manages_them(client, auth, build, db_session):
    partner = build.partner(name="Travelife audit")
    auth.login_as(Role.ACCOUNTANT)
    assert "Travelife audit" in client.get("/partners").get_data(as_text=True)
    assert client.get(f"/partners/{partner.id}").status_code == 200
    assert client.post("/partners/new", data=NEW).status_code == 403
    assert client.post(f"/partners/{partner.id}/archive").status_code == 403


def test_partner_list_runs_the_same_queries_for_3_or_30_organisations(app, client, auth, build, count_queries, db_session):
    community = build.community()
    auth.login_as(Role.ADMIN)
    for _ in range(3):
        build.partner(communities=[community])
    with app.app_context(), count_queries() as few:
        assert client.get("/partners").status_code == 200
    for _ in range(27):
        build.partner(communities=[community])
    with app.app_context(), count_queries() as many:
        assert client.get("/partners").status_code == 200
    assert len(few) == len(many)
