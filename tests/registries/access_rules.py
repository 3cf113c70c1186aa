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

# A valid baseline for the hostile-input test (forms whose choices do not depend on ids).
VALID_FORM_DATA = {
    "registries.community_create": {
        "name": "Ipsaycocha", "district": "Lares", "altitude_m": "4300",
        "payment-payment_method": "cash",
    },
    "registries.staff_create": {
        "full_name": "Hilario Huamán Sutta", "dni": "47654321", "birth_date": "1988-04-02",
        "roles": "arriero", "payment-payment_method": "cash",
    },
}
