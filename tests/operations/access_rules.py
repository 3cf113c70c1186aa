"""Who may open the operations pages: admin and manager plan and edit, the accountant reads
departures (the ledger posts them), only an admin changes the dated parameters; partners none.

Collected by the route x role matrix test (with every other tests/**/access_rules.py).
"""

from app.accounts.roles import Role
from app.operations.models import (
    Departure,
    LoadLimit,
    Route,
    RouteDay,
    StaffAssignment,
    Traveller,
    UitValue,
    WorkshopBooking,
)
from app.registries.models import Community

READ = {Role.ADMIN, Role.MANAGER, Role.ACCOUNTANT}
EDIT = {Role.ADMIN, Role.MANAGER}
ADMIN = {Role.ADMIN}

EXPECTED_ACCESS = {
    "operations.dashboard": READ,
    "operations.departure_calendar": READ,
    "operations.departure_list": READ,
    "operations.departure_detail": READ,
    "operations.manifest": READ,
    "operations.route_list": READ,
    "operations.route_detail": READ,
    "operations.fairness_index": READ,
    "operations.fairness": READ,
    "operations.parameters": READ,
    "operations.route_create": EDIT,
    "operations.route_edit": EDIT,
    "operations.route_archive": EDIT,
    "operations.route_day_add": EDIT,
    "operations.route_day_edit": EDIT,
    "operations.route_day_remove": EDIT,
    "operations.departure_create": EDIT,
    "operations.departure_edit": EDIT,
    "operations.departure_status": EDIT,
    "operations.traveller_add": EDIT,
    "operations.traveller_edit": EDIT,
    "operations.traveller_remove": EDIT,
    "operations.staff_assign": EDIT,
    "operations.staff_edit": EDIT,
    "operations.staff_remove": EDIT,
    "operations.loads": EDIT,
    "operations.welfare": EDIT,
    "operations.homestays": EDIT,
    "operations.homestays_accept": EDIT,
    "operations.workshop_book": EDIT,
    "operations.workshop_remove": EDIT,
    "operations.actuals": EDIT,
    "operations.load_limit_new": ADMIN,
    "operations.load_limit_edit": ADMIN,
    "operations.uit_new": ADMIN,
    "operations.uit_edit": ADMIN,
}

URL_PARAMS = {
    "departure_id": Departure,
    "route_id": Route,
    "route_day_id": RouteDay,
    "traveller_id": Traveller,
    "assignment_id": StaffAssignment,
    "booking_id": WorkshopBooking,
    "load_limit_id": LoadLimit,
    "uit_id": UitValue,
    "community_id": Community,
}

VALID_FORM_DATA = {
    "operations.departure_create": {
        "route_id": "1", "start_date": "2027-06-12", "price_per_traveller_usd": "590.00",
        "group_min": "2", "group_max": "12", "guide_id": "", "notes": "",
    },
    "operations.traveller_add": {
        "full_name": "Zoë Ñúñez", "nationality": "Peru", "dietary_needs": "",
        "emergency_contact_name": "Ana Ñúñez", "emergency_contact_phone": "+51 984 123 456",
    },
    "operations.route_create": {"code": "TST", "name": "Test route", "description": ""},
    "operations.uit_new": {"year": "2027", "amount": "5600.00", "note": ""},
    "operations.load_limit_new": {"effective_from": "2027-01-01", "limit_kg": "18", "note": ""},
}
