"""Walking every registered route: the access rules each capability declares, and sample URLs.

Each capability's tests keep an `access_rules.py` module (anywhere under tests/) with:

- `EXPECTED_ACCESS`: endpoint -> the set of roles allowed (or `PUBLIC`), for every route it adds;
- `URL_PARAMS`: URL parameter name -> the model whose first row (lowest id) fills it, or a
  literal value;
- optionally `SIGNED_IN_GET_STATUS`: endpoint -> the status an allowed user's GET gets when it
  is not 200 (a redirect by design), a set of statuses, or a dict role -> status(es) when it
  depends on the role;
- optionally `VALID_FORM_DATA`: endpoint -> form values that pass validation, so the
  hostile-input test can change one field at a time from a valid baseline;
- optionally `FORM_PAGE_QUERY`: endpoint -> the query arguments (a dict, or a callable run after
  the demo data is seeded) under which the page shows its form, for a form that needs a choice
  made first (a payment form needs its payee).

The route x role matrix, the hostile-input, CSRF and partner-isolation tests all read them here,
and walk the demo data through the fixtures in tests/walk_fixtures.py (a test module names
them with `pytest_plugins = ["tests.walk_fixtures"]`).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

import tests
from app.accounts.roles import PUBLIC, Role
from app.extensions import db

MISSING_ID = 987654321  # stands for a record that does not exist


@dataclass
class AccessRules:
    """The union of every `access_rules` module's declarations."""

    expected: dict[str, Any] = field(default_factory=dict)
    url_params: dict[str, Any] = field(default_factory=dict)
    signed_in_get_status: dict[str, Any] = field(default_factory=dict)
    valid_form_data: dict[str, dict] = field(default_factory=dict)
    form_page_query: dict[str, Any] = field(default_factory=dict)
    modules: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def _merge(target: dict, source: dict, module: str, what: str, conflicts: list[str]) -> None:
    for key, value in source.items():
        if key in target and target[key] != value:
            conflicts.append(f"{module}: {what}[{key!r}] = {value!r} contradicts {target[key]!r}")
        target[key] = value


def collect_access_rules() -> AccessRules:
    """Import every `tests/**/access_rules.py` and merge their tables."""
    rules = AccessRules()
    root = Path(tests.__file__).parent
    for info in pkgutil.walk_packages([str(root)], prefix="tests."):
        if info.name.rsplit(".", 1)[-1] != "access_rules":
            continue
        module = importlib.import_module(info.name)
        rules.modules.append(info.name)
        for attribute, target in (
            ("EXPECTED_ACCESS", rules.expected),
            ("URL_PARAMS", rules.url_params),
            ("SIGNED_IN_GET_STATUS", rules.signed_in_get_status),
            ("VALID_FORM_DATA", rules.valid_form_data),
            ("FORM_PAGE_QUERY", rules.form_page_query),
        ):
            _merge(target, getattr(module, attribute, {}), info.name, attribute, rules.conflicts)
    return rules


def normalised_roles(value) -> Any:
    """`PUBLIC`, or a frozenset of roles."""
    return PUBLIC if value == PUBLIC else frozenset(value)


def walked_rules(app: Flask) -> list[Rule]:
    """Every URL rule except static files, in a stable order."""
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"),
                  key=lambda rule: (rule.endpoint, rule.rule))


def declared_roles(app: Flask, endpoint: str):
    """The `allowed_roles` the view itself declares (None when it declares nothing)."""
    value = getattr(app.view_functions[endpoint], "allowed_roles", None)
    return None if value is None else normalised_roles(value)


def allows(expected, role: Role | None) -> bool:
    """True when `role` (None: anonymous) may open a route with this expectation."""
    if expected == PUBLIC:
        return True
    return role is not None and role in expected


def sample_values(url_params: dict[str, Any]) -> dict[str, Any]:
    """Each URL parameter's value: the first row of its model, or the literal given.

    Call inside the test's transaction after the demo data is seeded. A model without rows
    gives MISSING_ID (its pages answer 404).
    """
    values = {}
    for name, source in url_params.items():
        if isinstance(source, type) and hasattr(source, "__table__"):
            key = sa_inspect(source).primary_key[0]
            found = db.session.scalar(select(key).order_by(key).limit(1))
            values[name] = found if found is not None else MISSING_ID
        else:
            values[name] = source() if callable(source) else source
    return values


def build_url(app: Flask, rule: Rule, values: dict[str, Any]) -> str:
    """The path of `rule` with its parameters filled from `values` (an `any(...)` parameter
    without an entry takes its first choice)."""
    values = {**{name: sorted(converter.items)[0] for name, converter in rule._converters.items()
                 if isinstance(converter, AnyConverter)}, **values}
    missing = [name for name in rule.arguments if name not in values]
    if missing:
        raise KeyError(f"{rule.endpoint}: no URL_PARAMS entry for {', '.join(sorted(missing))}")
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments},
                         force_external=False)


def form_page_query(app: Flask, rules: AccessRules, endpoint: str) -> dict[str, Any]:
    """The query arguments under which `endpoint` shows its form (FORM_PAGE_QUERY), or {}."""
    source = rules.form_page_query.get(endpoint, {})
    if not callable(source):
        return dict(source)
    with app.app_context():
        return dict(source())


def is_html(response) -> bool:
    """True for an HTML page (not a PDF, CSV or spreadsheet download)."""
    return response.mimetype == "text/html"


def is_missing_sample(rule: Rule, values: dict[str, Any]) -> bool:
    """True when a parameter of `rule` names a record that does not exist."""
    return any(values.get(name) == MISSING_ID for name in rule.arguments)


def probe_method(rule: Rule) -> str:
    """GET when the route answers GET, else POST."""
    return "GET" if "GET" in rule.methods else "POST"


ROLE_PREFERENCE = [Role.ADMIN, Role.MANAGER, Role.ACCOUNTANT, Role.PARTNER]


def role_for(expected) -> Role | None:
    """Who opens a route: an administrator when allowed, else the first allowed role
    (None, anonymous, for public pages)."""
    if expected == PUBLIC:
        return None
    return next(role for role in ROLE_PREFERENCE if role in expected)


def demo_sign_in(client, role: Role | None) -> None:
    """Sign in as the demo user of `role` (None stays anonymous)."""
    from app.demo.users import DEMO_PASSWORD, DEMO_USERS

    if role is None:
        return
    email = next(email for email, _, demo_role, _ in DEMO_USERS if demo_role == role)
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"demo {role.value} could not sign in"


def row_counts() -> dict[str, int]:
    """Rows in every table, in one query."""
    tables = db.metadata.sorted_tables
    counts = db.session.execute(
        select(*(select(func.count()).select_from(table).scalar_subquery().label(table.name)
                 for table in tables))
    ).one()
    return dict(zip((table.name for table in tables), counts, strict=True))


def access_rule(app: Flask, rules: AccessRules, endpoint: str):
    """The table's promise for `endpoint`, else what its view declares (the matrix test
    reports the missing entry; the other walks still cover the route)."""
    expected = rules.expected.get(endpoint)
    return normalised_roles(expected) if expected is not None else declared_roles(app, endpoint)


def id_arguments(rule: Rule) -> list[str]:
    """The integer parameters of `rule` (record ids a visitor could guess)."""
    return [name for name, converter in rule._converters.items()
            if isinstance(converter, IntegerConverter)]
