"""Steps that several browser journeys take the same way (planning a departure), written once."""

from __future__ import annotations

from collections.abc import Sequence


def option_values(page, select: str, containing: str, count: int) -> list[str]:
    """The values of the first `count` options of `select` whose label contains `containing`."""
    return page.eval_on_selector_all(
        f"{select} option",
        "(options, text) => options.filter(o => o.textContent.includes(text)).map(o => o.value)",
        containing)[:count]


def submit(page, another: bool = False) -> None:
    """Press the form's main button, or its "save and add another" one."""
    page.click("form.form button[name=another]" if another else "form.form button.primary")


def plan_and_confirm_departure(page, start: str, travellers: Sequence[tuple[str, str]]) -> None:
    """As the signed-in manager, plan a classic 3-day trek from `start` and confirm it.

    `travellers` are (name, nationality) pairs; the page ends on the confirmed departure.
    """
    # A new draft: the classic route, with a guide.
    page.goto("/departures/new")
    page.select_option("select[name=route_id]", label="Lares clásico 3 días")
    page.fill("input[name=start_date]", start)
    page.fill("input[name=price_per_traveller_usd]", "590.00")
    page.select_option("select[name=guide_id]", index=1)
    submit(page)
    page.wait_for_url("**/departures/*")
    detail_url = page.url

    # The travellers, one form after the other.
    page.goto(detail_url + "/travellers/new")
    for n, (name, country) in enumerate(travellers):
        page.fill("input[name=full_name]", name)
        page.fill("input[name=nationality]", country)
        page.fill("input[name=emergency_contact_name]", f"{name} family")
        page.fill("input[name=emergency_contact_phone]", "+51 984 000 111")
        submit(page, another=n < len(travellers) - 1)
        page.wait_for_load_state()

    # Three porters (wage left blank: the legal floor) and an arriero with two mules.
    page.goto(detail_url + "/staff/new?role=porter")
    for n, value in enumerate(option_values(page, "select[name=staff_member_id]", "Porteador", 3)):
        page.select_option("select[name=staff_member_id]", value)
        submit(page, another=n < 2)
        page.wait_for_load_state()
    page.goto(detail_url + "/staff/new?role=arriero")
    page.select_option("select[name=staff_member_id]", option_values(page, "select[name=staff_member_id]", "Arriero", 1)[0])
    page.fill("input[name=mules]", "2")
    submit(page)
    page.wait_for_url(detail_url + "*")

    # The load plan (48 kg: three porters at 20 kg) and the welfare checklist.
    page.goto(detail_url + "/loads")
    page.fill("input[name=company_load_kg]", "48")
    submit(page)
    page.wait_for_url(detail_url + "*")
    page.goto(detail_url + "/welfare")
    for box in page.query_selector_all("form.form input[type=checkbox]"):
        box.check()
    submit(page)
    page.wait_for_url(detail_url + "*")

    # The rotation's families, then confirm.
    page.click("[data-testid=accept-homestays]")
    page.wait_for_url(detail_url + "*")
    page.click("[data-testid=status-confirmed]")
    page.click("form.confirm details[open] button[type=submit]")
    page.wait_for_url(detail_url + "*")
