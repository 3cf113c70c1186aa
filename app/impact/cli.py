"""`flask report impact --from DATE --to DATE [--community SLUG ...] [--lang es|en]
[--basis accrual|cash] -o FILE.pdf`: a draft impact report from the command line."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from app.impact.compute import ImpactError, compute_figures
from app.impact.services import render_draft


@click.group("report")
def report_cli() -> None:
    """Printable reports."""


@report_cli.command("impact")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (YYYY-MM-DD).")
@click.option("--community", "communities", multiple=True, help="Community slug; repeat for several (default: all).")
@click.option("--lang", type=click.Choice(["es", "en"]), default="es", show_default=True)
@click.option("--basis", type=click.Choice(["accrual", "cash"]), default="accrual", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True, help="PDF file to write.")
@with_appcontext
def impact_command(start, end, communities, lang, basis, output) -> None:
    """Write the impact report for a period as a (draft) PDF."""
    began = time.perf_counter()
    try:
        figures = compute_figures(start.date(), end.date(), basis, communities)
    except ImpactError as exc:
        raise click.ClickException(str(exc)) from exc
    rendered = render_draft(figures, lang)
    with open(output, "wb") as target:
        target.write(rendered.pdf)
    for warning in figures.warnings:
        click.echo(f"warning: {warning.code}: {', '.join(warning.items)}", err=True)
    click.echo(f"{output}: {rendered.pages} pages, {len(rendered.pdf):,} bytes, "
               f"{time.perf_counter() - began:.2f} s")
