"""How long a 5,000-row CSV import takes: preview and "import all", families and staff.

    .venv/bin/python bench/import_timing.py [--rows 5000] [--no-postgres]

Each engine gets a fresh database built by the migrations (SQLite: bench/work/import.db;
PostgreSQL, when TEST_DATABASE_URL is set: `<its name>_import`, dropped and recreated), holding
the demo's registries (9 communities, ~30 families, ~25 staff). A generated file of Quechua names
(accents, ñ) over several communities, every column filled, goes through the real pages with the
Flask test client, signed in as a manager: the upload (preview and staging) and the
confirmation (the import) are timed whole (wall clock, and the CPU the app's own process
spent: on a busy machine the first grows, the second much less), with their SQL statement counts. `make bench` adds
the same figures to bench/results.md (bench/run.py calls `measure_imports`).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.databases import counting  # noqa: E402

WORK = ROOT / "bench" / "work"
ROWS = 5000
SEED = 2026
MANAGER = "import-bench@lares.example"
# A throwaway user in a throwaway database.
PASSWORD = "import-bench-password-2026"  # nosec B105
TARGET_S = 5.0

COMMUNITIES = ["Huacahuasi", "Choquecancha", "Quishuarani", "Cuncani", "Patacancha", "Lares",
               "Kelkanka", "Cancha Cancha"]
GIVEN_FEMALE = ["Juana", "Rosa", "Martina", "Francisca", "Valentina", "Dominga", "Lucía", "Nilda",
                "Eulogia", "Florencia", "Sabina", "Antonia", "Yolanda", "Gregoria", "Begoña"]
GIVEN_MALE = ["Mariano", "Julián", "Santos", "Faustino", "Eusebio", "Teófilo", "Cirilo", "Nicanor",
              "Wilber", "Edwin", "Hilario", "Leoncio", "Saturnino", "Américo", "Ñico"]
SURNAMES = ["Quispe", "Mamani", "Huillca", "Ñaupa", "Condori", "Huamán", "Ccorimanya", "Yupanqui",
            "Sutta", "Cusihuamán", "Puma", "Chalco", "Apaza", "Layme", "Ttito", "Ñahui", "Illanes"]
NOTES = ["Cocina con leña, baño seco", "Vista al Sahuasiray", "Habla quechua; poco castellano",
         "Cerca de la laguna Ipsaycocha", "", "", "Teje en telar de cintura", "Casa de adobe, dos pisos"]


def unique_names(rng: random.Random, count: int) -> Iterator[tuple[str, str]]:
    """(name, gender) pairs, two given names and two surnames, none repeated."""
    seen: set[str] = set()
    while len(seen) < count:
        female = rng.random() < 0.6
        given = GIVEN_FEMALE if female else GIVEN_MALE
        name = f"{' '.join(rng.sample(given, 2))} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
        if name not in seen:
            seen.add(name)
            yield name, ("mujer" if female else "hombre") if rng.random() < 0.5 else ("F" if female else "M")


def _csv(header: list[str], rows: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _payment(rng: random.Random) -> list[str]:
    method = rng.choice(["efectivo"] * 5 + ["yape", "yape", "banco", "plin"])
    return [method,
            "Caja Cusco" if method == "banco" else "",
            f"{rng.randrange(10**13, 10**14)}" if method == "banco" else "",
            f"9{rng.randrange(10**7, 10**8)}" if method in ("yape", "plin") else ""]


FILLER = ("Vive a dos horas de camino de Lares, pasando el abra de Ipsayccasa; habla quechua y "
          "castellano; prefiere que le paguen en efectivo en la comunidad, con recibo firmado. ")


def _note(rng: random.Random, length: int) -> str:
    """A short note, or (length > 0) one padded with a realistic sentence to `length` characters."""
    note = rng.choice(NOTES)
    return (note + " " + FILLER * (1 + length // len(FILLER)))[:length].strip() if length else note


def family_file(rows: int = ROWS, seed: int = SEED, note_length: int = 0) -> bytes:
    """A Spanish, semicolon-separated families file (as Excel in Peru writes it), UTF-8."""
    rng = random.Random(seed)
    header = ["Comunidad", "Jefe de hogar", "Género", "Camas", "Teléfono", "Medio de pago", "Banco",
              "Cuenta", "Número Yape/Plin", "Activo", "Observaciones"]
    body = [[rng.choice(COMMUNITIES), name, gender, str(rng.choice([2, 3, 3, 4, 4, 5, 6])),
             f"9{rng.randrange(10**7, 10**8)}", *_payment(rng), rng.choice(["sí", "sí", "no"]),
             _note(rng, note_length)]
            for name, gender in unique_names(rng, rows)]
    return _csv(header, body, ";")


def staff_file(rows: int = ROWS, seed: int = SEED, note_length: int = 0) -> bytes:
    """An English, comma-separated staff file, both date formats, several roles per person."""
    rng = random.Random(seed + 1)
    header = ["full_name", "dni", "birth_date", "gender", "community", "phone", "emergency_contact_name",
              "emergency_contact_phone", "insurance_expiry", "roles", "payment_method", "bank_name",
              "bank_account", "wallet_phone", "notes"]
    roles = ["porter", "porter", "porter;cook", "arriero", "cook", "guide", "porteador, cocinero"]
    body = []
    for n, (name, gender) in enumerate(unique_names(rng, rows)):
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
        body.append([
            name, f"{46000000 + n:08d}",
            born.isoformat() if n % 2 else born.strftime("%d/%m/%Y"), gender,
            rng.choice(COMMUNITIES + [""]), f"9{rng.randrange(10**7, 10**8)}",
            f"{rng.choice(GIVEN_FEMALE)} {rng.choice(SURNAMES)}", f"9{rng.randrange(10**7, 10**8)}",
            date(2027, rng.randrange(1, 13), 1).isoformat(), rng.choice(roles), *_payment(rng),
            _note(rng, note_length),
        ])
    return _csv(header, body, ",")


# --- Databases -----------------------------------------------------------------------------------


def fresh_sqlite() -> str:
    """bench/work/import.db, deleted first."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "import.db"
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def fresh_postgres(base_url: str) -> str:
    """`<name>_import` next to `base_url`'s database, dropped and recreated."""
    base = make_url(base_url)
    target = base.set(database=f"{base.database}_import")
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    return target.render_as_string(hide_password=False)


def import_app(url: str):
    """The real application on `url`, migrated, with the demo registries and a manager; CSRF off
    for the in-process client only."""
    from flask_migrate import upgrade

    from app import create_app
    from app.accounts.models import User
    from app.accounts.roles import Role
    from app.demo.registries import seed_registries
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-only",
                      "WTF_CSRF_ENABLED": False, "TESTING": False, "ENV_NAME": "development"})
    with app.app_context():
        upgrade()
        seed_registries(random.Random(SEED))
        user = User(email=MANAGER, full_name="Import Bench", role=Role.MANAGER, language="es")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return app


@contextmanager
def counting_app(app) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    with counting(engine) as statements:
        yield statements


# --- Measuring -----------------------------------------------------------------------------------


@dataclass
class ImportTiming:
    """One file through one engine: seconds and SQL statements of the preview and the import."""

    engine: str
    kind: str
    rows: int
    preview_s: float
    preview_queries: int
    import_s: float
    import_queries: int
    preview_cpu_s: float = 0.0
    import_cpu_s: float = 0.0

    @property
    def worst_s(self) -> float:
        return max(self.preview_s, self.import_s)


def _token(html: str) -> str:
    start = html.index('name="token"')
    return html[start:].split('value="', 1)[1].split('"', 1)[0]


def time_import(app, client, engine: str, kind: str, content: bytes, rows: int) -> ImportTiming:
    """Upload `content` (preview), then confirm it (import), timing each request."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.registries.models import HomestayFamily, StaffMember

    model = HomestayFamily if kind == "families" else StaffMember
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(model))
    with counting_app(app) as preview_statements:
        started, cpu = time.perf_counter(), time.process_time()
        preview = client.post(f"/{kind}/import", content_type="multipart/form-data",
                              data={"file": (io.BytesIO(content), f"{kind}.csv")})
        preview_s, preview_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    html = preview.get_data(as_text=True)
    if preview.status_code != 200:
        raise RuntimeError(f"{kind} preview on {engine}: HTTP {preview.status_code}\n{html[:3000]}")
    with counting_app(app) as import_statements:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.post(f"/{kind}/import/confirm", data={"token": _token(html)})
        import_s, import_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    if response.status_code != 302:
        raise RuntimeError(f"{kind} import on {engine}: HTTP {response.status_code}\n"
                           f"{response.get_data(as_text=True)[:3000]}")
    with app.app_context():
        after = db.session.scalar(select(func.count()).select_from(model))
    if after - before != rows:
        raise RuntimeError(f"{kind} import on {engine}: {after - before} records written, not {rows}")
    return ImportTiming(engine, kind, rows, preview_s, len(preview_statements), import_s,
                        len(import_statements), preview_cpu_s, import_cpu_s)


def largest_note(make_file, rows: int, limit: int) -> int:
    """The note length that brings a file of `rows` rows just under `limit` bytes (the upload cap)."""
    spare = limit * 0.98 - len(make_file(rows))
    return max(0, int(spare / rows) - 4)  # the filler is ASCII; a padded cell gains two quotes


def measure_imports(engine: str, url: str, rows: int = ROWS, log=print,
                    largest: bool = False) -> list[ImportTiming]:
    """Families then staff, `rows` each, into a fresh database at `url`; with `largest`, each
    file's notes padded so it is nearly as large as an upload may be (MAX_CONTENT_LENGTH)."""
    from app.extensions import db

    app = import_app(url)
    client = app.test_client()
    response = client.post("/login", data={"email": MANAGER, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"import bench sign-in failed on {engine}: HTTP {response.status_code}")
    timings = []
    limit = app.config["MAX_CONTENT_LENGTH"]
    files = []
    for kind, make_file in (("families", family_file), ("staff", staff_file)):
        note_length = largest_note(make_file, rows, limit) if largest else 0
        files.append((kind, make_file(rows, note_length=note_length)))
    for kind, content in files:
        log(f"import of {rows:,} {kind} on {engine} ({len(content) / 1024:.0f} KiB)")
        timings.append(time_import(app, client, engine, kind, content, rows))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return timings


def import_rows(timings: list[ImportTiming]) -> list[str]:
    """Rows for bench/results.md's "measure | database | result | target | verdict" table."""
    return [
        f"| CSV import, {t.rows:,} {t.kind} | {t.engine}, fresh | preview {t.preview_s:.2f} s "
        f"(app CPU {t.preview_cpu_s:.2f} s, {t.preview_queries} queries), import {t.import_s:.2f} s "
        f"(app CPU {t.import_cpu_s:.2f} s, {t.import_queries} queries) | "
        f"< {TARGET_S:.0f} s each | {'met' if t.worst_s < TARGET_S else '**missed**'} |"
        for t in timings
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help="rows per file")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--largest", action="store_true",
                        help="pad the notes so each file is nearly as large as an upload may be (2 MiB)")
    args = parser.parse_args()
    os.chdir(ROOT)
    timings = measure_imports("SQLite", fresh_sqlite(), args.rows, largest=args.largest)
    pg_url = os.environ.get("TEST_DATABASE_URL", "")
    if pg_url.startswith("postgresql") and not args.no_postgres:
        timings += measure_imports("PostgreSQL", fresh_postgres(pg_url), args.rows, largest=args.largest)
    print("\n| measure | database | result | target | verdict |\n|---|---|---|---|---|")
    print("\n".join(import_rows(timings)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
