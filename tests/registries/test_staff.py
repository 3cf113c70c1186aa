"""Staff: DNI of 8 digits and unique, porters 18 or older (Ley 31614), roles, insurance filters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.clock import today_lima
from app.registries.models import StaffMember, StaffRole
from tests.registries.conftest import page_text, staff_data


def years_ago(years: int, days: int = 0) -> date:
    today = today_lima()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day - timedelta(days=days)


def count_staff(db_session) -> int:
    return db_session.scalar(select(func.count(StaffMember.id)))


def test_manager_adds_a_porter_who_also_cooks(client, manager, build, db_session):
    origin = build.community(name="Quishuarani")
    response = client.post("/staff/new", data=staff_data(community_id=str(origin.id), roles=["porter", "cook"]))
    assert response.status_code == 302
    member = db_session.scalar(select(StaffMember))
    assert member.roles == {StaffRole.PORTER, StaffRole.COOK}
    assert member.community == origin and member.birth_date == date(1990, 5, 17)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "staff_members"))
    assert event.after["roles"] == ["cook", "porter"]


def test_a_17_year_old_porter_is_refused_with_the_law_named(client, manager, db_session):
    response = client.post("/staff/new", data=staff_data(birth_date=years_ago(17).isoformat()))
    assert response.status_code == 400
    assert "Porters must be 18 or older (Ley 31614): this person is 17." in response.get_data(as_text=True)
    assert count_staff(db_session) == 0


def test_a_17_year_old_may_cook_and_turns_porter_at_18(client, manager, db_session):
    response = client.post("/staff/new", data=staff_data(birth_date=years_ago(17).isoformat(), roles=["cook"]))
    assert response.status_code == 302
    adult = staff_data(dni="41234568", birth_date=years_ago(18).isoformat())
    assert client.post("/staff/new", data=adult).status_code == 302
    assert count_staff(db_session) == 2


def test_making_a_minor_a_porter_on_edit_is_refused(client, manager, build):
    member = build.staff(roles={StaffRole.COOK}, birth_date=years_ago(16, days=10), dni="45555555")
    response = client.post(f"/staff/{member.id}/edit", data=staff_data(
        full_name=member.full_name, dni="45555555", birth_date=member.birth_date.isoformat(),
        roles=["cook", "porter"]))
    assert response.status_code == 400
    assert "this person is 16" in response.get_data(as_text=True)
    assert member.roles == {StaffRole.COOK}


@pytest.mark.parametrize("dni", ["1234567", "123456789", "1234567a", "", "١٢٣٤٥٦٧٨"])
def test_a_dni_has_exactly_8_digits(client, manager, db_session, dni):
    response = client.post("/staff/new", data=staff_data(dni=dni))
    assert response.status_code == 400
    assert count_staff(db_session) == 0


def test_a_duplicate_dni_names_the_other_person(client, manager, build, db_session):
    build.staff(full_name="Faustino Mamani Sutta", dni="41234567")
    response = client.post("/staff/new", data=staff_data(dni="41234567"))
    assert response.status_code == 400
    assert "DNI 41234567 already belongs to Faustino Mamani Sutta." in response.get_data(as_text=True)
    assert count_staff(db_session) == 1


def test_at_least_one_role_is_required(client, manager, db_session):
    data = staff_data()
    del data["roles"]
    response = client.post("/staff/new", data=data)
    assert response.status_code == 400
    assert "Choose at least one role." in response.get_data(as_text=True)
    assert client.post("/staff/new", data=staff_data(roles=["pilot"])).status_code == 400
    assert count_staff(db_session) == 0


def test_birth_date_accepts_peruvian_format_but_not_the_future(client, manager, db_session):
    assert client.post("/staff/new", data=staff_data(birth_date="17/05/1990")).status_code == 302
    future = (today_lima() + timedelta(days=1)).isoformat()
    assert client.post("/staff/new", data=staff_data(dni="41234568", birth_date=future)).status_code == 400
    assert client.post("/staff/new", data=staff_data(dni="41234569", birth_date="1990-02-30")).status_code == 400
    assert count_staff(db_session) == 1


def test_changing_roles_is_audited(client, manager, build, db_session):
    member = build.staff(roles={StaffRole.PORTER}, dni="42222222")
    response = client.post(f"/staff/{member.id}/edit", data=staff_data(
        full_name=member.full_name, dni="42222222", roles=["arriero"]))
    assert response.status_code == 302
    assert member.roles == {StaffRole.ARRIERO}
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert event.before["roles"] == ["porter"] and event.after["roles"] == ["arriero"]


def test_staff_list_filters_by_role_community_and_insurance(client, manager, build):
    today = today_lima()
    lares = build.community(name="Lares")
    build.staff(full_name="Porter Expired", roles={StaffRole.PORTER}, insurance_expiry=today - timedelta(days=1))
    build.staff(full_name="Cook Expiring", roles={StaffRole.COOK}, insurance_expiry=today + timedelta(days=20),
                community=lares)
    build.staff(full_name="Guide Covered", roles={StaffRole.GUIDE}, insurance_expiry=today + timedelta(days=90))
    build.staff(full_name="Arriero Uninsured", roles={StaffRole.ARRIERO}, insurance_expiry=None)
    names = ("Porter Expired", "Cook Expiring", "Guide Covered", "Arriero Uninsured")

    def shown(query: str) -> set[str]:
        page = page_text(client, f"/staff?{query}")
        return {name for name in names if name in page}

    assert shown("role=cook") == {"Cook Expiring"}
    assert shown(f"community={lares.id}") == {"Cook Expiring"}
    assert shown("insurance=expired") == {"Porter Expired", "Arriero Uninsured"}
    assert shown("insurance=expiring") == {"Cook Expiring"}
    assert shown("q=guide") == {"Guide Covered"}
    assert shown("role=astronaut&insurance=x&community=999999") == set(names)


def test_archived_staff_stay_readable(client, manager, build):
    member = build.staff(full_name="Teófilo Yupanqui")
    client.post(f"/staff/{member.id}/archive")
    assert "Teófilo Yupanqui" not in page_text(client, "/staff")
    assert "Teófilo Yupanqui" in page_text(client, "/staff?status=all")
    assert "Teófilo Yupanqui" in page_text(client, f"/staff/{member.id}")
    # archiving twice is refused politely, not a crash
    assert client.post(f"/staff/{member.id}/archive").status_code == 302
