"""Hostile input never reaches a 500, never writes half a record, and comes back escaped.

Every route that answers both GET and POST is opened (as an administrator when allowed, else
as the first role it allows, anonymous for public pages); each `<form method="post">` that
posts back to that page is read with html.parser, and hostile values are posted into every
field: all fields at once, then one field at a time over a baseline (the page's own values,
or VALID_FORM_DATA from the capability's access_rules.py). Every GET filter form on every page
gets the same values in its query string. Forms added later are picked up automatically.

For each answer: status < 500; no raw `<script>` comes back (nor on the page a redirect leads
to); and when the form was refused (4xx, or re-rendered with errors), no table's row count
changed (except writes that are the point of a refusal, like a failed sign-in's attempt row).
"""

from __future__ import annotations

import io

import pytest

from app import create_app
from app.accounts.roles import PUBLIC, Role
from config import TestConfig
from tests.html_forms import HtmlForm, parse_forms
from tests.route_walk import (
    build_url,
    collect_access_rules,
    demo_sign_in,
    is_missing_sample,
    row_counts,
    seed_demo_data,
    walked_rules,
)

SCRIPT = "<script>alert(1)</script>"
HOSTILE_VALUES = [
    "",
    "   ",
    "x" * 10_000,
    "abc",
    "2026-13-45",
    "-1",
    "-0.01",
    "' OR 1=1 --",
    "1; DROP TABLE users",
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "nul\x00byte",
    "Ñaupa Huillca",
    "🦙 Ccorimanya 🏔️",
    "1e309",
    "99999999999999999999",
    "NaN",
]
# Refusals that legitimately write: a failed sign-in is recorded so guessing can be throttled.
LEGITIMATE_WRITES = {"accounts.login": {"login_attempts"}}
ROLE_PREFERENCE = [Role.ADMIN, Role.MANAGER, Role.ACCOUNTANT, Role.PARTNER]


def _routes_with_forms() -> list[str]:
    app = create_app(TestConfig)
    return [rule.endpoint for rule in walked_rules(app) if {"GET", "POST"} <= rule.methods]


def _get_pages() -> list[str]:
    app = create_app(TestConfig)
    return [rule.endpoint for rule in walked_rules(app) if "GET" in rule.methods]


def role_for(expected) -> Role | None:
    """Who opens the form: an administrator when allowed, else the first allowed role."""
    if expected == PUBLIC:
        return None
    return next(role for role in ROLE_PREFERENCE if role in expected)


def refused(response) -> bool:
    """A 4xx, or the form again with field errors or an error message."""
    if 400 <= response.status_code < 500:
        return True
    body = response.get_data(as_text=True)
    return response.status_code == 200 and (
        'class="error"' in body or 'class="form-errors"' in body or "flash-error" in body)


def posts_back(form: HtmlForm, path: str) -> bool:
    return form.method == "post" and form.action.split("?")[0] in ("", path)


def payload(form: HtmlForm, values: dict[str, str]) -> dict:
    """Form data; file inputs get the value as an uploaded file's content."""
    data: dict = dict(values)
    for control in form.fields:
        if control.kind == "file" and control.name in values:
            content = values[control.name].encode("utf-8", "surrogatepass")
            data[control.name] = (io.BytesIO(content), "hostile.csv")
    return data


def attempts(form: HtmlForm, baseline: dict[str, str]):
    """(description, data) for every hostile value: in all fields, then in each field alone."""
    names = [control.name for control in form.editable()]
    for value in HOSTILE_VALUES:
        yield f"all fields = {value[:20]!r}", {**baseline, **{name: value for name in names}}
        for name in names:
            yield f"{name} = {value[:20]!r}", {**baseline, name: value}


@pytest.mark.parametrize("endpoint", _routes_with_forms())
def test_hostile_values_in_every_field_of_every_form(app, db_session, endpoint):
    rules = collect_access_rules()
    values = seed_demo_data(app)
    db_session.commit()  # keep the demo data when a refused request rolls back its own work
    rule = next(rule for rule in walked_rules(app) if rule.endpoint == endpoint)
    if is_missing_sample(rule, values):
        pytest.skip(f"the demo data has no record for {endpoint}'s URL")
    client = app.test_client()
    demo_sign_in(client, role_for(rules.expected[endpoint]))
    path = build_url(app, rule, values)
    page = client.get(path)
    assert page.status_code == 200, f"GET {path}: {page.status_code}"
    forms = [form for form in parse_forms(page.get_data(as_text=True)) if posts_back(form, path)]
    assert forms, f"{path} answers POST but shows no form posting back to it"

    problems, tried = [], 0
    ignored = LEGITIMATE_WRITES.get(endpoint, set())
    for form in forms:
        baseline = {**form.defaults(), **rules.valid_form_data.get(endpoint, {})}
        for description, data in attempts(form, baseline):
            tried += 1
            with app.app_context():
                before = row_counts()
            try:
                response = client.post(path, data=payload(form, data),
                                       content_type=form.enctype or None)
            except Exception as error:  # a 500 in production
                db_session.rollback()
                problems.append(f"{description}: raised {error!r}")
                continue
            body = response.get_data(as_text=True)
            if response.status_code >= 500:
                problems.append(f"{description}: status {response.status_code}")
            if SCRIPT in body:
                problems.append(f"{description}: unescaped script in the answer")
            if response.status_code in (301, 302, 303) and SCRIPT in client.get(response.headers["Location"]).get_data(as_text=True):
                problems.append(f"{description}: unescaped script on the page it leads to")
            if refused(response):
                with app.app_context():
                    after = row_counts()
                changed = {table for table in after if after[table] != before[table]} - ignored
                if changed:
                    problems.append(f"{description}: refused ({response.status_code}) but wrote to {sorted(changed)}")
    print(f"hostile inputs: {endpoint}: {tried} posts")
    assert problems == [], f"{endpoint}: {len(problems)} of {tried} hostile posts went wrong"


@pytest.mark.parametrize("endpoint", _get_pages())
def test_hostile_values_in_every_filter_of_every_page(app, db_session, endpoint):
    rules = collect_access_rules()
    values = seed_demo_data(app)
    db_session.commit()
    rule = next(rule for rule in walked_rules(app) if rule.endpoint == endpoint)
    client = app.test_client()
    demo_sign_in(client, role_for(rules.expected[endpoint]))
    path = build_url(app, rule, values)
    page = client.get(path)
    filters = [form for form in parse_forms(page.get_data(as_text=True))
               if form.method == "get" and form.action.split("?")[0] in ("", path)]
    problems, tried = [], 0
    for form in filters:
        names = [control.name for control in form.editable()] + ["page"]
        for value in HOSTILE_VALUES:
            for query in [{name: value for name in names}, *({name: value} for name in names)]:
                tried += 1
                response = client.get(path, query_string=query)
                if response.status_code >= 500 or SCRIPT in response.get_data(as_text=True):
                    problems.append(f"{query}: {response.status_code}")
    print(f"hostile inputs: {endpoint} filters: {tried} queries")
    assert problems == []
