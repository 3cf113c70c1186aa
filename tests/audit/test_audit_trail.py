"""Administrators browse the audit trail: who changed what, when, before and after."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from app.accounts.roles import Role
from app.audit.models import AuditEvent
from app.audit.services import record_change, snapshot
from tests.accounts.builders import many_users


def event(db_session, record, action="update", actor=None, at=None, before=None, after=None, reason=None):
    """An audit event for `record`, recorded as a service would."""
    recorded = record_change(actor.id if actor else None, action, record, before=before,
                             after=after, reason=reason, summary=str(record))
    if at is not None:
        recorded.at = at
    db_session.flush()
    return recorded


def rows(page: str) -> int:
    """How many events the page lists (each links to its detail page)."""
    return len(re.findall(r'href="/audit/\d+"', page))


def test_admin_filters_by_record_type_action_user_and_dates(client, auth, build, db_session):
    admin = auth.login_as(Role.ADMIN, full_name="Ana Torres")
    manager = build.user(role=Role.MANAGER, full_name="Rubén Quispe")
    huacahuasi = build.community(name="Huacahuasi")
    family = build.family(community=huacahuasi, household_head="Juana Ñaupa")
    event(db_session, huacahuasi, "create", manager, datetime(2026, 3, 1, 15, tzinfo=UTC))
    event(db_session, family, "create", manager, datetime(2026, 3, 2, 15, tzinfo=UTC))
    event(db_session, family, "archive", admin, datetime(2026, 3, 10, 15, tzinfo=UTC))
    # 3 March 02:00 UTC is still 2 March in Lima.
    event(db_session, huacahuasi, "update", admin, datetime(2026, 3, 3, 2, tzinfo=UTC))

    everything = client.get("/audit/").get_data(as_text=True)
    assert rows(everything) == 4
    assert '<option value="homestay_families">' in everything and "Rubén Quispe" in everything
    families = client.get("/audit/?entity_type=homestay_families").get_data(as_text=True)
    assert rows(families) == 2 and "Juana Ñaupa" in families
    archived = client.get("/audit/?action=archive").get_data(as_text=True)
    assert rows(archived) == 1 and "Archived" in archived
    by_manager = client.get(f"/audit/?actor_id={manager.id}").get_data(as_text=True)
    assert rows(by_manager) == 2
    second_of_march = client.get("/audit/?date_from=2026-03-02&date_to=2026-03-02").get_data(as_text=True)
    assert rows(second_of_march) == 2  # the family's creation and the late-evening update
    one_record = client.get(f"/audit/?entity_type=communities&entity_id={huacahuasi.id}").get_data(as_text=True)
    assert rows(one_record) == 2


def test_bad_filters_are_reported_and_ignored_never_a_500(client, auth, build, db_session):
    auth.login_as(Role.ADMIN)
    event(db_session, build.community(), "create")
    for query in ("date_from=2026-13-45", "date_to=9999-12-31", "entity_id=abc", "actor_id=%27%20OR%201%3D1",
                  "entity_type=%3Cscript%3Ealert(1)%3C/script%3E", "date_from=2026-03-05&date_to=2026-03-01",
                  "page=-3", "entity_id=99999999999999999999"):
        response = client.get(f"/audit/?{query}")
        assert response.status_code == 200, query
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    backwards = client.get("/audit/?date_from=2026-03-05&date_to=2026-03-01").get_data(as_text=True)
    assert "The end date is before the start date." in backwards


def test_event_detail_shows_before_and_after_side_by_side(client, auth, build, db_session):
    admin = auth.login_as(Role.ADMIN, full_name="Ana Torres")
    community = build.community(name="Cuncani", altitude_m=3800)
    before = snapshot(community)
    community.altitude_m = 3850
    community.leader_name = "Mariano <b>Quispe</b>"
    changed = event(db_session, community, "update", admin, before=before, after=snapshot(community),
                    reason="Measured again with GPS")
    page = client.get(f"/audit/{changed.id}").get_data(as_text=True)
    assert "Ana Torres" in page and "Measured again with GPS" in page
    altitude_row = page[page.index('<th scope="row">altitude_m</th>'):]
    altitude_row = altitude_row[:altitude_row.index("</tr>")]
    assert altitude_row.index("3800") < altitude_row.index("3850")
    assert "Mariano &lt;b&gt;Quispe&lt;/b&gt;" in page and "<b>Quispe</b>" not in page
    assert '<th scope="row">district</th>' not in page  # only what changed
    assert client.get("/audit/999999").status_code == 404


def test_trail_pages_and_runs_the_same_queries_for_3_or_30_events(client, auth, build, db_session, app, count_queries):
    auth.login_as(Role.ADMIN)
    community = build.community()

    def queries() -> int:
        with app.app_context(), count_queries() as statements:
            assert client.get("/audit/").status_code == 200
        return len(statements)

    actors = iter(many_users(db_session, 30))
    for _ in range(3):
        event(db_session, community, actor=next(actors))
    few = queries()
    for _ in range(27):
        event(db_session, community, actor=next(actors))
    assert queries() == few
    first = client.get("/audit/").get_data(as_text=True)
    assert "Page 1 of 2" in first and "30 records" in first
    assert rows(client.get("/audit/?page=2").get_data(as_text=True)) == 5


def test_only_admins_browse_the_trail(client, auth, build, db_session):
    recorded = event(db_session, build.community(), "create")
    for role in (Role.MANAGER, Role.ACCOUNTANT, Role.PARTNER):
        auth.login_as(role)
        assert client.get("/audit/").status_code == 403
        assert client.get(f"/audit/{recorded.id}").status_code == 403
        auth.logout()


def test_account_changes_are_in_the_trail_without_password_hashes(client, auth, build, db_session):
    auth.login_as(Role.ADMIN)
    carmen = build.user(role=Role.ACCOUNTANT)
    client.post(f"/users/{carmen.id}/password", data={"password": "new-password-123", "confirm": "new-password-123"})
    client.post(f"/users/{carmen.id}/deactivate")
    page = client.get(f"/audit/?entity_type=users&entity_id={carmen.id}").get_data(as_text=True)
    assert rows(page) == 2 and "scrypt" not in page
    for recorded in db_session.query(AuditEvent).filter_by(entity_type="users").all():
        assert "password_hash" not in (recorded.after or {}) and "password_hash" not in (recorded.before or {})
