"""With CSRF protection on (as in production), every POST without a valid token is refused with
400 and writes nothing, whoever sends it."""

from __future__ import annotations

import re

import pytest

from app import create_app
from app.accounts.roles import PUBLIC, Role
from app.demo.users import DEMO_PASSWORD, DEMO_USERS
from tests.route_walk import (
    access_rule,
    build_url,
    collect_access_rules,
    row_counts,
    walked_rules,
)

pytest_plugins = ["tests.walk_fixtures"]  # walk_app, walk_session, walk_samples

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def token_on(client, path: str) -> str:
    """The CSRF token a page gives this client's session."""
    match = TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def sign_in(client, role: Role) -> None:
    """Sign in as the demo user of `role` through the protected form, token included."""
    email = next(email for email, _, demo_role, _ in DEMO_USERS if demo_role == role)
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD,
                                           "csrf_token": token_on(client, "/login")})
    assert response.status_code == 302


@pytest.fixture
def protected_app(walk_app):
    """The walk database, an app with CSRF protection on."""
    protected = create_app({**walk_app.config, "WTF_CSRF_ENABLED": True})
    yield protected


def test_every_post_without_a_token_is_refused_and_writes_nothing(protected_app, walk_app, walk_samples):
    app = walk_app
    rules = collect_access_rules()
    values = walk_samples
    clients = {}
    wrong, posts = [], 0
    for rule in walked_rules(protected_app):
        if "POST" not in rule.methods:
            continue
        expected = access_rule(protected_app, rules, rule.endpoint)
        role = None if expected == PUBLIC else next(r for r in Role if r in expected)
        if role not in clients:
            clients[role] = protected_app.test_client()
            if role is not None:
                sign_in(clients[role], role)
        url = build_url(protected_app, rule, values)
        with app.app_context():
            before = row_counts()
        response = clients[role].post(url, data={"email": "x@lares.example", "language": "en"})
        posts += 1
        with app.app_context():
            after = row_counts()
        if response.status_code != 400 or "error-page" not in response.get_data(as_text=True):
            wrong.append(f"POST {url} as {role}: {response.status_code}")
        if after != before:
            wrong.append(f"POST {url} as {role}: wrote {[t for t in after if after[t] != before[t]]}")
    assert posts > 0 and wrong == []


def test_a_token_from_the_page_is_accepted_and_one_from_another_session_is_not(protected_app, walk_session):
    mine, theirs = protected_app.test_client(), protected_app.test_client()
    sign_in(mine, Role.MANAGER)
    sign_in(theirs, Role.MANAGER)
    stolen = token_on(theirs, "/")
    assert mine.post("/language", data={"language": "en", "csrf_token": stolen}).status_code == 400
    accepted = mine.post("/language", data={"language": "en", "csrf_token": token_on(mine, "/")})
    assert accepted.status_code == 302
    assert mine.post("/logout", data={"csrf_token": token_on(mine, "/")}).status_code == 302
