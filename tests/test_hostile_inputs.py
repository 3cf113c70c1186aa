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

import html
import io
import re

import pytest

from app import create_app
from app.accounts.roles import Role
from config import TestConfig
from tests.html_forms import HtmlForm, parse_forms
from tests.route_walk import (
    access_rule,
    build_url,
    collect_access_rules,
    demo_sign_in,
    is_missing_sample,
    role_for,
    row_counts,
    walked_rules,
)

pytest_plugins = ["tests.walk_fixtures"]  # walk_app, walk_session, walk_samples

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
    # Numbers Python parses but no person types: only plain digits and one decimal point pass.
    "1e999999999",
    "1e2",
    "１２",  # full-width digits
    "١٢",  # Arabic-Indic digits
    "1_0",
    # Dates at the ends of the calendar: the next day (or a year later) overflows.
    "0001-01-01",
    "9999-12-31",
    # Text that hides or reorders what follows: a right-to-left override, a bell.
    "Ana\u202eserroT",
    "Ana\x07Torres",
]
# Refusals that legitimately write: a failed sign-in is recorded so guessing can be throttled.
LEGITIMATE_WRITES = {"accounts.login": {"login_attempts"}}


def _routes_with_forms() -> list[str]:
    app = create_app(TestConfig)
    return [rule.endpoint for rule in walked_rules(app) if {"GET", "POST"} <= rule.methods]


def _get_pages() -> list[str]:
    """Every endpoint that answers GET."""
    app = create_app(TestConfig)
    return [rule.endpoint for rule in walked_rules(app) if "GET" in rule.methods]


def refused(response) -> bool:
    """A 4xx, or the form again with field errors or an error message."""
    if 400 <= response.status_code < 500:
        return True
    body = response.get_data(as_text=True)
    return response.status_code == 200 and (
        'class="error"' in body or 'class="form-errors"' in body or "flash-error" in body)


def posts_back(form: HtmlForm, path: str) -> bool:
    return form.method == "post" and form.action.split("?")[0] in ("", path)


def find_forms(client, path: str) -> tuple[str, list[HtmlForm]]:
    """The page at `path` and its forms posting back to it. When it shows none (a picker, say
    "choose a payee first"), the first link back to `path` with a query string that does."""
    page = client.get(path)
    assert page.status_code == 200, f"GET {path}: {page.status_code}"
    body = page.get_data(as_text=True)
    forms = [form for form in parse_forms(body) if posts_back(form, path)]
    if forms:
        return path, forms
    links = re.findall(r'href="(' + re.escape(path) + r'\?[^"#]+)"', body)
    for link in dict.fromkeys(html.unescape(link) for link in links):
        linked = client.get(link)
        forms = [form for form in parse_forms(linked.get_data(as_text=True)) if posts_back(form, path)]
        if linked.status_code == 200 and forms:
            return link, forms
    return path, []


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
    names = list(dict.fromkeys(control.name for control in form.editable()))
    seen = set()  # a form of one field: "all fields" and "that field" are the same post
    for value in HOSTILE_VALUES:
        candidates = [(f"all fields = {value[:20]!r}", {**baseline, **{name: value for name in names}}),
                      *((f"{name} = {value[:20]!r}", {**baseline, name: value}) for name in names)]
        for description, data in candidates:
            key = tuple(sorted((name, tuple(value) if isinstance(value, list) else value)
                               for name, value in data.items()))
            if key not in seen:
                seen.add(key)
                yield description, data


@pytest.mark.long
@pytest.mark.parametrize("endpoint", _routes_with_forms())
def test_hostile_values_in_every_field_of_every_form(walk_app, walk_session, walk_samples, endpoint):
    app = walk_app
    rules = collect_access_rules()
    values = walk_samples
    rule = next(rule for rule in walked_rules(app) if rule.endpoint == endpoint)
    if is_missing_sample(rule, values):
        pytest.skip(f"the demo data has no record for {endpoint}'s URL")
    client = app.test_client()
    demo_sign_in(client, role_for(access_rule(app, rules, endpoint)))
    path = build_url(app, rule, values)
    page_url, forms = find_forms(client, path)
    assert forms, f"{path} answers POST but shows no form posting back to it"

    problems, tried = [], 0
    ignored = LEGITIMATE_WRITES.get(endpoint, set())
    for form in forms:
        baseline = {**form.defaults(), **rules.valid_form_data.get(endpoint, {})}
        counts = None  # the row counts as they stand, when known (a refused post changes none)
        for description, data in attempts(form, baseline):
            tried += 1
            if counts is None:
                with app.app_context():
                    counts = row_counts()
            before, counts = counts, None
            try:
                response = client.post(html.unescape(form.action) or page_url, data=payload(form, data),
                                       content_type=form.enctype or None)
            except Exception as error:  # a 500 in production
                walk_session.rollback()
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
                    after = counts = row_counts()
                changed = {table for table in after if after[table] != before[table]} - ignored
                if changed:
                    problems.append(f"{description}: refused ({response.status_code}) but wrote to {sorted(changed)}")
    print(f"hostile inputs: {endpoint}: {tried} posts")
    if problems:
        pytest.fail(f"{endpoint}: {len(problems)} of {tried} hostile posts went wrong:\n"
                    + "\n".join(problems), pytrace=False)


# The pages that carry a GET filter form (a search box, status, dates...). The walk below checks
# this list against every page of the demo data, so a new filter form fails until it is added.
FILTER_PAGES = [
    "accounts.user_list",
    "audit.event_list",
    "impact.preview",
    "impact.verify",
    "ledger.account_statement",
    "ledger.community_statement_view",
    "ledger.journal",
    "ledger.payables",
    "operations.departure_list",
    "operations.fairness",
    "partners.partner_list",
    "payments.batch_new",
    "payments.payment_list",
    "payments.payment_new",
    "registries.association_list",
    "registries.community_list",
    "registries.family_list",
    "registries.staff_list",
]


def filter_forms(path: str, page) -> list[HtmlForm]:
    """The GET forms of an HTML page that filter the page itself."""
    if page.mimetype != "text/html":  # files (PDF, CSV) have no filters to try
        return []
    return [form for form in parse_forms(page.get_data(as_text=True))
            if form.method == "get" and form.action.split("?")[0] in ("", path)]


def test_every_page_with_a_filter_form_is_tried_with_hostile_values(walk_app, walk_session, walk_samples):
    app = walk_app
    rules = collect_access_rules()
    clients: dict = {}
    with_filters = set()
    for endpoint in _get_pages():
        rule = next(rule for rule in walked_rules(app) if rule.endpoint == endpoint)
        role = role_for(access_rule(app, rules, endpoint))
        if role not in clients:
            clients[role] = app.test_client()
            demo_sign_in(clients[role], role)
        path = build_url(app, rule, walk_samples)
        if filter_forms(path, clients[role].get(path)):
            with_filters.add(endpoint)
    assert sorted(with_filters) == sorted(FILTER_PAGES), f"pages with filter forms: {sorted(with_filters)}"


@pytest.mark.parametrize("endpoint", FILTER_PAGES)
def test_hostile_values_in_every_filter_of_every_page(walk_app, walk_session, walk_samples, endpoint):
    app = walk_app
    rules = collect_access_rules()
    values = walk_samples
    rule = next(rule for rule in walked_rules(app) if rule.endpoint == endpoint)
    client = app.test_client()
    demo_sign_in(client, role_for(access_rule(app, rules, endpoint)))
    path = build_url(app, rule, values)
    filters = filter_forms(path, client.get(path))
    assert filters, f"{path} shows no filter form any more: take it off FILTER_PAGES"
    problems, tried = [], 0
    for form in filters:
        names = list(dict.fromkeys([control.name for control in form.editable()] + ["page"]))
        for value in HOSTILE_VALUES:
            for query in [{name: value for name in names}, *({name: value} for name in names)]:
                tried += 1
                shown = {name: value[:20] for name, value in query.items()}
                try:
                    response = client.get(path, query_string=query)
                except Exception as error:  # a 500 in production
                    walk_session.rollback()
                    problems.append(f"{shown}: raised {error!r}")
                    continue
                if response.status_code >= 500 or (response.mimetype == "text/html" and SCRIPT in response.get_data(as_text=True)):
                    problems.append(f"{shown}: {response.status_code}")
    print(f"hostile inputs: {endpoint} filters: {tried} queries")
    if problems:
        pytest.fail(f"{endpoint}: {len(problems)} of {tried} hostile filter queries went wrong:\n"
                    + "\n".join(problems), pytrace=False)


def test_a_nul_character_in_any_submitted_form_is_refused_before_any_view(client, auth, db_session):
    """PostgreSQL text cannot hold NUL; SQLite would store it silently. Both answer 400."""
    auth.login_as(Role.ADMIN)
    with client.application.app_context():
        before = row_counts()
    response = client.post("/users/new", data={"email": "a@b.example", "full_name": "Ana\x00Torres"})
    assert response.status_code == 400 and "error-page" in response.get_data(as_text=True)
    with client.application.app_context():
        assert row_counts() == before
