"""The benchmark's databases: 1 and 10 seasons of demo data, built once and reused.

Each database is built with the app's own commands (`flask db upgrade`, `flask seed-demo
--seasons N --seed S`) and stamped with what it was built from: the seasons, the seed, and a
fingerprint of the code that shapes the data (migrations and demo generators). A database whose
stamp matches is reused; any other is rebuilt. SQLite files live in bench/work/; PostgreSQL
databases (when TEST_DATABASE_URL is set) are `<name>_bench1` and `<name>_bench10`.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
SEED = 2026
FINGERPRINTED = ["migrations/versions/*.py", "app/demo/*.py"]


@dataclass(frozen=True)
class BenchDatabase:
    """One database to measure: its engine name, seasons and URL."""

    engine: str
    seasons: int
    url: str

    @property
    def label(self) -> str:
        return f"{self.engine}, {self.seasons} season{'s' if self.seasons > 1 else ''}"


def fingerprint() -> str:
    """A hash of the code the data comes from: a change to it rebuilds the databases."""
    digest = hashlib.sha256()
    for pattern in FINGERPRINTED:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _stamp(seasons: int) -> dict:
    return {"seasons": seasons, "seed": SEED, "code": fingerprint()}


def _flask(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development"}
    env.pop("TEST_DATABASE_URL", None)
    flask = Path(sys.executable).with_name("flask")
    subprocess.run([str(flask), *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL if args[0] == "db" else None)


def _seed(url: str, seasons: int) -> float:
    started = time.perf_counter()
    _flask(url, "db", "upgrade")
    _flask(url, "seed-demo", "--seasons", str(seasons), "--seed", str(SEED))
    return time.perf_counter() - started


def sqlite_database(seasons: int, log) -> tuple[BenchDatabase, float | None]:
    """bench/work/bench<N>.db, rebuilt when its stamp differs; (database, seconds spent building)."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"bench{seasons}.db"
    stamp_path = path.with_suffix(".stamp.json")
    url = f"sqlite:///{path}"
    wanted = _stamp(seasons)
    if path.exists() and stamp_path.exists() and json.loads(stamp_path.read_text()) == wanted:
        log(f"reusing {path.relative_to(ROOT)} ({wanted})")
        return BenchDatabase("SQLite", seasons, url), None
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"), stamp_path):
        stale.unlink(missing_ok=True)
    log(f"building {path.relative_to(ROOT)}: seed-demo --seasons {seasons} --seed {SEED}")
    seconds = _seed(url, seasons)
    stamp_path.write_text(json.dumps(wanted))
    return BenchDatabase("SQLite", seasons, url), seconds


def postgres_database(base_url: str, seasons: int, log) -> tuple[BenchDatabase, float | None]:
    """`<name>_bench<N>` next to TEST_DATABASE_URL's database, rebuilt when its stamp differs."""
    base = make_url(base_url)
    target = base.set(database=f"{base.database}_bench{seasons}")
    url = target.render_as_string(hide_password=False)
    stamp_path = WORK / f"{target.database}.stamp.json"
    wanted = _stamp(seasons)
    WORK.mkdir(parents=True, exist_ok=True)
    if stamp_path.exists() and json.loads(stamp_path.read_text()) == wanted and _has_data(url):
        log(f"reusing PostgreSQL {target.database} ({wanted})")
        return BenchDatabase("PostgreSQL", seasons, url), None
    stamp_path.unlink(missing_ok=True)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    log(f"building PostgreSQL {target.database}: seed-demo --seasons {seasons} --seed {SEED}")
    seconds = _seed(url, seasons)
    # What autovacuum would have done minutes after a bulk load: planner statistics and the
    # visibility map (index-only scans read the heap until it is set).
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    stamp_path.write_text(json.dumps(wanted))
    return BenchDatabase("PostgreSQL", seasons, url), seconds


def _has_data(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return (connection.execute(text("SELECT count(*) FROM departures")).scalar() or 0) > 0
    except Exception:  # noqa: BLE001  (a missing database or table means: rebuild it)
        return False
    finally:
        engine.dispose()


@contextmanager
def counting(engine):
    """Count the SQL statements the engine runs inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
