"""Who may open the foundation's pages: start page, accounts, audit trail.

Collected by tests/test_access_matrix.py (with every other tests/**/access_rules.py).
"""

from app.accounts.models import User
from app.accounts.roles import ALL_ROLES, PUBLIC, Role
from app.audit.models import AuditEvent
from app.registries.models import Community

ADMIN = {Role.ADMIN}

EXPECTED_ACCESS = {
    "home.index": set(ALL_ROLES),
    "accounts.login": PUBLIC,
    "accounts.choose_language": PUBLIC,
    "accounts.logout": set(ALL_ROLES),
    "accounts.my_account": set(ALL_ROLES),
    "accounts.change_password": set(ALL_ROLES),
    "accounts.user_list": ADMIN,
    "accounts.user_create": ADMIN,
    "accounts.user_detail": ADMIN,
    "accounts.user_deactivate": ADMIN,
    "accounts.user_reactivate": ADMIN,
    "accounts.user_reset_password": ADMIN,
    "audit.event_list": ADMIN,
    "audit.event_detail": ADMIN,
    # INTERIM, until tests/registries/access_rules.py lands on main: the skeleton's community
    # routes. Remove these lines (and Community below) then; identical duplicates are tolerated.
    "registries.community_list": {Role.ADMIN, Role.MANAGER, Role.ACCOUNTANT},
    "registries.community_detail": {Role.ADMIN, Role.MANAGER, Role.ACCOUNTANT},
    "registries.community_create": {Role.ADMIN, Role.MANAGER},
    "registries.community_edit": {Role.ADMIN, Role.MANAGER},
    "registries.community_archive": {Role.ADMIN, Role.MANAGER},
    "registries.community_restore": {Role.ADMIN, Role.MANAGER},
}

URL_PARAMS = {
    "user_id": User,
    "event_id": AuditEvent,
    "community_id": Community,  # INTERIM (registries)
}

# A signed-in user asking for the sign-in page is sent to the start page.
SIGNED_IN_GET_STATUS = {"accounts.login": 302}
