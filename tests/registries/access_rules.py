"""Who may open each registries endpoint (collected by the route x role matrix test)."""

from __future__ import annotations

from app.accounts.roles import Role
from app.registries.models import Community, HomestayFamily, StaffMember, WeavingAssociation

READERS = {Role.ADMIN, Role.MANAGER, Role.ACCOUNTANT}
EDITORS = {Role.ADMIN, Role.MANAGER}

EXPECTED_ACCESS = {
    **{f"registries.{key}_{action}": READERS
       for key in ("community", "family", "association", "staff") for action in ("list", "detail")},
    **{f"registries.{key}_{action}": EDITORS
       for key in ("community", "family", "association", "staff")
       for action in ("create", "edit", "archive", "restore")},
    **{f"registries.{key}_{action}": EDITORS
       for key in ("family", "staff") for action in ("import", "import_confirm")},
}

URL_PARAMS = {
    "community_id": Community,
    "family_id": HomestayFamily,
    "association_id": WeavingAssociation,
    "staff_id": StaffMember,
}
