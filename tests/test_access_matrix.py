"""Every registered route x every role (and anonymous) gets the status its access rule promises.

The expected table is the union of `EXPECTED_ACCESS` in every tests/**/access_rules.py: a new
route without an entry, an entry for a route that does not exist, or a view whose declared
roles differ from the table, fails here. Then each role walks every route on the demo data:

- anonymous: 302 to /login, except `PUBLIC` views (GET 200; POST anything but 403 or 5xx);
- a role the route allows: GET 200 (404 when the sample record does not exist, or the status
  in SIGNED_IN_GET_STATUS, for every role or per role); POST-only routes, posted empty:
  anything but 403 or 5xx;
- a role the route does not allow: 403.
"""

from __future__ import annotations

import pytest

from app import create_app
from app.accounts.roles import PUBLIC, Role
from config import TestConfig
from tests.route_walk import (
    allows,
    build_url,
    collect_access_rules,
    declared_roles,
    demo_sign_in,
    is_missing_sample,
    normalised_roles,
    probe_method,
    walked_rules,
)

pytest_plugins = ["tests.walk_fixtures"]  # walk_app, walk_session, walk_samples

ROLES = [None, *Role]  # None: anonymous


def role_name(role: Role | None) -> str:
    return role.value if role else "anonymous"


def test_every_route_has_an_access_rule_and_the_views_declare_it(app):
    rules = collect_access_rules()
    assert rules.conflicts == []
    endpoints = {rule.endpoint for rule in walked_rules(app)}
    assert sorted(endpoints - set(rules.expected)) == [], "routes without an EXPECTED_ACCESS entry"
    assert sorted(set(rules.expected) - endpoints) == [], "EXPECTED_ACCESS entries for no route"
    differing = {
        endpoint: (declared_roles(app, endpoint), normalised_roles(expected))
        for endpoint, expected in rules.expected.items()
        if endpoint in endpoints and declared_roles(app, endpoint) != normalised_roles(expected)
    }
    assert differing == {}, "views whose declared roles differ from the table (declared, expected)"


def test_an_undeclared_route_is_caught_and_refused():
    """The matrix's own check: a view added without an access rule fails it, and answers 403."""
    app = create_app(TestConfig)

    @app.route("/forgotten")
    def forgotten():
        return "reachable"

    rules = collect_access_rules()
    assert "forgotten" not in rules.expected and declared_roles(app, "forgotten") is None
    assert app.test_client().get("/forgotten").status_code == 403


def expected_status(rule, role, expected, rules, values) -> str:
    """What the walk should see, as a description checked by `matches`."""
    method = probe_method(rule)
    if role is None and expected != PUBLIC:
        return "login"
    if not allows(expected, role):
        return "403"
    if method == "POST":
        return "not refused"
    if is_missing_sample(rule, values):
        return "404"
    special = rules.signed_in_get_status.get(rule.endpoint) if role is not None else None
    if isinstance(special, dict):
        special = special.get(role)
    if special is None:
        return "200"
    return " or ".join(str(status) for status in sorted(special)) if isinstance(special, (set, frozenset, tuple)) else str(special)


def matches(response, wanted: str) -> bool:
    if wanted == "login":
        return response.status_code == 302 and response.headers["Location"].startswith("/login")
    if wanted == "not refused":
        return response.status_code != 403 and response.status_code < 500
    return str(response.status_code) in wanted.split(" or ")


@pytest.mark.parametrize("role", ROLES, ids=role_name)
def test_each_role_gets_what_the_table_promises_on_every_route(walk_app, walk_samples, role):
    app = walk_app
    rules = collect_access_rules()
    values = walk_samples
    client = app.test_client()
    demo_sign_in(client, role)
    # GET pages first, then POST-only actions; signing out last.
    walk = sorted(walked_rules(app), key=lambda rule: (
        rule.endpoint == "accounts.logout", probe_method(rule) == "POST", rule.endpoint))
    wrong = []
    for rule in walk:
        expected = rules.expected.get(rule.endpoint)
        if expected is None:
            wrong.append(f"{rule.endpoint}: no EXPECTED_ACCESS entry")
            continue
        wanted = expected_status(rule, role, expected, rules, values)
        url = build_url(app, rule, values)
        try:
            response = client.open(url, method=probe_method(rule))
        except Exception as error:  # the view crashed: a 500 in production
            wrong.append(f"{probe_method(rule)} {url} ({rule.endpoint}): raised {error!r}, wanted {wanted}")
            continue
        if not matches(response, wanted):
            wrong.append(f"{probe_method(rule)} {url} ({rule.endpoint}): {response.status_code}, wanted {wanted}")
    if wrong:
        pytest.fail(f"{role_name(role)}: {len(wrong)} of {len(walk)} routes answered wrongly:\n"
                    + "\n".join(wrong), pytrace=False)
