"""Who may open the foundation's pages: start page, accounts, audit trail.

Collected by tests/test_access_matrix.py (with every other tests/**/access_rules.py).
"""

from app.accounts.models import User
from app.accounts.roles import ALL_ROLES, PUBLIC, Role
from app.audit.models import AuditEvent

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
}

URL_PARAMS = {
    "user_id": User,
    "event_id": AuditEvent,
}

# A signed-in user asking for the sign-in page is sent to the start page. A manager's start
# page is the operations dashboard (redirected to, or shown in place).
SIGNED_IN_GET_STATUS = {"accounts.login": 302, "home.index": {Role.MANAGER: {200, 302}}}

# Valid submissions, so the hostile-input test changes one field at a time from a form that
# would otherwise pass (reaching the services' own refusals, not only "this field is required").
_NEW_PASSWORD = "nuevo-acceso-2026"
VALID_FORM_DATA = {
    "accounts.user_create": {
        "email": "nueva@lares.example", "full_name": "Nilda Ccorimanya", "role": "manager",
        "language": "es", "partner_id": "", "password": _NEW_PASSWORD, "confirm": _NEW_PASSWORD,
    },
    "accounts.user_reset_password": {"password": _NEW_PASSWORD, "confirm": _NEW_PASSWORD},
    "accounts.change_password": {
        "current_password": "lares-demo-2026", "password": _NEW_PASSWORD, "confirm": _NEW_PASSWORD,
    },
    "accounts.my_account": {"language": "en"},
}
