"""`flask import families|staff FILE.csv`: the CSV importer from the command line."""

from __future__ import annotations

from flask.cli import AppGroup

import_cli = AppGroup("import", help="Import registry records from CSV files.")
