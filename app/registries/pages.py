"""The page flow the four registries share: list, detail, create, edit, archive, restore, import.

Each registry is a `RegistryPages` (its model, form, filters, list query, templates and words);
the routes are one-line views that call it, so every registry behaves the same way and the
access rule of each endpoint stays visible on its view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select

from app.extensions import db
from app.forms import id_or_none
from app.registries.forms import (
    ImportConfirmForm,
    ImportUploadForm,
    ListFilterForm,
    RegistryForm,
)
from app.registries.importer import (
    SPECS,
    BatchUnavailable,
    ImportPreview,
    ImportRefused,
    import_staged,
    preview_file,
    stage_import,
)
from app.registries.models import ImportKind
from app.registries.services import (
    RegistryError,
    archive_record,
    create_record,
    restore_record,
    update_record,
)


def get_or_404(model, record_id: int):
    """The record with this id, or a 404 page."""
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    return record


MAX_PAGE = 100_000  # far beyond any list here; keeps OFFSET inside a 64-bit integer


def paginate(query: Select):
    """One page of `query`, from the `page` query argument (junk or huge numbers: page 1)."""
    text = request.args.get("page", "")
    # ASCII digits only: `int` also reads `１２`, `١٢` and `1_0`.
    page = int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else 1
    if not 1 <= page <= MAX_PAGE:
        page = 1
    return db.paginate(query, page=page, per_page=current_app.config["PER_PAGE"], error_out=False)


def commit_change(message: str) -> None:
    """Commit the request's one transaction and tell the user."""
    db.session.commit()
    flash(message, "success")


def form_status(form) -> int:
    """400 when a submitted form is re-rendered with errors, else 200."""
    return 400 if form.errors else 200


def show_registry_error(form, error: RegistryError) -> None:
    """Put a service's refusal on the field it names, or above the form."""
    target = form._fields.get(error.field or "")
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        form.form_errors.append(error.message)


@dataclass(frozen=True)
class RegistryPages:
    """One registry's pages. `key` names its templates and endpoints (`family_list`...)."""

    model: type
    form_class: type[RegistryForm]
    filter_class: type[ListFilterForm]
    list_query: Callable[[ListFilterForm], Select]
    key: str
    id_arg: str
    new_title: Any
    detail_context: Callable[[Any], dict] | None = None

    def endpoint(self, action: str) -> str:
        return f"registries.{self.key}_{action}"

    def detail_url(self, record) -> str:
        return url_for(self.endpoint("detail"), **{self.id_arg: record.id})

    def list_page(self):
        """The searchable, filtered, paginated list."""
        filters = self.filter_class(request.args).clean()
        return render_template(f"registries/{self.key}_list.html",
                               page=paginate(self.list_query(filters)), filters=filters)

    def detail_page(self, record_id: int):
        """One record (archived ones too)."""
        record = get_or_404(self.model, record_id)
        extra = self.detail_context(record) if self.detail_context else {}
        return render_template(f"registries/{self.key}_detail.html", record=record, **extra)

    def create_page(self):
        """The empty form; on a valid POST, the new record."""
        form = self.form_class()
        if not form.is_submitted() and "community_id" in form._fields:
            # "New family" from a community's page comes with it chosen
            form.community_id.data = id_or_none(request.args.get("community_id"))
        if form.validate_on_submit():
            try:
                record = create_record(self.model, form.values(), current_user.id)
            except RegistryError as error:
                show_registry_error(form, error)
            else:
                commit_change(_("%(name)s added.", name=str(record)))
                return redirect(self.detail_url(record))
        return self._form_page(form, self.new_title, url_for(self.endpoint("list")))

    def edit_page(self, record_id: int):
        """The record's form; archived records must be restored first."""
        record = get_or_404(self.model, record_id)
        if record.is_archived:
            flash(_("Archived records cannot be edited; restore it first."), "error")
            return redirect(self.detail_url(record))
        form = self.form_class(record=record)
        if form.validate_on_submit():
            try:
                update_record(record, form.values(), current_user.id)
            except RegistryError as error:
                show_registry_error(form, error)
            else:
                commit_change(_("%(name)s saved.", name=str(record)))
                return redirect(self.detail_url(record))
        return self._form_page(form, _("Edit %(name)s", name=str(record)), self.detail_url(record))

    def _form_page(self, form, title, cancel_url: str):
        return render_template("registries/form.html", form=form, title=title,
                               cancel_url=cancel_url), form_status(form)

    def archive(self, record_id: int, restore: bool = False):
        """Archive (or restore) a record, then show it."""
        record = get_or_404(self.model, record_id)
        try:
            if restore:
                restore_record(record, current_user.id)
            else:
                archive_record(record, current_user.id)
        except RegistryError as error:
            flash(str(error.message), "error")
        else:
            commit_change(_("%(name)s restored.", name=str(record)) if restore
                          else _("%(name)s archived.", name=str(record)))
        return redirect(self.detail_url(record))


@dataclass(frozen=True)
class ImportPages:
    """Upload a CSV file, preview it with row errors, then import all of it (or nothing)."""

    kind: ImportKind
    key: str
    title: Any

    def _preview_page(self, preview: ImportPreview, status: int, confirm: ImportConfirmForm | None = None):
        return render_template(
            "registries/import_preview.html", preview=preview, confirm=confirm, title=self.title,
            key=self.key, max_errors_shown=500, max_rows_shown=100,
        ), status

    def upload_page(self):
        """The upload form; on POST, the preview (and a staged batch when every row passes)."""
        form = ImportUploadForm()
        if form.validate_on_submit():
            upload = form.file.data
            preview = preview_file(self.kind, upload.read(), upload.filename or "",
                                   current_app.config["IMPORT_MAX_ROWS"])
            if not preview.ok:
                return self._preview_page(preview, 400)
            batch = stage_import(preview, current_user.id)
            db.session.commit()
            return self._preview_page(preview, 200, ImportConfirmForm(token=batch.token))
        return render_template("registries/import_upload.html", form=form, title=self.title,
                               spec=SPECS[self.kind], key=self.key), form_status(form)

    def confirm(self):
        """Import every row of the previewed file, or none of them."""
        form = ImportConfirmForm()
        if not form.validate_on_submit():
            flash(_("This import is unknown. Upload the file again."), "error")
            return redirect(url_for(f"registries.{self.key}_import"))
        try:
            _batch, records = import_staged(form.token.data, current_user.id)
        except ImportRefused as refusal:
            return self._preview_page(refusal.preview, 400)
        except (BatchUnavailable, RegistryError) as problem:
            flash(str(problem), "error")
            return redirect(url_for(f"registries.{self.key}_import"))
        commit_change(_("%(count)d records imported.", count=len(records)))
        return redirect(url_for(f"registries.{self.key}_list"))
