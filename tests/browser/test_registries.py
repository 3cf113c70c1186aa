"""In a real browser: a manager imports a Spanish CSV of families, previews it, imports all of
it, and finds the families in the Spanish interface.

Uses the shared live server (demo data: Huacahuasi and Choquecancha exist) and its `page`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.accounts.roles import Role
from tests.browser.conftest import BROWSER_PASSWORD, login, make_user

DATA = Path(__file__).resolve().parents[1] / "registries" / "data"

pytestmark = pytest.mark.browser


def test_manager_imports_a_spanish_csv_after_its_preview(page, live_server):
    login(page, make_user(live_server, Role.MANAGER, language="en"), BROWSER_PASSWORD)

    page.goto("/families")
    page.click("main >> text=Import CSV")
    page.set_input_files("input[name=file]", str(DATA / "familias_es.csv"))
    page.click("main button.primary")
    preview = page.inner_text("main")
    assert "3 rows" in preview and "Juana Ñaupa Quispe" in preview
    page.click("[data-testid=import-all]")
    page.wait_for_url("**/families")
    assert "3 records imported." in page.inner_text("main")

    page.click("[data-testid=switch-language]")
    expect(page.get_by_test_id("switch-language")).to_have_text("English")
    page.goto("/families?q=Cusihuam%C3%A1n+Puma")
    listing = page.inner_text("main")
    assert "Familias anfitrionas" in listing
    assert "Martina Cusihuamán Puma" in listing and "Fuera de la rotación" in listing
