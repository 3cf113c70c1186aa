"""A partner organisation's reader sees only what is issued to it: every office page and file is
403 to them whatever id they guess, and another organisation's files are 403 or 404."""

from __future__ import annotations

import pytest

from app import create_app
from app.accounts.roles import PUBLIC, Role
from app.accounts.services import create_user
from app.extensions import db
from app.partners.models import Partner, PartnerKind
from config import TestConfig
from tests.conftest import PASSWORD
from tests.route_walk import (
    MISSING_ID,
    access_rule,
    build_url,
    collect_access_rules,
    demo_sign_in,
    id_arguments,
    probe_method,
    walked_rules,
)

pytest_plugins = ["tests.walk_fixtures"]  # walk_app, walk_session, walk_samples

GUESSED_IDS = (1, 2, 3, 7, 42, MISSING_ID)


def _partner_routes_with_ids() -> list[str]:
    """Routes a partner may open that name a record: their reports and files."""
    app = create_app(TestConfig)
    rules = collect_access_rules()
    return [rule.endpoint for rule in walked_rules(app)
            if id_arguments(rule) and access_rule(app, rules, rule.endpoint) not in (None, PUBLIC)
            and Role.PARTNER in access_rule(app, rules, rule.endpoint)]


def test_partner_guessing_urls_of_office_pages_gets_403_every_time(walk_app, walk_samples):
    app = walk_app
    rules = collect_access_rules()
    values = walk_samples
    client = app.test_client()
    demo_sign_in(client, Role.PARTNER)
    office = [rule for rule in walked_rules(app)
              if access_rule(app, rules, rule.endpoint) not in (None, PUBLIC)
              and Role.PARTNER not in access_rule(app, rules, rule.endpoint)]
    assert office, "no office routes found"
    answered = []
    for rule in office:
        guesses = [values] + [{**values, **{name: guess for name in id_arguments(rule)}}
                              for guess in GUESSED_IDS] if id_arguments(rule) else [values]
        for guess in guesses:
            url = build_url(app, rule, guess)
            response = client.open(url, method=probe_method(rule))
            if response.status_code != 403:
                answered.append(f"{probe_method(rule)} {url}: {response.status_code}")
    assert answered == []


@pytest.mark.parametrize("endpoint", _partner_routes_with_ids())
def test_another_organisations_files_are_403_or_404(walk_app, walk_session, walk_samples, endpoint):
    """The demo data issues to the demo partner; a reader of a new organisation sees none of it."""
    app, values = walk_app, walk_samples
    with app.app_context():
        other = Partner(name="Another NGO", kind=PartnerKind.NGO)
        db.session.add(other)
        db.session.flush()
        create_user("reader@another.example", "Another reader", Role.PARTNER, PASSWORD,
                    partner_id=other.id)
        db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": "reader@another.example", "password": PASSWORD}).status_code == 302
    rule = next(rule for rule in walked_rules(app) if rule.endpoint == endpoint)
    for guess in [values, *({**values, **{name: n for name in id_arguments(rule)}} for n in GUESSED_IDS)]:
        url = build_url(app, rule, guess)
        assert client.open(url, method=probe_method(rule)).status_code in (403, 404), url
