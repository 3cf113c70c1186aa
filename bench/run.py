"""`make bench`: how fast Lares Ledger stays with ten seasons of data.

Measures, on 1-season and 10-season databases (SQLite; PostgreSQL too when TEST_DATABASE_URL is
set), and writes the table to bench/results.md:
- p50/p95 server time of the key pages, in-process with the Flask test client, signed in as the
  administrator (warm-up first, then REQUESTS timed requests each), and SQL queries per page;
- the year's impact report as PDF: total time, and the ratio to WeasyPrint alone on the same HTML;
- a batch payment run of 1,000 obligations (flushed, then rolled back);
- a CSV import of 5,000 families and of 5,000 staff, preview then "import all", into a fresh
  database per engine (bench/import_timing.py, which also runs on its own);
- requests per second of the dashboard under gunicorn (4 workers, loopback) against a bare
  Flask "hello" view under the same server in the same run.

Run it on a quiet machine: the numbers are wall-clock times.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from bench.databases import (  # noqa: E402
    BenchDatabase,
    counting,
    postgres_database,
    sqlite_database,
)
from bench.import_timing import fresh_postgres, fresh_sqlite, import_rows, measure_imports  # noqa: E402
from bench.load import run_load  # noqa: E402

REQUESTS = 40
WARM_UP = 5
TARGET_P95_MS = 50.0
TARGET_RATIO = 1.3
TARGET_REPORT_S = 3.0
TARGET_REPORT_RATIO = 1.25
TARGET_BATCH_S = 2.0
TARGET_RPS_SHARE = 0.15
BATCH_OBLIGATIONS = 1000
ADMIN = "admin@lares.example"
DEMO_DEPARTURE = "LAR-2026-06-13-A"


@dataclass
class Page:
    """A key page: its name, the endpoints that may serve it (first found wins), query args."""

    name: str
    endpoints: tuple[str, ...]
    query: dict = field(default_factory=dict)


PAGES = [
    Page("dashboard", ("operations.dashboard",)),
    Page("departures list", ("operations.departure_list",)),
    Page("departure detail", ("operations.departure_detail",)),
    Page("payables", ("ledger.payables", "payments.payables")),
    # Statements over the demo season's months: the same lines in both databases, so what the
    # ten years before cost shows (the default period, the last twelve months, holds more of them).
    Page("payee statement", ("ledger.account_statement", "payments.payee_statement"),
         {"date_from": "2026-05-01", "date_to": "2026-09-30"}),
    Page("community statement", ("ledger.community_statement_view", "ledger.community_statement"),
         {"date_from": "2026-05-01", "date_to": "2026-09-30"}),
    Page("journal", ("ledger.journal",)),
    Page("report preview", ("impact.preview",),
         {"start": "2026-01-01", "end": "2026-12-31", "basis": "accrual", "lang": "es"}),
]


@dataclass
class PageResult:
    """Timings (ms) and the SQL statement count of one page on one database."""

    url: str | None
    times_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    error: str | None = None

    @property
    def p50(self) -> float | None:
        return statistics.median(self.times_ms) if self.times_ms else None

    @property
    def p95(self) -> float | None:
        if not self.times_ms:
            return None
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def bench_app(database: BenchDatabase):
    """The real application on `database`, CSRF off for the in-process client only."""
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database.url, "SECRET_KEY": "bench-only",
                       "WTF_CSRF_ENABLED": False, "TESTING": False, "ENV_NAME": "development"})


def page_arguments(app) -> dict:
    """URL arguments that name the same records in every database (the demo's ids come first)."""
    from app.extensions import db
    from app.ledger.models import Account
    from app.ledger.services import payable_code
    from app.operations.models import Departure
    from app.registries.models import Community, HomestayFamily, PayeeKind

    with app.app_context():
        departure_id = db.session.scalar(select(Departure.id).where(Departure.code == DEMO_DEPARTURE))
        community_id = db.session.scalar(select(Community.id).where(Community.name == "Huacahuasi"))
        family_id = db.session.scalar(select(func.min(HomestayFamily.id))
                                      .where(HomestayFamily.community_id == community_id))
        account_id = db.session.scalar(select(Account.id).where(
            Account.code == payable_code(PayeeKind.FAMILY, family_id))) if family_id else None
        return {"departure_id": departure_id, "community_id": community_id, "account_id": account_id,
                "payee_kind": PayeeKind.FAMILY.value, "payee_id": family_id}


def page_url(app, page: Page, arguments: dict) -> str | None:
    """The page's URL on this app, or None when no endpoint serves it yet."""
    from flask import url_for

    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    endpoint = next((e for e in page.endpoints if e in rules), None)
    if endpoint is None:
        return None
    values = {name: arguments[name] for name in rules[endpoint].arguments}
    with app.test_request_context():
        url = url_for(endpoint, **values)
    return url + ("?" + urllib.parse.urlencode(page.query) if page.query else "")


def measure_pages(database: BenchDatabase, requests: int) -> dict[str, PageResult]:
    """p50/p95 and queries per key page, signed in as the administrator."""
    from app.demo.users import DEMO_PASSWORD
    from app.extensions import db

    app = bench_app(database)
    arguments = page_arguments(app)
    client = app.test_client()
    response = client.post("/login", data={"email": ADMIN, "password": DEMO_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"bench sign-in failed on {database.label}: {response.status_code}")
    with app.app_context():
        engine = db.engine
    results = {}
    for page in PAGES:
        url = page_url(app, page, arguments)
        result = PageResult(url)
        results[page.name] = result
        if url is None:
            result.error = "no such page yet"
            continue
        for _ in range(WARM_UP):
            client.get(url)
        with counting(engine) as statements:
            status = client.get(url).status_code
        if status != 200:
            result.error = f"HTTP {status}"
            continue
        result.queries = len(statements)
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url)
            result.times_ms.append((time.perf_counter() - started) * 1000)
    with app.app_context():
        db.engine.dispose()
    return results


@dataclass
class ReportResult:
    """The year's report as PDF: total (figures + HTML + PDF) against WeasyPrint alone."""

    year: int
    total_s: float
    weasyprint_s: float
    pages: int

    @property
    def ratio(self) -> float:
        return self.total_s / self.weasyprint_s


def measure_report(database: BenchDatabase, year: int, rounds: int = 3) -> ReportResult:
    """The draft PDF request timed whole, and WeasyPrint alone on the same HTML (median of rounds)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from app.demo.users import DEMO_PASSWORD
    from app.extensions import db
    from app.impact.compute import compute_figures
    from app.impact.render import REPORTS_DIR, font_face_css, render_html
    from app.impact.services import render_settings

    app = bench_app(database)
    client = app.test_client()
    client.post("/login", data={"email": ADMIN, "password": DEMO_PASSWORD})
    query = urllib.parse.urlencode({"start": f"{year}-01-01", "end": f"{year}-12-31",
                                    "basis": "accrual", "lang": "es"})
    totals, alone, pages = [], [], 0
    client.get(f"/impact/draft.pdf?{query}")  # warm-up: fonts, templates
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(f"/impact/draft.pdf?{query}")
        totals.append(time.perf_counter() - started)
        if response.status_code != 200 or not response.data.startswith(b"%PDF"):
            raise RuntimeError(f"report PDF failed: HTTP {response.status_code}")
    with app.test_request_context():
        figures = compute_figures(date(year, 1, 1), date(year, 12, 31), "accrual", [])
        html = render_html(figures, "es", **render_settings())
        for _ in range(rounds):
            started = time.perf_counter()
            font_config = FontConfiguration()
            fonts = weasyprint.CSS(string=font_face_css(), font_config=font_config)
            document = weasyprint.HTML(string=html, base_url=str(REPORTS_DIR)).render(
                stylesheets=[fonts], font_config=font_config)
            document.write_pdf(pdf_variant="pdf/a-3b")
            alone.append(time.perf_counter() - started)
            pages = len(document.pages)
        db.engine.dispose()
    return ReportResult(year, statistics.median(totals), statistics.median(alone), pages)


@dataclass
class BatchResult:
    """A batch run: how many obligations and payments, and how long it took."""

    obligations: int
    payments: int
    seconds: float


def measure_batch(database: BenchDatabase) -> BatchResult:
    """Accrue enough open obligations to make 1,000, time `run_batch` over them, roll back."""
    from app.accounts.models import User
    from app.accounts.roles import Role
    from app.clock import today_lima
    from app.extensions import db
    from app.ledger.models import EntrySource
    from app.ledger.services import post_services
    from app.operations.actuals import ServiceDelivered
    from app.operations.models import ServiceKind
    from app.payments.services import preview_batch, run_batch
    from app.registries.models import (
        Community,
        HomestayFamily,
        PayeeKind,
        StaffMember,
        WeavingAssociation,
    )

    app = bench_app(database)
    with app.app_context():
        day = today_lima()
        actor = db.session.scalar(select(User.id).where(User.role == Role.ACCOUNTANT))
        already = preview_batch(None, day).obligation_count  # open, payable now, payee not archived
        payees = (
            [(ServiceKind.HOMESTAY_NIGHT, PayeeKind.FAMILY, f.id, f.community_id)
             for f in db.session.scalars(select(HomestayFamily).where(HomestayFamily.archived_at.is_(None)))]
            + [(ServiceKind.PORTER_DAY, PayeeKind.STAFF, s.id, s.community_id)
               for s in db.session.scalars(select(StaffMember).where(StaffMember.archived_at.is_(None)))]
            + [(ServiceKind.WORKSHOP_PARTICIPANT, PayeeKind.ASSOCIATION, a.id, a.community_id)
               for a in db.session.scalars(select(WeavingAssociation))]
            + [(ServiceKind.VISITOR_FEE, PayeeKind.COMMUNITY, c.id, c.id)
               for c in db.session.scalars(select(Community))]
        )
        services = [ServiceDelivered(service, kind, payee_id, community_id, 1 + n % 3, day)
                    for n, (service, kind, payee_id, community_id)
                    in ((n, payees[n % len(payees)]) for n in range(max(0, BATCH_OBLIGATIONS - already)))]
        if services:
            post_services(services, entry_date=day, trek_end_date=day, memo="bench: obligations to pay",
                          source_type=EntrySource.ADJUSTMENT, source_id=None, departure_id=None,
                          actor_id=actor)
        db.session.flush()
        started = time.perf_counter()
        batch = run_batch(community_id=None, cutoff=day, idempotency_key=str(uuid.uuid4()),
                          actor_id=actor, payment_date=day).batch
        db.session.flush()
        seconds = time.perf_counter() - started
        obligations = sum(len(p.allocations) for p in batch.payments)
        payments = len(batch.payments)
        db.session.rollback()
        db.engine.dispose()
    return BatchResult(obligations, payments, seconds)


@dataclass
class RpsResult:
    """Requests per second of the dashboard and of the bare hello view, same server, same run;
    and of the lightest signed-in page (my account: one query), the floor any signed-in page
    stands on (session, user, menu, Babel, templates)."""

    dashboard: float
    hello: float
    failures: int
    signed_in_floor: float = 0.0

    @property
    def share(self) -> float:
        return self.dashboard / self.hello if self.hello else 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(app_path: str, env: dict, workers: int = 4):
    """gunicorn serving `app_path` on a free loopback port; stopped (by its pid) on exit."""
    port = free_port()
    binary = Path(sys.executable).with_name("gunicorn")
    log_path = ROOT / "bench" / "work" / "gunicorn.log"
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [str(binary), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--chdir", str(ROOT), "--log-level", "warning", app_path],
            env=env, stdout=log_file, stderr=log_file)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start ({app_path}); see {log_path}") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sign_in_over_http(port: int) -> str:
    """Sign in through the real login form (CSRF and all); return the Cookie header to send."""
    import http.client

    from app.demo.users import DEMO_PASSWORD

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookies = _cookies(response)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    body = urllib.parse.urlencode({"email": ADMIN, "password": DEMO_PASSWORD,
                                   "csrf_token": token.group(1) if token else ""})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies})
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"sign-in over HTTP failed: {response.status}")
    return _cookies(response) or cookies


def _cookies(response) -> str:
    return "; ".join(value.split(";", 1)[0] for name, value in response.getheaders()
                     if name.lower() == "set-cookie")


def measure_rps(database: BenchDatabase, seconds: float) -> RpsResult:
    """Dashboard (and the lightest signed-in page) vs hello, under gunicorn with 4 workers, 8 threads of load."""
    env = {**os.environ, "DATABASE_URL": database.url, "SECRET_KEY": "bench-only", "APP_ENV": "development"}
    env.pop("TEST_DATABASE_URL", None)
    with gunicorn("wsgi:app", env) as port:
        cookie = sign_in_over_http(port)
        run_load(port, "/operations", cookie=cookie, seconds=2, max_requests=100)
        dashboard = run_load(port, "/operations", cookie=cookie, seconds=seconds)
        floor = run_load(port, "/account", cookie=cookie, seconds=seconds)
    with gunicorn("bench.hello:app", env) as port:
        run_load(port, "/", seconds=2, max_requests=200)
        hello = run_load(port, "/", seconds=seconds)
    return RpsResult(dashboard.rps, hello.rps, dashboard.failures + hello.failures + floor.failures,
                     floor.rps)


# --- The table -----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _verdict(ok: bool, miss: str = "") -> str:
    return "met" if ok else f"**missed**{(' ' + miss) if miss else ''}"


def page_table(engine: str, one: dict[str, PageResult], ten: dict[str, PageResult]) -> list[str]:
    lines = [f"### Key pages, {engine} (ms; {REQUESTS} requests each after {WARM_UP} warm-up)", "",
             "| page | p50 1 season | p95 1 season | p50 10 seasons | p95 10 seasons | 10/1 p95 | queries 1 / 10 | verdict |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for page in PAGES:
        a, b = one[page.name], ten[page.name]
        if a.error or b.error:
            lines.append(f"| {page.name} | — | — | — | — | — | — | not measured: {a.error or b.error} |")
            continue
        ratio = b.p95 / a.p95 if a.p95 else None
        problems = []
        if engine == "SQLite" and b.p95 >= TARGET_P95_MS:
            problems.append(f"p95 {b.p95:.0f} ms ≥ {TARGET_P95_MS:.0f}")
        if ratio is not None and ratio >= TARGET_RATIO:
            problems.append(f"ratio {ratio:.2f} ≥ {TARGET_RATIO}")
        if a.queries != b.queries:
            problems.append(f"queries {a.queries} ≠ {b.queries}")
        verdict = "met" if not problems else "**missed**: " + "; ".join(problems)
        lines.append(f"| {page.name} | {_ms(a.p50)} | {_ms(a.p95)} | {_ms(b.p50)} | {_ms(b.p95)} | "
                     f"{ratio:.2f} | {a.queries} / {b.queries} | {verdict} |")
    return lines + [""]


def environment() -> list[str]:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "?"
    load = os.getloadavg()
    return [f"- run: {datetime.now():%Y-%m-%d %H:%M} UTC, commit {commit}, {os.cpu_count()} CPUs, "
            f"load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min)",
            f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"]


def database_sizes(databases: list[tuple[BenchDatabase, float | None]]) -> list[str]:
    from sqlalchemy import create_engine

    lines = ["| database | departures | travellers | journal lines | payments | built in |", "|---|---:|---:|---:|---:|---:|"]
    for database, seconds in databases:
        engine = create_engine(database.url)
        with engine.connect() as connection:
            # Fixed table names, not input.
            counts = [connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # nosec B608
                      for table in ("departures", "travellers", "journal_lines", "payments")]
        engine.dispose()
        built = f"{seconds:.0f} s" if seconds is not None else "reused"
        lines.append(f"| {database.label} | " + " | ".join(f"{c:,}" for c in counts) + f" | {built} |")
    return lines + [""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS, help="timed requests per page")
    parser.add_argument("--rps-seconds", type=float, default=10.0, help="seconds of load per server")
    parser.add_argument("--no-rps", action="store_true", help="skip the gunicorn measurement")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.md"))
    args = parser.parse_args()
    os.chdir(ROOT)
    started = time.perf_counter()

    built = [sqlite_database(1, log), sqlite_database(10, log)]
    pg_url = os.environ.get("TEST_DATABASE_URL", "")
    if pg_url.startswith("postgresql"):
        built += [postgres_database(pg_url, 1, log), postgres_database(pg_url, 10, log)]
    databases = [database for database, _seconds in built]

    out = ["# Benchmark results", "", "Written by `make bench` (bench/run.py).", ""]
    out += environment() + [""]
    out += ["## Data", ""] + database_sizes(built)
    by_engine: dict[str, dict[int, BenchDatabase]] = {}
    for database in databases:
        by_engine.setdefault(database.engine, {})[database.seasons] = database
    for engine, pair in by_engine.items():
        log(f"pages on {engine}, 1 season")
        one = measure_pages(pair[1], args.requests)
        log(f"pages on {engine}, 10 seasons")
        ten = measure_pages(pair[10], args.requests)
        out += page_table(engine, one, ten)

    out += ["## Report, batch run, CSV import, throughput", "",
            "| measure | database | result | target | verdict |", "|---|---|---|---|---|"]
    for engine, pair in by_engine.items():
        database = pair[10]
        log(f"impact report PDF on {database.label}")
        report = measure_report(database, 2025)
        out.append(f"| report PDF, year {report.year} ({report.pages} pages) | {database.label} | "
                   f"{report.total_s:.2f} s total; WeasyPrint alone {report.weasyprint_s:.2f} s; "
                   f"ratio {report.ratio:.2f} | ≤ {TARGET_REPORT_RATIO}× and < {TARGET_REPORT_S:.0f} s | "
                   f"{_verdict(report.ratio <= TARGET_REPORT_RATIO and report.total_s < TARGET_REPORT_S)} |")
        log(f"batch run on {database.label}")
        batch = measure_batch(database)
        out.append(f"| batch run | {database.label} | {batch.obligations:,} obligations, "
                   f"{batch.payments} payments in {batch.seconds:.2f} s | < {TARGET_BATCH_S:.0f} s | "
                   f"{_verdict(batch.seconds < TARGET_BATCH_S)} |")
        log(f"CSV imports on a fresh {engine} database")
        out += import_rows(measure_imports(
            engine, fresh_sqlite() if engine == "SQLite" else fresh_postgres(pg_url), log=log))
        if not args.no_rps and engine == "SQLite":
            log(f"requests per second under gunicorn on {database.label}")
            rps = measure_rps(database, args.rps_seconds)
            floor_share = rps.signed_in_floor / rps.hello if rps.hello else 0.0
            out.append(f"| dashboard RPS vs hello | {database.label} | {rps.dashboard:.0f} vs "
                       f"{rps.hello:.0f} req/s = {rps.share:.2f}× ({rps.failures} failed); lightest "
                       f"signed-in page {rps.signed_in_floor:.0f} req/s = {floor_share:.2f}× | "
                       f"≥ {TARGET_RPS_SHARE}× | {_verdict(rps.share >= TARGET_RPS_SHARE)} |")
    out += ["", f"Total bench time: {time.perf_counter() - started:.0f} s.", ""]
    summary = "\n".join(out)
    Path(args.output).write_text(summary, encoding="utf-8")
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
