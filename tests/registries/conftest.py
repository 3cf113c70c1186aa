"""Fixtures for the registry tests: a signed-in manager and form-data helpers."""

from __future__ import annotations

import re

import pytest

from app.accounts.roles import Role


@pytest.fixture
def manager(auth):
    """A signed-in operations manager (edits registries)."""
    return auth.login_as(Role.MANAGER, full_name="Rosa Huamán")


def payment(method: str = "cash", **fields) -> dict:
    """The payment subform's fields as posted."""
    data = {"payment-payment_method": method}
    data.update({f"payment-{key}": value for key, value in fields.items()})
    return data


def family_data(community, **overrides) -> dict:
    """A valid family form as posted."""
    data = {
        "community_id": str(community.id), "household_head": "Juana Quispe Ñaupa",
        "host_gender": "female", "beds": "4", "phone": "984 123 456", "active": "y",
        "notes": "", **payment("cash"),
    }
    data.update(overrides)
    return data


def association_data(community, **overrides) -> dict:
    """A valid weaving association form as posted."""
    data = {
        "community_id": str(community.id), "name": "Tejedoras de Cuncani", "members": "20",
        "women_members": "18", "contact_name": "Martina Huillca", "contact_phone": "984555111",
        **payment("cash"),
    }
    data.update(overrides)
    return data


def staff_data(**overrides) -> dict:
    """A valid staff form as posted (a porter born in 1990)."""
    data = {
        "full_name": "Santos Condori Apaza", "dni": "41234567", "birth_date": "1990-05-17",
        "gender": "male", "community_id": "", "phone": "984000111",
        "emergency_contact_name": "Dominga Condori", "emergency_contact_phone": "984000222",
        "insurance_expiry": "2027-03-01", "roles": ["porter"], **payment("cash"),
    }
    data.update(overrides)
    return data


def page_text(client, url: str) -> str:
    """A page's HTML without its flashed messages (which may repeat a record's name)."""
    html = client.get(url).get_data(as_text=True)
    return re.sub(r'<p class="flash[^"]*"[^>]*>.*?</p>', "", html, flags=re.S)
