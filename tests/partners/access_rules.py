"""Who may open the partner organisation pages: staff read, the administrator manages."""

from app.accounts.roles import Role
from app.partners.models import Partner

READERS = {Role.ADMIN, Role.ACCOUNTANT, Role.MANAGER}

EXPECTED_ACCESS = {
    "partners.partner_list": READERS,
    "partners.partner_detail": READERS,
    "partners.partner_create": {Role.ADMIN},
    "partners.partner_edit": {Role.ADMIN},
    "partners.partner_archive": {Role.ADMIN},
    "partners.partner_restore": {Role.ADMIN},
}

URL_PARAMS = {"partner_id": Partner}

VALID_FORM_DATA = {
    "partners.partner_create": {
        "name": "Red de Turismo Rural Comunitario", "kind": "community_association", "language": "es",
        "contact_name": "Eulogia Quispe", "contact_email": "red@turismo.example", "notes": "",
    },
    "partners.partner_edit": {
        "name": "Tejiendo Futuro (demo NGO)", "kind": "ngo", "language": "en",
        "contact_name": "", "contact_email": "reports@tejiendo.example", "notes": "",
    },
}
