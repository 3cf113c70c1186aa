"""Ids nobody could have: a URL naming record 2**31 or more is a plain 404, never a 500.

PostgreSQL's INTEGER stops at 2**31-1: comparing an id column with a bigger number raises
"integer out of range" (SQLite raises OverflowError past 2**63). Every route with a record id in
its path is walked with such ids, as the first role it allows.
"""

from __future__ import annotations

import pytest

from app import create_app
from config import TestConfig
from tests.route_walk import (
    access_rule,
    build_url,
    collect_access_rules,
    demo_sign_in,
    id_arguments,
    probe_method,
    role_for,
    walked_rules,
)

pytest_plugins = ["tests.walk_fixtures"]  # walk_app, walk_session, walk_samples

ABSURD_IDS = (2**31, 2**63, 10**29)  # just past INTEGER, past BIGINT, a 30-digit id


def _id_routes() -> list[str]:
    app = create_app(TestConfig)
    return [rule.endpoint for rule in walked_rules(app) if id_arguments(rule)]


def test_the_walk_finds_the_id_routes():
    assert len(_id_routes()) > 60


@pytest.mark.parametrize("endpoint", _id_routes())
def test_an_id_past_any_record_in_the_url_is_not_found(walk_app, walk_session, walk_samples, endpoint):
    app = walk_app
    rules = collect_access_rules()
    rule = next(rule for rule in walked_rules(app) if rule.endpoint == endpoint)
    client = app.test_client()
    demo_sign_in(client, role_for(access_rule(app, rules, endpoint)))
    problems = []
    for absurd in ABSURD_IDS:
        for name in id_arguments(rule):
            url = build_url(app, rule, {**walk_samples, name: absurd})
            try:
                response = client.open(url, method=probe_method(rule))
            except Exception as error:  # a 500 in production
                walk_session.rollback()
                problems.append(f"{probe_method(rule)} {url}: raised {error!r}")
                continue
            if response.status_code >= 500:
                problems.append(f"{probe_method(rule)} {url}: {response.status_code}")
    assert problems == []


def test_the_largest_id_postgresql_holds_still_reaches_the_view(client, auth, db_session):
    """2**31-1 is an id like any other: not found here, but answered by the view (its 404 page)."""
    from app.accounts.roles import Role

    auth.login_as(Role.ADMIN)
    assert client.get(f"/families/{2**31 - 1}").status_code == 404
    assert client.get("/families/2147483648").status_code == 404
