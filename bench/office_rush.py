"""A busy office in one instant: N people sign in and save a new community at the same moment.

Run it against a server already serving the demo data (SQLite or PostgreSQL), e.g.:

    DATABASE_URL=sqlite:////tmp/rush.db FLASK_APP=wsgi.py .venv/bin/flask db upgrade
    DATABASE_URL=sqlite:////tmp/rush.db FLASK_APP=wsgi.py .venv/bin/flask seed-demo
    DATABASE_URL=sqlite:////tmp/rush.db .venv/bin/gunicorn -w 4 -b 127.0.0.1:8765 wsgi:app &
    .venv/bin/python -m bench.office_rush http://127.0.0.1:8765 --database-url sqlite:////tmp/rush.db

Each session is a thread with its own cookies, released together by a barrier: it opens the
sign-in page, signs in, opens the new-community form and saves it (CSRF tokens as a browser
sends them). The
sessions take turns over the demo's manager and administrator (the two who may add a
community). It prints the answers by status, the 5xx count, the slowest answers and, given the
database's URL, how many of the saves landed. Bounded by per-request timeouts.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

DEMO_EDITORS = ("manager@lares.example", "admin@lares.example")
DEMO_PASSWORD = "lares-demo-2026"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener() -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirects())


def _send(opener, url: str, data: dict | None, timeout: float) -> tuple[int, str, float]:
    """One request: (status, body, seconds); 0 for a connection failure."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    started = time.perf_counter()
    try:
        with opener.open(urllib.request.Request(url, data=body), timeout=timeout) as response:
            return response.status, response.read().decode(), time.perf_counter() - started
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode(), time.perf_counter() - started
    except OSError as error:
        return 0, str(error), time.perf_counter() - started


def _csrf_token(page: str) -> str:
    """The form's CSRF token (empty when the page has none, e.g. an error page)."""
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    return found.group(1) if found else ""


def rush(base_url: str, sessions: int, timeout: float) -> dict:
    """Fire `sessions` sign-in-and-save sessions at once; the tally."""
    run = uuid.uuid4().hex[:8]
    barrier = threading.Barrier(sessions, timeout=60)

    def session(n: int) -> list[tuple[str, int, float]]:
        opener = _opener()
        email = DEMO_EDITORS[n % len(DEMO_EDITORS)]
        barrier.wait()
        status, page, seconds = _send(opener, f"{base_url}/login", None, timeout)
        answers = [("login page", status, seconds)]
        sign_in = {"email": email, "password": DEMO_PASSWORD, "csrf_token": _csrf_token(page)}
        status, _page, seconds = _send(opener, f"{base_url}/login", sign_in, timeout)
        answers.append(("sign-in", status, seconds))
        status, page, seconds = _send(opener, f"{base_url}/communities/new", None, timeout)
        answers.append(("form page", status, seconds))
        form = {"name": f"Rush {run} {n}", "district": "Lares", "altitude_m": "3800",
                "payment-payment_method": "cash", "csrf_token": _csrf_token(page)}
        status, _page, seconds = _send(opener, f"{base_url}/communities/new", form, timeout)
        answers.append(("save", status, seconds))
        return answers

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        results = [answer for answers in pool.map(session, range(sessions)) for answer in answers]
    elapsed = time.perf_counter() - started

    return {"results": results, "elapsed": elapsed, "run": run}


def count_landed(database_url: str, run: str) -> int:
    """How many of this run's communities the database holds."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        landed = connection.execute(text("SELECT count(*) FROM communities WHERE name LIKE :name"),
                                    {"name": f"Rush {run} %"}).scalar()
    engine.dispose()
    return landed


def main() -> int:
    """Parse the arguments, rush the server, print the tally; exit 1 on any 5xx."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="e.g. http://127.0.0.1:8765")
    parser.add_argument("--sessions", type=int, default=60)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--database-url", help="the server's DATABASE_URL, to count the saves")
    args = parser.parse_args()
    tally = rush(args.base_url.rstrip("/"), args.sessions, args.timeout)
    results = tally["results"]
    by_status = Counter((kind, status) for kind, status, _seconds in results)
    server_errors = sum(1 for _kind, status, _seconds in results if status >= 500 or status == 0)
    print(f"{args.sessions} sessions, {len(results)} answers in {tally['elapsed']:.1f} s")
    for (kind, status), number in sorted(by_status.items()):
        print(f"  {kind:<8} {status}: {number}")
    slowest = sorted(seconds for _kind, _status, seconds in results)[-3:]
    print(f"  slowest answers: {', '.join(f'{s:.2f} s' for s in slowest)}")
    print(f"5xx (or no answer): {server_errors}")
    if args.database_url:
        print(f"saves landed: {count_landed(args.database_url, tally['run'])} of {args.sessions}")
    return 1 if server_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
