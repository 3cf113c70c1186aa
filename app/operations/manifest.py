"""The departure manifest: plain data from a departure, rendered to PDF by WeasyPrint.

`manifest_data` reads the departure (already loaded); `render_manifest_pdf` takes only that
plain data and a language, so it needs no database session and no request. The template and
stylesheet live in `reports/manifest/`, their strings in the `reports/` catalogue.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import HTML

from app.operations.models import Departure, format_kg
from app.operations.readiness import homestay_nights
from app.registries.models import StaffRole

REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"
TEMPLATE_DIR = REPORTS_DIR / "manifest"
LANGUAGES = ("es", "en")
ROLE_ORDER = [StaffRole.GUIDE, StaffRole.COOK, StaffRole.ARRIERO, StaffRole.PORTER]


def manifest_data(departure: Departure) -> dict[str, Any]:
    """Everything the guide carries on paper, as plain values."""
    staff = sorted(departure.staff_assignments,
                   key=lambda a: (ROLE_ORDER.index(a.role), a.staff_member.full_name))
    homestays = []
    for night, day in homestay_nights(departure):
        hosts = [a for a in departure.homestay_allocations if a.night_date == night]
        homestays.append({
            "date": night, "community": day.night_community.name,
            "families": [{"name": a.family.household_head, "guests": a.guests_planned,
                          "phone": a.family.phone or ""} for a in hosts],
        })
    return {
        "code": departure.code,
        "status": departure.status.value,
        "start_date": departure.start_date,
        "end_date": departure.end_date,
        "route": {
            "name": departure.route.name,
            "days": [{
                "number": day.day_number, "date": departure.date_of_day(day.day_number),
                "title": day.title, "night": day.night_kind.value,
                "community": day.night_community.name if day.night_community else None,
                "activities": [link.activity.value for link in day.activities],
            } for day in departure.route.days],
        },
        "guide": departure.guide.full_name if departure.guide else None,
        "travellers": [{
            "name": t.full_name, "nationality": t.nationality, "dietary": t.dietary_needs or "",
            "emergency_name": t.emergency_contact_name, "emergency_phone": t.emergency_contact_phone,
        } for t in departure.travellers],
        "staff": [{
            "name": a.staff_member.full_name, "role": a.role.value, "phone": a.staff_member.phone or "",
            "emergency_name": a.staff_member.emergency_contact_name or "",
            "emergency_phone": a.staff_member.emergency_contact_phone or "",
            "mules": a.mules, "load_kg": format_kg(a.load_kg),
        } for a in staff],
        "homestays": homestays,
        "workshops": [{
            "date": b.day_date, "association": b.association.name,
            "community": b.association.community.name, "expected": b.expected_participants,
        } for b in departure.workshop_bookings],
    }


def _environment(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"])
    translations = Translations.load(str(REPORTS_DIR / "translations"), [lang])
    env.install_gettext_translations(translations, newstyle=True)
    env.filters["date"] = lambda value: format_date(value, "medium", locale=lang) if isinstance(value, date) else ""
    env.filters["long_date"] = lambda value: format_date(value, "full", locale=lang)
    return env


def render_manifest_html(data: dict[str, Any], lang: str) -> str:
    """The manifest as HTML in `lang` ('es' or 'en')."""
    if lang not in LANGUAGES:
        raise ValueError(f"manifest language must be one of {LANGUAGES}")
    return _environment(lang).get_template("manifest.html").render(m=data, lang=lang)


def render_manifest_pdf(data: dict[str, Any], lang: str) -> bytes:
    """The manifest as PDF bytes in `lang`."""
    html = render_manifest_html(data, lang)
    return HTML(string=html, base_url=str(TEMPLATE_DIR) + "/").write_pdf()
