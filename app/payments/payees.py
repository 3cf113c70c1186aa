"""Who is paid: the four registries behind a (payee_kind, payee_id), resolved in bulk.

A payee is a community, a homestay family, a weaving association or a staff member; pages and
batch runs show many at once, so `load_payees` reads each registry once (at most four queries),
whatever the number of payees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.ledger.services import PAYEE_MODELS
from app.registries.models import (
    Community,
    HomestayFamily,
    PayeeKind,
    PaymentMethod,
    StaffMember,
    WeavingAssociation,
)

PAYEE_KIND_LABELS = {
    PayeeKind.COMMUNITY: _l("Community"),
    PayeeKind.FAMILY: _l("Homestay family"),
    PayeeKind.ASSOCIATION: _l("Weaving association"),
    PayeeKind.STAFF: _l("Staff"),
}

PayeeKey = tuple[PayeeKind, int]


@dataclass(frozen=True)
class PayeeInfo:
    """What a payment, a receipt or a list needs to know about a payee."""

    kind: PayeeKind
    id: int
    name: str
    community_id: int | None
    community_name: str | None
    archived: bool
    preferred_method: PaymentMethod
    document_number: str | None = None  # the DNI, for staff
    representative: str | None = None  # who signs for a community or an association

    @property
    def key(self) -> PayeeKey:
        """(kind, id), the payee's identity across registries."""
        return (self.kind, self.id)

    @property
    def kind_label(self) -> str:
        """The registry's name in the user's language."""
        return str(PAYEE_KIND_LABELS[self.kind])


def _info(kind: PayeeKind, record) -> PayeeInfo:
    common = dict(kind=kind, id=record.id, archived=record.archived_at is not None,
                  preferred_method=record.payment_method)
    if isinstance(record, Community):
        return PayeeInfo(name=record.name, community_id=record.id, community_name=record.name,
                         representative=record.treasurer_name or record.leader_name, **common)
    if isinstance(record, HomestayFamily):
        return PayeeInfo(name=record.household_head, community_id=record.community_id,
                         community_name=record.community.name, **common)
    if isinstance(record, WeavingAssociation):
        return PayeeInfo(name=record.name, community_id=record.community_id,
                         community_name=record.community.name, representative=record.contact_name,
                         **common)
    assert isinstance(record, StaffMember)
    return PayeeInfo(name=record.full_name, community_id=record.community_id,
                     community_name=record.community.name if record.community else None,
                     document_number=record.dni, **common)


def load_payees(keys: Iterable[PayeeKey]) -> dict[PayeeKey, PayeeInfo]:
    """The payees named by `keys`, one query per registry involved."""
    ids_by_kind: dict[PayeeKind, set[int]] = defaultdict(set)
    for kind, payee_id in keys:
        ids_by_kind[PayeeKind(kind)].add(int(payee_id))
    found: dict[PayeeKey, PayeeInfo] = {}
    for kind, ids in ids_by_kind.items():
        model = PAYEE_MODELS[kind]
        for record in db.session.scalars(select(model).where(model.id.in_(ids))).unique():
            found[(kind, record.id)] = _info(kind, record)
    return found


def find_payee(kind: PayeeKind | str, payee_id: int) -> PayeeInfo | None:
    """One payee, or None when the registry has no such record."""
    try:
        kind = PayeeKind(kind)
    except ValueError:
        return None
    return load_payees([(kind, payee_id)]).get((kind, payee_id))
