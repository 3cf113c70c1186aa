"""Demo sign-ins, one per role. They exist only in demo data, never in production."""

from __future__ import annotations

from app.accounts.roles import Role
from app.accounts.services import create_user
from app.extensions import db
from app.partners.models import Partner, PartnerKind

DEMO_PASSWORD = "lares-demo-2026"

DEMO_USERS = [
    ("admin@lares.example", "Ana Torres (admin)", Role.ADMIN, "es"),
    ("manager@lares.example", "Rubén Quispe (operaciones)", Role.MANAGER, "es"),
    ("accountant@lares.example", "Carmen Huamán (contabilidad)", Role.ACCOUNTANT, "es"),
    ("partner@lares.example", "Partner reader (Awamaki-like NGO)", Role.PARTNER, "en"),
]


def seed_users(communities: dict) -> list[tuple[str, Role]]:
    """Create the demo partner organisation and one user per role."""
    partner = Partner(
        name="Tejiendo Futuro (demo NGO)", kind=PartnerKind.NGO, language="en",
        contact_email="reports@tejiendo.example",
        communities=[communities["Huacahuasi"], communities["Choquecancha"], communities["Patacancha"]],
    )
    db.session.add(partner)
    db.session.flush()
    logins = []
    for email, name, role, language in DEMO_USERS:
        create_user(email, name, role, DEMO_PASSWORD, language=language,
                    partner_id=partner.id if role == Role.PARTNER else None)
        logins.append((email, role))
    return logins
