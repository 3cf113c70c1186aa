"""The main menu: which sections each role sees."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.accounts.roles import Role

A, M, C, P = Role.ADMIN, Role.MANAGER, Role.ACCOUNTANT, Role.PARTNER


@dataclass(frozen=True)
class MenuEntry:
    """A section of the app and the roles that see it."""

    label: object
    endpoint: str
    roles: frozenset[Role]


# Capabilities add their sections here, in menu order.
MENU: list[MenuEntry] = [
    MenuEntry(_l("Communities"), "registries.community_list", frozenset({A, M, C})),
    MenuEntry(_l("Families"), "registries.family_list", frozenset({A, M, C})),
    MenuEntry(_l("Weavers"), "registries.association_list", frozenset({A, M, C})),
    MenuEntry(_l("Staff"), "registries.staff_list", frozenset({A, M, C})),
    MenuEntry(_l("Users"), "accounts.user_list", frozenset({A})),
    MenuEntry(_l("Operations"), "operations.dashboard", frozenset({A, M, C})),
    MenuEntry(_l("Departures"), "operations.departure_list", frozenset({A, M, C})),
    MenuEntry(_l("Routes"), "operations.route_list", frozenset({A, M, C})),
    MenuEntry(_l("Homestay fairness"), "operations.fairness_index", frozenset({A, M, C})),
    MenuEntry(_l("Parameters"), "operations.parameters", frozenset({A, M, C})),
    MenuEntry(_l("Ledger"), "ledger.journal", frozenset({A, C})),
    MenuEntry(_l("Payables"), "ledger.payables", frozenset({A, C})),
    MenuEntry(_l("Payments"), "payments.payment_list", frozenset({A, C})),
    MenuEntry(_l("Impact reports"), "impact.report_form", frozenset({A, M, C})),
    MenuEntry(_l("Impact reports"), "impact.issued_list", frozenset({P})),
    MenuEntry(_l("Partners"), "partners.partner_list", frozenset({A, M, C})),
    MenuEntry(_l("Audit trail"), "audit.event_list", frozenset({A})),
]

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.MANAGER: _l("Operations manager"),
    Role.ACCOUNTANT: _l("Accountant"),
    Role.PARTNER: _l("Partner"),
}


@dataclass(frozen=True)
class MenuLink:
    """A menu entry resolved for the current request."""

    label: object
    url: str
    active: bool


def navigation_items() -> list[MenuLink]:
    """The menu entries the signed-in user's role may open."""
    if not current_user.is_authenticated:
        return []
    links = []
    for entry in MENU:
        if current_user.role in entry.roles:
            url = url_for(entry.endpoint)
            links.append(MenuLink(entry.label, url, request.path.startswith(url)))
    return links


def role_label(role: Role) -> object:
    """A role's name in the user's language."""
    return ROLE_LABELS[role]


def register(app: Flask) -> None:
    """Expose the menu to templates."""
    app.add_template_global(navigation_items)
    app.add_template_global(role_label)
