"""Creating, editing and archiving registry records, each change audited.

Services take plain values, flush and record the audit event; the caller commits. The rules
that need the database or today's date (unique names and DNIs, no new records in an archived
community, the porter age limit) live here, once: the forms, the CSV importer and the command
line all go through `check_record`, so they cannot disagree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import any_, bindparam, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from app.audit.services import record_change, record_creations, snapshot
from app.clock import now_utc, today_lima
from app.extensions import db
from app.registries.models import (
    Community,
    HomestayFamily,
    StaffMember,
    StaffRole,
    StaffRoleLink,
    WeavingAssociation,
    age_in_years,
)

R = TypeVar("R")

# Ley 31614 (Nueva Ley del Trabajador Porteador): porters must be adults.
PORTER_MIN_AGE = 18


class RegistryError(ValueError):
    """A registry change that breaks a rule (duplicate DNI, archived community...).

    `field` names the form field the message belongs to (None: the whole record).
    """

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def slugify(name: str) -> str:
    """`Cancha Cancha` → `cancha-cancha`; accents dropped, ñ kept as n."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "community"


def porter_age_problem(birth_date: date | None, roles: Iterable[StaffRole], on: date) -> Any:
    """The message refusing an under-age porter (Ley 31614), or None when the rule holds."""
    if birth_date is None or StaffRole.PORTER not in set(roles):
        return None
    age = age_in_years(birth_date, on)
    if age >= PORTER_MIN_AGE:
        return None
    return _l("Porters must be 18 or older (Ley 31614): this person is %(age)d.", age=age)


def insurance_state(expiry: date | None, today: date, warning_days: int = 30) -> str:
    """`missing`, `expired`, `expiring` (within `warning_days`) or `valid`."""
    if expiry is None:
        return "missing"
    if expiry < today:
        return "expired"
    return "expiring" if (expiry - today).days <= warning_days else "valid"


# --- Rules -----------------------------------------------------------------------------------


class StoredRecords:
    """What the rules ask about the records already stored, one query per question (a form
    checks one record). `KnownRecords` answers the same questions for a whole file."""

    def community(self, community_id: int) -> Community | None:
        """The community with this id, or None."""
        return db.session.get(Community, community_id)

    def family_head_taken(self, community_id: int, head: str, record: HomestayFamily | None) -> bool:
        """True when another family of the community is headed by `head` (case and accents' case ignored)."""
        return _same_name_exists(HomestayFamily, HomestayFamily.household_head, head, record,
                                 HomestayFamily.community_id == community_id)

    def dni_holder(self, dni: str, record: StaffMember | None) -> str | None:
        """The name of the other staff member with this DNI, or None."""
        query = select(StaffMember.full_name).where(StaffMember.dni == dni)
        if record is not None:
            query = query.where(StaffMember.id != record.id)
        return db.session.scalar(query)


# An IN list per query stays well inside SQLite's 32,766 and PostgreSQL's 65,535 parameters;
# a file of up to IMPORT_MAX_ROWS (5,000) rows is one query.
IN_CHUNK = 5000


def _chunks(items: list, size: int = IN_CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _among(column, values: list):
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`, one parameter: an IN list
    of 5,000 parameters costs psycopg and the planner ~0.1 s, the array ~0.02 s."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


class KnownRecords(StoredRecords):
    """The stored records a batch of NEW records refers to, loaded in a fixed number of queries
    (communities, then the families of those communities or the holders of those DNIs), so a
    file of 5,000 rows is checked with the same rules as a form, without 5,000 round trips.
    `remember` adds a record as it is written, so later ones are checked against it too."""

    def __init__(self, model: type, batch: Sequence[dict[str, Any]]) -> None:
        community_ids = sorted({values["community_id"] for values in batch
                                if values.get("community_id") is not None})
        self.communities: dict[int, Community] = {
            community.id: community for chunk in _chunks(community_ids)
            for community in db.session.scalars(select(Community).where(_among(Community.id, chunk)))
        }
        self.family_heads: dict[int, set[str]] = {}
        if model is HomestayFamily and community_ids:
            for chunk in _chunks(community_ids):
                rows = db.session.execute(
                    select(HomestayFamily.community_id, HomestayFamily.household_head)
                    .where(_among(HomestayFamily.community_id, chunk)))
                for community_id, head in rows:
                    self.family_heads.setdefault(community_id, set()).add(head.casefold())
        self.dni_holders: dict[str, str] = {}
        dnis = sorted({values["dni"] for values in batch if values.get("dni")})
        if model is StaffMember and dnis:
            for chunk in _chunks(dnis):
                self.dni_holders.update((dni, name) for dni, name in db.session.execute(
                    select(StaffMember.dni, StaffMember.full_name).where(_among(StaffMember.dni, chunk))))

    def community(self, community_id: int) -> Community | None:
        """The community with this id (loaded with the batch), or None."""
        return self.communities.get(community_id)

    def family_head_taken(self, community_id: int, head: str, record: HomestayFamily | None) -> bool:
        """True when a family of the community is headed by `head` (new records only)."""
        return head.casefold() in self.family_heads.get(community_id, set())

    def dni_holder(self, dni: str, record: StaffMember | None) -> str | None:
        """The name of the staff member with this DNI, or None (new records only)."""
        return self.dni_holders.get(dni)

    def remember(self, model: type, values: dict[str, Any]) -> None:
        """Count a record about to be written as stored, for the records after it."""
        if model is HomestayFamily:
            self.family_heads.setdefault(values["community_id"], set()).add(values["household_head"].casefold())
        elif model is StaffMember:
            self.dni_holders[values["dni"]] = values["full_name"]


Rule = Callable[[dict[str, Any], Any, StoredRecords], None]


def _value(values: dict[str, Any], record: Any, key: str) -> Any:
    """The value a record will have: the new one if given, else its current one."""
    if key in values:
        return values[key]
    return getattr(record, key, None) if record is not None else None


def _same_name_exists(model: type, column, name: str, record: Any, *conditions) -> bool:
    """True when another row has `name` in `column`, ignoring case and accents' case
    (compared in Python: SQLite's lower() only folds ASCII, and names here carry Ñ and accents)."""
    query = select(column).where(*conditions)
    if record is not None:
        query = query.where(model.id != record.id)
    wanted = name.casefold()
    return any(existing.casefold() == wanted for existing in db.session.scalars(query))


def _community_name_free(values: dict[str, Any], record: Community | None, stored: StoredRecords) -> None:
    name = values.get("name")
    if name and _same_name_exists(Community, Community.name, name, record):
        raise RegistryError(_l("A community with this name already exists."), "name")


def _community_open(values: dict[str, Any], record: Any, stored: StoredRecords) -> None:
    """New records (or records moving) may only join a community that is in use."""
    community_id = values.get("community_id")
    if community_id is None or (record is not None and record.community_id == community_id):
        return
    community = stored.community(community_id)
    if community is None:
        raise RegistryError(_l("Choose a community."), "community_id")
    if community.is_archived:
        raise RegistryError(
            _l("%(name)s is archived: new records cannot join it.", name=community.name),
            "community_id",
        )


def _family_head_free(values: dict[str, Any], record: HomestayFamily | None, stored: StoredRecords) -> None:
    head = _value(values, record, "household_head")
    community_id = _value(values, record, "community_id")
    if head and community_id is not None and stored.family_head_taken(community_id, head, record):
        raise RegistryError(
            _l("This community already has a family headed by %(name)s.", name=head),
            "household_head",
        )


def _association_name_free(values: dict[str, Any], record: WeavingAssociation | None,
                            stored: StoredRecords) -> None:
    name = values.get("name")
    if name and _same_name_exists(WeavingAssociation, WeavingAssociation.name, name, record):
        raise RegistryError(_l("An association with this name already exists."), "name")


def _women_within_members(values: dict[str, Any], record: WeavingAssociation | None,
                          stored: StoredRecords) -> None:
    members = _value(values, record, "members")
    women = _value(values, record, "women_members")
    if members is not None and women is not None and women > members:
        raise RegistryError(
            _l("Women members cannot exceed the %(members)d members.", members=members),
            "women_members",
        )


def _dni_free(values: dict[str, Any], record: StaffMember | None, stored: StoredRecords) -> None:
    dni = values.get("dni")
    if not dni:
        return
    holder = stored.dni_holder(dni, record)
    if holder is not None:
        raise RegistryError(
            _l("DNI %(dni)s already belongs to %(name)s.", dni=dni, name=holder), "dni"
        )


def _porter_of_age(values: dict[str, Any], record: StaffMember | None, stored: StoredRecords) -> None:
    roles = _value(values, record, "roles") or ()
    problem = porter_age_problem(_value(values, record, "birth_date"), roles, today_lima())
    if problem is not None:
        raise RegistryError(problem, "roles")


STORED = StoredRecords()

RULES: dict[type, tuple[Rule, ...]] = {
    Community: (_community_name_free,),
    HomestayFamily: (_community_open, _family_head_free),
    WeavingAssociation: (_community_open, _association_name_free, _women_within_members),
    StaffMember: (_community_open, _dni_free, _porter_of_age),
}


def check_record(model: type, values: dict[str, Any], record: Any = None,
                 stored: StoredRecords | None = None) -> None:
    """Raise `RegistryError` (naming the field) when `values` break a rule of `model`;
    `stored` answers the rules' questions about other records (default: one query each)."""
    for rule in RULES.get(model, ()):
        rule(values, record, stored or STORED)


# --- Changes ---------------------------------------------------------------------------------


def _snapshot(record: Any, roles: Iterable[StaffRole] | None = None) -> dict[str, Any]:
    """The audited state of a record: its columns, plus a staff member's roles (`roles` when
    given: a record just bulk-inserted has not loaded its links)."""
    state = snapshot(record)
    if isinstance(record, StaffMember):
        state["roles"] = sorted(StaffRole(role).value for role in (record.roles if roles is None else roles))
    return state


def _assign(record: Any, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if key == "roles" and isinstance(record, StaffMember):
            set_staff_roles(record, set(value))
        else:
            setattr(record, key, value)


def _write_guarded(change: Callable[[], None]) -> None:
    """Make `change` and flush it in a savepoint: a constraint the checks missed (a race, a
    case the database compares differently) becomes a RegistryError and nothing is kept."""
    try:
        with db.session.begin_nested():
            change()
            db.session.flush()
    except IntegrityError as exc:
        raise RegistryError(_l("This conflicts with an existing record. Nothing was saved.")) from exc


def _unique_slug(name: str) -> str:
    base = slugify(name)
    taken = set(db.session.scalars(select(Community.slug).where(Community.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_record(
    model: type[R], values: dict[str, Any], actor_id: int | None, reason: str | None = None
) -> R:
    """Add a registry record with `values` after checking its rules; audit its creation."""
    check_record(model, values)
    record = model()
    slug = _unique_slug(values["name"]) if model is Community and not values.get("slug") else None

    def add() -> None:
        _assign(record, values)
        if slug is not None:
            record.slug = slug
        db.session.add(record)

    _write_guarded(add)
    record_change(actor_id, "create", record, after=_snapshot(record), reason=reason,
                  summary=str(record))
    return record


# What identifies a new record when it is read back after a bulk INSERT: the database's own
# unique keys.
NATURAL_KEYS: dict[type, tuple[str, ...]] = {
    HomestayFamily: ("community_id", "household_head"),
    StaffMember: ("dni",),
}


def _read_back(model: type, batch: Sequence[dict[str, Any]]) -> dict[tuple, Any]:
    """The records just inserted for `batch`, by natural key: one query per IN_CHUNK rows.
    (Inserting without RETURNING and reading back is faster than RETURNING on both engines:
    SQLite runs a plain executemany, psycopg pipelines it instead of parsing a statement of
    16,000 placeholders per 1,000 rows.) Relationships stay unloaded: a staff member's links
    are inserted next."""
    key_fields = NATURAL_KEYS[model]
    wanted = {tuple(values[name] for name in key_fields) for values in batch}
    found: dict[tuple, Any] = {}
    for chunk in _chunks(list(batch)):
        conditions = [_among(getattr(model, name), sorted({values[name] for values in chunk}))
                      for name in key_fields]
        for record in db.session.scalars(select(model).where(*conditions).options(lazyload("*"))):
            key = tuple(getattr(record, name) for name in key_fields)
            if key in wanted:  # two IN lists match other pairs too (an older family elsewhere)
                found[key] = record
    return found


def create_records(
    model: type[R], batch: Sequence[dict[str, Any]], actor_id: int | None, reason: str | None = None
) -> list[R]:
    """Add many families or staff at once (a CSV import): each checked as `create_record`
    would, one after the other, then written in a fixed number of statements, each creation
    audited. Any refusal raises `RegistryError` and nothing is kept. Returned in `batch` order."""
    key_fields = NATURAL_KEYS[model]
    known = KnownRecords(model, batch)
    for values in batch:
        check_record(model, values, stored=known)
        known.remember(model, values)
    if not batch:
        return []
    written: dict[tuple, Any] = {}

    def insert_all() -> None:
        rows = [{key: value for key, value in values.items() if key != "roles"} for values in batch]
        # render_nulls: every row names the same columns, so they go as one executemany
        # (otherwise each run of rows with the same non-null columns is its own statement).
        db.session.execute(insert(model), rows, execution_options={"render_nulls": True})
        written.update(_read_back(model, batch))
        if model is StaffMember:
            links = [{"staff_member_id": written[(values["dni"],)].id, "role": role} for values in batch
                     for role in sorted((StaffRole(role) for role in values["roles"]), key=lambda r: r.value)]
            db.session.execute(insert(StaffRoleLink), links)

    _write_guarded(insert_all)
    records = [written[tuple(values[name] for name in key_fields)] for values in batch]
    record_creations(actor_id, records,
                     [_snapshot(record, values.get("roles")) for record, values in zip(records, batch, strict=True)],
                     [str(record) for record in records], reason=reason)
    return records


def update_record(record: R, values: dict[str, Any], actor_id: int | None) -> R:
    """Change a record's fields after checking its rules; audit the before and after."""
    if getattr(record, "archived_at", None) is not None:
        raise RegistryError(_l("Archived records cannot be edited; restore it first."))
    check_record(type(record), values, record)
    before = _snapshot(record)
    _write_guarded(lambda: _assign(record, values))
    record_change(actor_id, "update", record, before=before, after=_snapshot(record),
                  summary=str(record))
    return record


def archive_record(record: R, actor_id: int | None, reason: str | None = None) -> R:
    """Archive a record: it stays readable and referenced, but leaves lists and choices."""
    if record.archived_at is not None:  # type: ignore[attr-defined]
        raise RegistryError(_l("This record is already archived."))
    before = _snapshot(record)
    record.archived_at = now_utc()  # type: ignore[attr-defined]
    record_change(actor_id, "archive", record, before=before, after=_snapshot(record),
                  reason=reason, summary=str(record))
    return record


def restore_record(record: R, actor_id: int | None) -> R:
    """Bring an archived record back into use."""
    if record.archived_at is None:  # type: ignore[attr-defined]
        raise RegistryError(_l("This record is not archived."))
    before = _snapshot(record)
    record.archived_at = None  # type: ignore[attr-defined]
    record_change(actor_id, "restore", record, before=before, after=_snapshot(record),
                  summary=str(record))
    return record


def set_staff_roles(staff: StaffMember, roles: set[StaffRole]) -> None:
    """Replace a staff member's jobs (links for jobs kept are kept, not recreated)."""
    current = {link.role: link for link in staff.role_links}
    staff.role_links = [
        current.get(role) or StaffRoleLink(role=role)
        for role in sorted((StaffRole(role) for role in roles), key=lambda r: r.value)
    ]


def dni_taken(dni: str, except_id: int | None = None) -> bool:
    """True when another staff member already has this DNI."""
    query = select(StaffMember.id).where(StaffMember.dni == dni)
    if except_id is not None:
        query = query.where(StaffMember.id != except_id)
    return db.session.scalar(query) is not None
