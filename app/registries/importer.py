"""CSV import of homestay families and staff: read, check every row, then import all or nothing.

A file is read whatever its origin (UTF-8 with or without BOM, UTF-16, Latin-1/Windows-1252;
comma, semicolon or tab separated; English or Spanish headers). Each row fills the SAME form
the pages use and goes through the same `check_record` rules, plus a check for duplicates
within the file. Nothing is written until every row passes; then every row is created, each
with its audit event, and one "import" event records the batch and who imported it. The
database work is a fixed number of statements whatever the file's length (the rules' lookups
are loaded once per file; the records, a staff member's roles and the audit events are written
in bulk statements).

Between the preview and "import all" the parsed rows, and the values their forms gave, wait in an
`ImportBatch` row, named by a random token; the confirmation checks them again against the
database as it is then.
"""

from __future__ import annotations

import codecs
import csv
import enum
import io
import secrets
import unicodedata
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Enum, delete, select, update
from sqlalchemy import inspect as sa_inspect
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from app.audit.services import record_change
from app.clock import now_utc
from app.extensions import db
from app.registries.forms import FamilyForm, RegistryForm, StaffForm
from app.registries.models import (
    Community,
    HomestayFamily,
    ImportBatch,
    ImportKind,
    StaffMember,
    StaffRole,
)
from app.registries.services import KnownRecords, RegistryError, check_record, create_records

PREVIEW_LIFETIME = timedelta(days=1)


class ImportProblem(ValueError):
    """Base of the importer's refusals."""


class ImportRefused(ImportProblem):
    """Some row (or the file) is wrong: nothing is imported."""

    def __init__(self, preview: ImportPreview) -> None:
        super().__init__(f"{len(preview.errors)} errors")
        self.preview = preview


class BatchUnavailable(ImportProblem):
    """The batch to import is unknown, someone else's, expired, or already imported."""


class CellError(ValueError):
    """A cell whose text is not one of the accepted values."""


# --- Reading the file ------------------------------------------------------------------------


@lru_cache(maxsize=4096)  # a file repeats the same few words (mujer, efectivo, Huacahuasi) thousands of times
def normalise(text: str) -> str:
    """`Jefe de hogar` → `jefe_de_hogar`, `Género` → `genero`: lower case, no accents."""
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", "").strip().lower())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return "_".join("".join(char if char.isalnum() else " " for char in text).split())


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with (UTF-8/16 by BOM, else UTF-8, else Latin-1)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "UTF-8 (BOM)"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252 (Latin-1)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def sniff_delimiter(text: str) -> str:
    """The separator of the header line: semicolon (Peruvian Excel), comma or tab."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


# --- What each import accepts ----------------------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """Reference data a row's cells are translated with (loaded once per file)."""

    community_ids: dict[str, int]
    community_choices: list
    communities: list = field(default_factory=list)


def _mapping(pairs: dict[str, tuple[str, ...]], refusal: Callable[[str], Any]) -> Callable[[str, Lookup], list[str]]:
    """A translator from accepted words (English, Spanish, abbreviations) to a choice value;
    `refusal(text)` is the message for anything else."""
    table = {normalise(word): value for value, words in pairs.items() for word in words}

    def translate(text: str, lookup: Lookup) -> list[str]:
        try:
            return [table[normalise(text)]]
        except KeyError:
            raise CellError(refusal(text[:40])) from None

    return translate


GENDERS = _mapping(
    {"female": ("female", "f", "woman", "mujer", "femenino", "femenina"),
     "male": ("male", "m", "man", "hombre", "varon", "masculino"),
     "other": ("other", "otro", "otra")},
    lambda value: _l("Unknown gender “%(value)s”: use female or male (mujer or hombre).", value=value),
)
PAYMENT_METHODS = _mapping(
    {"cash": ("cash", "efectivo", "contado"),
     "bank": ("bank", "bank transfer", "banco", "transferencia", "deposito", "cuenta"),
     "yape": ("yape",), "plin": ("plin",)},
    lambda value: _l("Unknown payment method “%(value)s”: use cash, bank, yape or plin (efectivo, banco...).", value=value),
)
YES_NO = _mapping(
    {"y": ("yes", "y", "true", "1", "x", "si", "s", "active", "activo", "activa"),
     "": ("no", "n", "false", "0", "inactive", "inactivo", "inactiva")},
    lambda value: _l("Unknown value “%(value)s”: use yes or no (sí or no).", value=value),
)
_ROLE = _mapping(
    {"porter": ("porter", "porteador", "porteadora", "portador", "cargador"),
     "arriero": ("arriero", "arriera", "horseman", "muleteer"),
     "cook": ("cook", "cocinero", "cocinera"),
     "guide": ("guide", "guia")},
    lambda value: _l("Unknown role “%(value)s”: use porter, arriero, cook or guide (porteador, cocinero, guía).", value=value),
)


def role_list(text: str, lookup: Lookup) -> list[str]:
    """`porter;cook`, `porteador, cocinero` or `guía/arriero` → the role values."""
    for separator in ",/|+":
        text = text.replace(separator, ";")
    return [role for part in text.split(";") if part.strip() for role in _ROLE(part, lookup)]


def community_by_name(text: str, lookup: Lookup) -> list[str]:
    """A community named as in the registry (case and accents do not matter)."""
    community_id = lookup.community_ids.get(normalise(text))
    if community_id is None:
        raise CellError(_l("No community is named “%(value)s”.", value=text[:80]))
    return [str(community_id)]


def allowing_blank(translate: Callable[[str, Lookup], list[str]]) -> Callable[[str, Lookup], list[str]]:
    """The translated values, with a YES_NO "no" turned into an absent value."""
    return lambda text, lookup: [value for value in translate(text, lookup) if value]


@dataclass(frozen=True)
class Column:
    """A column of the file: the form field it fills and the headers it may have."""

    field: str
    headers: tuple[str, ...]
    required: bool = False
    translate: Callable[[str, Lookup], list[str]] | None = None
    default: str = ""

    @property
    def name(self) -> str:
        """Its English header, used when the file has no such column."""
        return self.headers[0]


PAYMENT_COLUMNS = (
    Column("payment-payment_method", ("payment_method", "payment", "medio_de_pago", "forma_de_pago",
                                      "metodo_de_pago", "medio_pago"),
           translate=PAYMENT_METHODS, default="cash"),
    Column("payment-bank_name", ("bank_name", "bank", "banco", "entidad_bancaria")),
    Column("payment-bank_account", ("bank_account", "account", "cuenta", "cuenta_bancaria",
                                    "numero_de_cuenta", "cci")),
    Column("payment-wallet_phone", ("wallet_phone", "wallet", "yape_plin", "numero_yape",
                                    "numero_plin", "numero_yape_plin", "billetera")),
)
PHONE_HEADERS = ("phone", "telephone", "telefono", "celular", "movil")
NOTES_COLUMN = Column("notes", ("notes", "notas", "observaciones", "comentarios"))


@dataclass(frozen=True)
class ImportSpec:
    """One kind of import: the model, its form, its columns and what counts as a duplicate."""

    kind: ImportKind
    model: type
    form_class: type[RegistryForm]
    columns: tuple[Column, ...]
    duplicate_key: Callable[[dict[str, Any]], tuple[str, Hashable]]
    duplicate_message: Callable[[dict[str, Any], int], Any]

    def column(self, field_name: str) -> Column | None:
        """The column that fills `field_name`."""
        return next((column for column in self.columns if column.field == field_name), None)


SPECS: dict[ImportKind, ImportSpec] = {
    ImportKind.FAMILIES: ImportSpec(
        kind=ImportKind.FAMILIES,
        model=HomestayFamily,
        form_class=FamilyForm,
        columns=(
            Column("community_id", ("community", "comunidad"), required=True, translate=community_by_name),
            Column("household_head", ("household_head", "head_of_household", "head", "host",
                                      "jefe_de_hogar", "jefa_de_hogar", "jefe_hogar", "titular",
                                      "anfitrion", "anfitriona"), required=True),
            Column("host_gender", ("gender", "host_gender", "genero", "sexo"), required=True,
                   translate=GENDERS),
            Column("beds", ("beds", "number_of_beds", "camas", "numero_de_camas", "n_camas"),
                   required=True),
            Column("phone", PHONE_HEADERS),
            *PAYMENT_COLUMNS,
            Column("active", ("active", "in_rotation", "activo", "activa", "en_rotacion"),
                   translate=allowing_blank(YES_NO), default="yes"),
            NOTES_COLUMN,
        ),
        duplicate_key=lambda values: ("household_head",
                                      (values["community_id"], values["household_head"].casefold())),
        duplicate_message=lambda values, row: _l(
            "The same household head and community are on row %(row)d.", row=row),
    ),
    ImportKind.STAFF: ImportSpec(
        kind=ImportKind.STAFF,
        model=StaffMember,
        form_class=StaffForm,
        columns=(
            Column("full_name", ("full_name", "name", "nombre_completo", "nombre",
                                 "nombres_y_apellidos", "apellidos_y_nombres"), required=True),
            Column("dni", ("dni", "numero_de_dni", "n_dni", "documento"), required=True),
            Column("birth_date", ("birth_date", "date_of_birth", "birthdate",
                                  "fecha_de_nacimiento", "fecha_nacimiento", "nacimiento"),
                   required=True),
            Column("gender", ("gender", "genero", "sexo"), translate=GENDERS),
            Column("community_id", ("community", "community_of_origin", "comunidad",
                                    "comunidad_de_origen", "origen"), translate=community_by_name),
            Column("phone", PHONE_HEADERS),
            Column("emergency_contact_name", ("emergency_contact_name", "emergency_contact",
                                              "contacto_de_emergencia", "contacto_emergencia")),
            Column("emergency_contact_phone", ("emergency_contact_phone", "emergency_phone",
                                               "telefono_de_emergencia", "telefono_emergencia")),
            Column("insurance_expiry", ("insurance_expiry", "insurance_expires",
                                        "vencimiento_del_seguro", "vencimiento_seguro",
                                        "seguro_vence", "seguro_hasta")),
            Column("roles", ("roles", "role", "jobs", "funciones", "funcion", "rol", "cargo",
                             "puesto"), required=True, translate=role_list),
            *PAYMENT_COLUMNS,
            NOTES_COLUMN,
        ),
        duplicate_key=lambda values: ("dni", values["dni"]),
        duplicate_message=lambda values, row: _l(
            "DNI %(dni)s is also on row %(row)d.", dni=values["dni"], row=row),
    ),
}


# --- Checking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """What is wrong, where: row number as in a spreadsheet (header = row 1), column, message."""

    row: int | None
    column: str
    message: Any


@dataclass
class SourceRow:
    """A row as read: its spreadsheet number and its cells by form field."""

    number: int
    cells: dict[str, str]


@dataclass
class ImportPreview:
    """What a file would import, and every reason it cannot."""

    spec: ImportSpec
    filename: str
    encoding: str = ""
    delimiter: str = ","
    headers: dict[str, str] = field(default_factory=dict)
    ignored_headers: list[str] = field(default_factory=list)
    rows: list[SourceRow] = field(default_factory=list)
    values: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every row passed and there is at least one."""
        return not self.errors and bool(self.rows)

    def column_label(self, field_name: str) -> str:
        """The header the file used for a field, else the English one."""
        if field_name in self.headers:
            return self.headers[field_name]
        column = self.spec.column(field_name)
        return column.name if column else field_name

    def shown_fields(self) -> list[str]:
        """The fields the file has, in the spec's order (the preview table's columns)."""
        return [column.field for column in self.spec.columns if column.field in self.headers]


def read_file(kind: ImportKind, data: bytes, filename: str, max_rows: int) -> ImportPreview:
    """Decode and split a CSV file; map its headers; report file-level problems."""
    spec = SPECS[kind]
    preview = ImportPreview(spec=spec, filename=filename[:255] or "import.csv")
    text, preview.encoding = decode(data)
    preview.delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=preview.delimiter)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            preview.errors.append(RowError(None, "", _l("The file is empty.")))
            return preview
        positions = _map_header(preview, header)
        if preview.errors:
            return preview
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(preview.rows) >= max_rows:
                preview.errors.append(RowError(None, "", _l(
                    "The file has more than %(max)d rows; import it in parts.", max=max_rows)))
                return preview
            if any(cell.strip() for cell in cells[len(header):]):
                preview.errors.append(RowError(number, "", _l(
                    "This row has %(count)d cells but the header has %(expected)d.",
                    count=len(cells), expected=len(header))))
            preview.rows.append(SourceRow(number, {
                field_name: cells[index].strip() if index < len(cells) else ""
                for field_name, index in positions.items()
            }))
    except csv.Error:
        preview.errors.append(RowError(reader.line_num or None, "", _l(
            "This line cannot be read as CSV (unbalanced quotes or a cell too long).")))
    if not preview.rows and not preview.errors:
        preview.errors.append(RowError(None, "", _l("The file has a header but no rows.")))
    return preview


def _map_header(preview: ImportPreview, header: list[str]) -> dict[str, int]:
    """Which cell index fills which field; unknown headers are ignored, missing ones reported."""
    by_header = {alias: column for column in preview.spec.columns for alias in column.headers}
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        column = by_header.get(normalise(title))
        if column is None:
            if title.strip():
                preview.ignored_headers.append(title.strip()[:60])
            continue
        if column.field in positions:
            preview.errors.append(RowError(1, title.strip()[:60], _l(
                "Two columns give the same information; keep one.")))
            continue
        positions[column.field] = index
        preview.headers[column.field] = title.strip()[:60]
    for column in preview.spec.columns:
        if column.required and column.field not in positions:
            preview.errors.append(RowError(1, column.name, _l(
                "The file needs a column “%(column)s” (or its Spanish name).", column=column.name)))
    return positions


def _lookup() -> Lookup:
    """Every community, loaded once: by name for the cells, as choices for the forms. Holding
    the records keeps them in the session's identity map, so the rules' lookups cost nothing."""
    communities = db.session.scalars(select(Community).order_by(Community.name)).all()
    return Lookup(
        community_ids={normalise(community.name): community.id for community in communities},
        community_choices=[SelectChoice(community.id, community.name) for community in communities],
        communities=communities,
    )


def _form_errors(errors: dict, prefix: str = "") -> list[tuple[str, Any]]:
    """A form's errors as (field name, message) pairs, subforms as `payment-bank_account`."""
    pairs = []
    for name, messages in errors.items():
        if isinstance(messages, dict):
            pairs.extend(_form_errors(messages, f"{prefix}{name}-"))
        else:
            pairs.extend((f"{prefix}{name}" if name else "", message) for message in messages)
    return pairs


def _check_form(form: RegistryForm, preview: ImportPreview, row: SourceRow,
                lookup: Lookup) -> tuple[list[RowError], dict[str, Any] | None]:
    """A row's cells through the page's form: its errors, and its values when it passed."""
    spec = preview.spec
    formdata, cell_errors = MultiDict(), []
    for column in spec.columns:
        text = row.cells.get(column.field, "") or column.default
        if not text:
            continue
        try:
            for value in column.translate(text, lookup) if column.translate else [text]:
                formdata.add(column.field, value)
        except CellError as exc:
            cell_errors.append(RowError(row.number, preview.column_label(column.field), exc.args[0]))
    form.process(formdata)  # every field (and subform) starts again from this row's cells alone
    valid = form.validate()
    errors = cell_errors + [
        RowError(row.number, preview.column_label(name), message)
        for name, message in _form_errors(form.errors)
        if not any(error.column == preview.column_label(name) for error in cell_errors)
    ]
    return errors, form.values() if valid and not cell_errors else None


def check_rows(preview: ImportPreview) -> ImportPreview:
    """Check every row with the form and the registry rules; collect values or errors.

    The forms run first, then the rules for every row that passed, with what they need from
    the database loaded once for the whole file (`KnownRecords`): the queries do not grow
    with the rows."""
    spec, lookup = preview.spec, _lookup()
    # One form for the file, refilled row by row: binding its fields anew for each of 5,000
    # rows was half the time of a preview.
    form = spec.form_class(formdata=None, meta={"csrf": False}, communities=lookup.community_choices)
    return _check_rules(preview, [(row, *_check_form(form, preview, row, lookup)) for row in preview.rows])


def _check_rules(preview: ImportPreview,
                 checked: list[tuple[SourceRow, list[RowError], dict[str, Any] | None]]) -> ImportPreview:
    """The registry rules (against the database as it is now) and the duplicates within the
    file, for the rows whose form passed; every error in row order."""
    spec = preview.spec
    known = KnownRecords(spec.model, [values for _row, _errors, values in checked if values is not None])
    first_seen: dict[Hashable, int] = {}
    preview.values = []
    for row, errors, values in checked:
        if values is not None:
            try:
                check_record(spec.model, values, stored=known)
            except RegistryError as exc:
                errors.append(RowError(row.number, preview.column_label(exc.field or ""), exc.message))
            else:
                key_field, key = spec.duplicate_key(values)
                if key in first_seen:
                    errors.append(RowError(row.number, preview.column_label(key_field),
                                           spec.duplicate_message(values, first_seen[key])))
                else:
                    first_seen[key] = row.number
                    preview.values.append(values)
        preview.errors.extend(errors)
    return preview


def preview_file(kind: ImportKind, data: bytes, filename: str, max_rows: int) -> ImportPreview:
    """Read and check a whole file; nothing is written."""
    preview = read_file(kind, data, filename, max_rows)
    if preview.errors and not preview.rows:
        return preview
    return check_rows(preview)


# --- Writing ---------------------------------------------------------------------------------


def stored_values(values: dict[str, Any]) -> dict[str, Any]:
    """A checked row's values as JSON: enums by value, dates in ISO form, roles as a list."""
    def plain(value: Any) -> Any:
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, (set, frozenset)):
            return sorted(plain(item) for item in value)
        return value

    return {key: plain(value) for key, value in values.items()}


@cache
def _column_types(model: type) -> dict[str, Any]:
    return {column.key: column.type for column in sa_inspect(model).columns}


def loaded_values(model: type, stored: dict[str, Any]) -> dict[str, Any]:
    """`stored_values` read back into what the form gave, by the model's column types."""
    types = _column_types(model)
    values: dict[str, Any] = {}
    for key, value in stored.items():
        if key == "roles":
            values[key] = {StaffRole(role) for role in value}
        elif value is not None and isinstance(types[key], Enum):
            values[key] = types[key].enum_class(value)
        elif value is not None and isinstance(types[key], Date):
            values[key] = date.fromisoformat(value)
        else:
            values[key] = value
    return values


def stage_import(preview: ImportPreview, actor_id: int | None) -> ImportBatch:
    """Keep a checked file's rows, and the values their forms gave, until the user confirms
    (stale previews are dropped)."""
    if not preview.ok:
        raise ImportRefused(preview)
    db.session.execute(delete(ImportBatch).where(
        ImportBatch.imported_at.is_(None), ImportBatch.created_at < now_utc() - PREVIEW_LIFETIME
    ))
    batch = ImportBatch(
        token=secrets.token_urlsafe(32), kind=preview.spec.kind, filename=preview.filename,
        row_count=len(preview.rows), created_by_id=actor_id,
        content={
            "encoding": preview.encoding, "delimiter": preview.delimiter,
            "headers": preview.headers, "ignored_headers": preview.ignored_headers,
            "rows": [{"row": row.number, "cells": row.cells, "values": stored_values(values)}
                     for row, values in zip(preview.rows, preview.values, strict=True)],
        },
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def preview_batch(batch: ImportBatch) -> ImportPreview:
    """Check a staged batch's rows again, against the database as it is now.

    The forms passed every row at the preview and their verdict cannot change (they read only
    the cells, the communities' ids, which are never deleted, and dates already past), so the
    values they gave are kept with the batch and only the registry rules and the duplicates
    run again; a batch staged without values (before they were kept) is checked whole."""
    content = batch.content
    spec = SPECS[batch.kind]
    preview = ImportPreview(
        spec=spec, filename=batch.filename, encoding=content["encoding"],
        delimiter=content["delimiter"], headers=content["headers"],
        ignored_headers=content["ignored_headers"],
        rows=[SourceRow(row["row"], row["cells"]) for row in content["rows"]],
    )
    if not all("values" in row for row in content["rows"]):
        return check_rows(preview)
    return _check_rules(preview, [(source, [], loaded_values(spec.model, row["values"]))
                                  for source, row in zip(preview.rows, content["rows"], strict=True)])


def import_staged(token: str, actor_id: int) -> tuple[ImportBatch, list]:
    """Import a batch the same user previewed: all rows, or none (`ImportRefused`)."""
    batch = db.session.scalar(select(ImportBatch).where(ImportBatch.token == token))
    if batch is None or batch.created_by_id != actor_id:
        raise BatchUnavailable(_l("This import is unknown. Upload the file again."))
    if batch.imported_at is not None:
        raise BatchUnavailable(_l("This file has already been imported."))
    if batch.created_at < now_utc() - PREVIEW_LIFETIME:
        raise BatchUnavailable(_l("This preview has expired. Upload the file again."))
    preview = preview_batch(batch)
    if not preview.ok:
        raise ImportRefused(preview)
    claimed = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.imported_at.is_(None))
        .values(imported_at=now_utc())
    ).rowcount
    if claimed != 1:  # a second click, or a second tab, got there first
        raise BatchUnavailable(_l("This file has already been imported."))
    return batch, write_import(preview, batch, actor_id, reason_by=None)


def import_file(preview: ImportPreview, actor_id: int | None, imported_by: str) -> tuple[ImportBatch, list]:
    """Import a checked file at once (the command line): all rows, or none."""
    batch = stage_import(preview, actor_id)
    batch.imported_at = now_utc()
    return batch, write_import(preview, batch, actor_id, reason_by=imported_by)


def write_import(preview: ImportPreview, batch: ImportBatch, actor_id: int | None,
                 reason_by: str | None) -> list:
    """Create every row's record, each audited, and one event for the import itself."""
    if not preview.ok:
        raise ImportRefused(preview)
    reason = f"CSV import #{batch.id} ({batch.filename})" + (f" by {reason_by}" if reason_by else "")
    records = create_records(preview.spec.model, preview.values, actor_id, reason=reason)
    record_change(
        actor_id, "import", batch,
        after={"kind": batch.kind.value, "filename": batch.filename, "rows": len(records),
               "record_ids": [record.id for record in records]},
        reason=reason, summary=f"{len(records)} {batch.kind.value} from {batch.filename}",
    )
    return records
