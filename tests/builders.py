"""Builders: make valid records with sensible defaults; override only what a test is about."""

from __future__ import annotations

import itertools
from datetime import date

from app.accounts.models import User
from app.accounts.roles import Role
from app.partners.models import Partner, PartnerKind
from app.registries.models import (
    Community,
    Gender,
    HomestayFamily,
    StaffMember,
    StaffRole,
    WeavingAssociation,
)
from app.registries.services import set_staff_roles, slugify
from config import TestConfig

_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


class Builders:
    """Each method adds one record to the session and flushes it."""

    def __init__(self, session) -> None:
        self.session = session

    def _add(self, record):
        self.session.add(record)
        self.session.flush()
        return record

    def user(self, role: Role = Role.MANAGER, password: str = "correct-horse-battery", **fields) -> User:
        n = _next()
        if role == Role.PARTNER and "partner" not in fields and "partner_id" not in fields:
            fields["partner"] = self.partner()
        user = User(
            email=fields.pop("email", f"user{n}@example.com"),
            full_name=fields.pop("full_name", f"User {n}"),
            role=role,
            language=fields.pop("language", "en"),
            **fields,
        )
        user.set_password(password, TestConfig.PASSWORD_HASH_METHOD)  # built outside any app
        return self._add(user)

    def partner(self, **fields) -> Partner:
        n = _next()
        return self._add(Partner(
            name=fields.pop("name", f"Partner {n}"),
            kind=fields.pop("kind", PartnerKind.NGO),
            language=fields.pop("language", "en"),
            **fields,
        ))

    def community(self, **fields) -> Community:
        n = _next()
        name = fields.pop("name", f"Community {n}")
        return self._add(Community(
            name=name, slug=fields.pop("slug", slugify(name)),
            district=fields.pop("district", "Lares"), **fields,
        ))

    def family(self, community: Community | None = None, **fields) -> HomestayFamily:
        n = _next()
        return self._add(HomestayFamily(
            community=community or self.community(),
            household_head=fields.pop("household_head", f"Household {n}"),
            host_gender=fields.pop("host_gender", Gender.FEMALE),
            beds=fields.pop("beds", 4),
            **fields,
        ))

    def association(self, community: Community | None = None, **fields) -> WeavingAssociation:
        n = _next()
        return self._add(WeavingAssociation(
            community=community or self.community(),
            name=fields.pop("name", f"Weavers {n}"),
            members=fields.pop("members", 12),
            women_members=fields.pop("women_members", 10),
            **fields,
        ))

    def staff(self, roles: set[StaffRole] | None = None, **fields) -> StaffMember:
        n = _next()
        member = StaffMember(
            full_name=fields.pop("full_name", f"Staff {n}"),
            dni=fields.pop("dni", f"{70000000 + n:08d}"),
            birth_date=fields.pop("birth_date", date(1990, 1, 1)),
            insurance_expiry=fields.pop("insurance_expiry", date(2030, 1, 1)),
            **fields,
        )
        set_staff_roles(member, roles or {StaffRole.PORTER})
        return self._add(member)
