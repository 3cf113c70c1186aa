"""`flask backup create FILE` and `flask backup restore FILE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.backups.services import BackupError, create_backup, restore_backup
from app.extensions import db

backup_cli = AppGroup("backup", help="Back the database up to one portable file, or restore it.")


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def create_command(file: Path, force: bool) -> None:
    """Write every table to FILE (gzip-compressed JSON lines, any engine can restore it)."""
    if file.exists() and not force:
        raise click.ClickException(f"{file} exists; use --force to overwrite it")
    counts = create_backup(file)
    db.session.rollback()
    click.echo(f"Backed up {sum(counts.values())} rows of {len(counts)} tables to {file}.")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def restore_command(file: Path) -> None:
    """Load FILE into this database, which must be empty and migrated to the backup's revision."""
    try:
        counts = restore_backup(file)
    except BackupError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Restored {sum(counts.values())} rows of {len(counts)} tables from {file}. "
               "Check it with `flask ledger verify`.")
