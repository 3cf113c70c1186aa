"""`flask import families|staff FILE.csv`: the CSV importer from the command line.

The same checks as the upload page; any bad row is printed and nothing is written (exit 1).
`--dry-run` checks only.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.registries.importer import ImportRefused, import_file, preview_file
from app.registries.models import ImportKind
from app.registries.services import RegistryError

import_cli = AppGroup("import", help="Import registry records from CSV files.")


def _run_import(kind: ImportKind, path: Path, dry_run: bool, language: str) -> None:
    # Translations and form checks need a request's locale; the CLI runs in a made-up one.
    with current_app.test_request_context(headers={"Accept-Language": language}):
        preview = preview_file(kind, path.read_bytes(), path.name,
                               current_app.config["IMPORT_MAX_ROWS"])
        if not preview.ok:
            _fail(preview)
        if dry_run:
            click.echo(f"{len(preview.rows)} rows checked, no errors; nothing written (dry run).")
            return
        try:
            batch, records = import_file(preview, None, imported_by=f"command line ({getpass.getuser()})")
        except ImportRefused as refusal:
            _fail(refusal.preview)
        except RegistryError as error:  # a race with another writer: the app context rolls back
            raise click.ClickException(f"{error.message}; nothing was imported") from error
        db.session.commit()
        click.echo(f"Imported {len(records)} {kind.value} from {path.name} (import #{batch.id}).")


def _fail(preview) -> None:
    """Print every problem and stop with exit status 1 (nothing was written)."""
    for error in preview.errors:
        where = f"row {error.row}" if error.row else "file"
        column = f", {error.column}" if error.column else ""
        click.echo(f"{where}{column}: {error.message}", err=True)
    if not preview.errors:
        click.echo("file: no rows to import", err=True)
    click.echo(f"{len(preview.errors)} problems; nothing was imported.", err=True)
    raise SystemExit(1)


def _import_command(kind: ImportKind, help_text: str):
    @import_cli.command(kind.value, help=help_text)
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check the file; write nothing.")
    @click.option("--language", type=click.Choice(["en", "es"]), default="en", show_default=True,
                  help="Language of the messages.")
    def command(path: Path, dry_run: bool, language: str) -> None:
        _run_import(kind, path, dry_run, language)

    return command


import_families = _import_command(ImportKind.FAMILIES, "Import homestay families from a CSV file (all rows or none).")
import_staff = _import_command(ImportKind.STAFF, "Import staff from a CSV file (all rows or none).")
