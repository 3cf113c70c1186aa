"""A manager plans a classic 3-day trek in a real browser, from an empty draft to the manifest.

Uses the shared live server (the demo data, committed) and its `page`; the departure it plans
(15 December) is on a date no other journey plans.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.operations.models import Departure, HomestayAllocation
from tests.browser.steps import plan_and_confirm_departure

pytestmark = pytest.mark.browser


def test_manager_plans_a_classic_trek_and_prints_the_manifest(live_server, page):
    app = live_server.app
    page.goto("/login")
    page.fill("input[name=email]", "manager@lares.example")
    page.fill("input[name=password]", "lares-demo-2026")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=Los próximos 14 días")

    plan_and_confirm_departure(page, "2026-12-15", [
        ("Zoë Ñúñez", "Chile"), ("Liam Byrne", "Ireland"), ("Aiko Sato", "Japan"),
        ("Jonas Berg", "Norway"), ("Marta Peña", "Spain"), ("Kofi Mensah", "Ghana")])
    heading = page.inner_text("h1")
    assert "LAR-2026-12-15-A" in heading and "Confirmada" in heading, page.inner_text("main")

    with page.expect_download() as download:
        page.click("[data-testid=manifest-es]")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages)

    with app.app_context():
        departure = db.session.scalars(select(Departure).where(Departure.code == "LAR-2026-12-15-A")).one()
        families = {a.family.household_head for a in db.session.scalars(
            select(HomestayAllocation).where(HomestayAllocation.departure_id == departure.id))}
        assert len(departure.travellers) == 6
        assert sum(1 for a in departure.staff_assignments if a.role.value == "porter") == 3
    assert families
    for family in families:
        assert family in text
    assert "Zoë Ñúñez" in text and "Familias anfitrionas" in text
