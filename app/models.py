"""Every capability's models, imported in one place so Alembic and the app see the whole schema."""

from app.accounts.models import LoginAttempt, SignInSession, User  # noqa: F401
from app.audit.models import AuditEvent  # noqa: F401
from app.impact.models import ImpactReport  # noqa: F401
from app.ledger.models import (  # noqa: F401
    Account,
    AccountingPeriod,
    ExchangeRate,
    JournalEntry,
    JournalLine,
    Obligation,
    RateCard,
)
from app.operations.models import (  # noqa: F401
    Departure,
    HomestayAllocation,
    LoadLimit,
    Route,
    RouteDay,
    RouteDayActivity,
    StaffAssignment,
    Traveller,
    UitValue,
    WorkshopBooking,
)
from app.partners.models import Partner, partner_communities  # noqa: F401
from app.payments.models import (  # noqa: F401
    ApprovalThreshold,
    Payment,
    PaymentAllocation,
    PaymentBatch,
    ReceiptSequence,
)
from app.registries.models import (  # noqa: F401
    Community,
    HomestayFamily,
    ImportBatch,
    StaffMember,
    StaffRoleLink,
    WeavingAssociation,
)
