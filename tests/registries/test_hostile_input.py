"""Junk posted to every registry form re-renders it with errors (4xx) and writes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.registries.models import Community, HomestayFamily, StaffMember, WeavingAssociation
from tests.registries.conftest import association_data, family_data, staff_data

HOSTILE = [
    "", " ", "x" * 10_000, "a\x00b", "'; DROP TABLE staff_members; --", "<script>alert(1)</script>",
    "-1", "-99999999999999999999", "1e309", "٣", "🦙", "2026-02-30", "\u202e", "1 OR 1=1",
]


def written(db_session, model) -> tuple[int, int]:
    return (db_session.scalar(select(func.count()).select_from(model)),
            db_session.scalar(select(func.count(AuditEvent.id))))


FORMS = {
    "family": ("/families/new", HomestayFamily, lambda community: family_data(community)),
    "association": ("/weavers/new", WeavingAssociation, lambda community: association_data(community)),
    "staff": ("/staff/new", StaffMember, lambda community: staff_data()),
    "community": ("/communities/new", Community,
                  lambda community: {"name": "New One", "district": "Lares", "payment-payment_method": "cash"}),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_field_refuses_hostile_values_without_a_crash(client, manager, build, db_session, form):
    url, model, make_data = FORMS[form]
    data = make_data(build.community(name="Base"))
    tried = 0
    for field in data:
        for value in HOSTILE:
            before = written(db_session, model)
            response = client.post(url, data={**data, field: value})
            tried += 1
            assert response.status_code in (302, 400), (field, value, response.status_code)
            if response.status_code == 400:  # refused: nothing at all was written
                assert written(db_session, model) == before, (field, value)
            else:  # accepted (a plain text value in a free-text field): one record, audited
                assert written(db_session, model) == (before[0] + 1, before[1] + 1), (field, value)
    assert tried >= 40


def test_hostile_values_on_edit_archive_and_lists(client, manager, build, db_session):
    family = build.family()
    member = build.staff()
    for value in HOSTILE:
        assert client.post(f"/families/{family.id}/edit", data={"beds": value, "community_id": value}).status_code < 500
        assert client.post(f"/staff/{member.id}/edit", data={"dni": value, "roles": [value, "porter"]}).status_code < 500
        for url in ("/families", "/staff", "/weavers", "/communities"):
            response = client.get(url, query_string={"q": value, "community": value, "role": value,
                                                     "insurance": value, "status": value, "page": value})
            assert response.status_code < 500, (url, value)
    assert client.get("/families/999999").status_code == 404
    assert client.post("/staff/999999/archive").status_code == 404
