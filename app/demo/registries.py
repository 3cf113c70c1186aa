"""Demo registries: the real communities of the Lares valley; invented families and staff."""

from __future__ import annotations

import random
from datetime import date

from app.extensions import db
from app.registries.models import (
    Community,
    Gender,
    HomestayFamily,
    PaymentMethod,
    StaffMember,
    StaffRole,
    WeavingAssociation,
)
from app.registries.services import set_staff_roles, slugify

# name, district, altitude (m): the communities on the operator's routes (DOMAIN.md).
COMMUNITIES = [
    ("Lares", "Lares", 3250),
    ("Huacahuasi", "Lares", 3800),
    ("Choquecancha", "Lares", 3400),
    ("Quishuarani", "Lares", 3750),
    ("Cuncani", "Lares", 3800),
    ("Patacancha", "Ollantaytambo", 3700),
    ("Kelkanka", "Ollantaytambo", 3650),
    ("Cancha Cancha", "Taray", 3900),
    ("Willoc", "Ollantaytambo", 3550),
]

# Families per community: the homestay communities have more.
FAMILIES_PER_COMMUNITY = {
    "Huacahuasi": 6, "Choquecancha": 5, "Quishuarani": 4, "Cuncani": 4,
    "Patacancha": 4, "Lares": 3, "Kelkanka": 2, "Cancha Cancha": 2, "Willoc": 0,
}

GIVEN_FEMALE = ["Juana", "Rosa", "Martina", "Francisca", "Valentina", "Dominga", "Lucía",
                "Nilda", "Eulogia", "Florencia", "Sabina", "Antonia", "Yolanda", "Gregoria"]
GIVEN_MALE = ["Mariano", "Julián", "Santos", "Faustino", "Eusebio", "Teófilo", "Cirilo",
              "Nicanor", "Wilber", "Edwin", "Hilario", "Leoncio", "Saturnino", "Américo"]
SURNAMES = ["Quispe", "Mamani", "Huillca", "Ñaupa", "Condori", "Huamán", "Ccorimanya",
            "Yupanqui", "Sutta", "Cusihuamán", "Puma", "Chalco", "Apaza", "Layme", "Ttito"]

ASSOCIATIONS = [
    ("Asociación de Tejedoras Huacahuasi", "Huacahuasi", 24, 22),
    ("Away Riqchary Choquecancha", "Choquecancha", 18, 18),
    ("Tejedoras de Patacancha", "Patacancha", 15, 13),
]


def _name(rng: random.Random, gender: Gender) -> str:
    given = rng.choice(GIVEN_FEMALE if gender == Gender.FEMALE else GIVEN_MALE)
    return f"{given} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"


def seed_registries(rng: random.Random) -> dict[str, Community]:
    """Add communities, ~30 families, 3 associations and ~25 staff; return communities by name."""
    communities: dict[str, Community] = {}
    for name, district, altitude in COMMUNITIES:
        community = Community(
            name=name, slug=slugify(name), district=district, altitude_m=altitude,
            leader_name=_name(rng, Gender.MALE), leader_phone=f"9{rng.randrange(10**7, 10**8)}",
            treasurer_name=_name(rng, Gender.FEMALE), treasurer_phone=f"9{rng.randrange(10**7, 10**8)}",
            payment_method=PaymentMethod.BANK, bank_name="Banco de la Nación",
            bank_account=f"04-{rng.randrange(10**9, 10**10)}",
        )
        db.session.add(community)
        communities[name] = community
    db.session.flush()

    methods = [PaymentMethod.CASH] * 5 + [PaymentMethod.YAPE] * 2 + [PaymentMethod.BANK, PaymentMethod.PLIN]
    for community_name, count in FAMILIES_PER_COMMUNITY.items():
        used: set[str] = set()
        for _ in range(count):
            gender = Gender.FEMALE if rng.random() < 0.6 else Gender.MALE
            head = _name(rng, gender)
            while head in used:
                head = _name(rng, gender)
            used.add(head)
            method = rng.choice(methods)
            db.session.add(HomestayFamily(
                community=communities[community_name], household_head=head, host_gender=gender,
                beds=rng.choice([2, 3, 3, 4, 4, 5, 6]), phone=f"9{rng.randrange(10**7, 10**8)}",
                payment_method=method,
                bank_name="Caja Cusco" if method == PaymentMethod.BANK else None,
                bank_account=f"{rng.randrange(10**13, 10**14)}" if method == PaymentMethod.BANK else None,
                wallet_phone=f"9{rng.randrange(10**7, 10**8)}" if method in (PaymentMethod.YAPE, PaymentMethod.PLIN) else None,
            ))

    for name, community_name, members, women in ASSOCIATIONS:
        db.session.add(WeavingAssociation(
            community=communities[community_name], name=name, members=members,
            women_members=women, contact_name=_name(rng, Gender.FEMALE),
            contact_phone=f"9{rng.randrange(10**7, 10**8)}", payment_method=PaymentMethod.CASH,
        ))

    staff_plan = [StaffRole.PORTER] * 14 + [StaffRole.ARRIERO] * 5 + [StaffRole.COOK] * 3 + [StaffRole.GUIDE] * 3
    origins = ["Huacahuasi", "Choquecancha", "Quishuarani", "Cuncani", "Patacancha", "Lares"]
    for index, role in enumerate(staff_plan):
        gender = Gender.MALE if role != StaffRole.COOK or index % 2 else Gender.FEMALE
        staff = StaffMember(
            full_name=_name(rng, gender), dni=f"{40000000 + index * 7919:08d}",
            birth_date=date(rng.randrange(1970, 2004), rng.randrange(1, 13), rng.randrange(1, 29)),
            gender=gender,
            community=communities[rng.choice(origins)] if role != StaffRole.GUIDE else None,
            phone=f"9{rng.randrange(10**7, 10**8)}",
            emergency_contact_name=_name(rng, Gender.FEMALE),
            emergency_contact_phone=f"9{rng.randrange(10**7, 10**8)}",
            insurance_expiry=date(2027, rng.randrange(1, 13), 1),
            payment_method=rng.choice([PaymentMethod.CASH, PaymentMethod.YAPE]),
        )
        if staff.payment_method == PaymentMethod.YAPE:
            staff.wallet_phone = f"9{rng.randrange(10**7, 10**8)}"
        roles = {role}
        if role == StaffRole.PORTER and index % 5 == 0:
            roles.add(StaffRole.COOK)
        set_staff_roles(staff, roles)
        db.session.add(staff)
    db.session.flush()
    return communities
