"""Who may open the impact pages. Collected by the route x role matrix (tests/test_access_matrix.py)."""

from app.accounts.roles import ALL_ROLES, PUBLIC, Role
from app.impact.models import ImpactReport

READERS = {Role.ADMIN, Role.ACCOUNTANT, Role.MANAGER}

EXPECTED_ACCESS = {
    "impact.report_form": READERS,
    "impact.preview": READERS,
    "impact.draft_pdf": READERS,
    "impact.issue": {Role.ADMIN, Role.ACCOUNTANT},
    # Partners see only their own organisation's reports (403 for another's: tests/impact/test_pages.py).
    "impact.issued_list": set(ALL_ROLES),
    "impact.issued_detail": set(ALL_ROLES),
    "impact.issued_pdf": set(ALL_ROLES),
    "impact.verify": PUBLIC,
}

URL_PARAMS = {"report_id": ImpactReport}

# Without a period in the query string there is nothing to compute: the form comes back, 400.
SIGNED_IN_GET_STATUS = {"impact.preview": 400, "impact.draft_pdf": 400}
