"""A small, bounded load generator: threads with keep-alive HTTP connections on loopback.

Bounded twice: it stops after `max_requests` or `seconds`, whichever comes first. Each thread
keeps its connection open while the server allows it (gunicorn's sync workers close after each
response; the thread then reconnects, as a browser would).
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    """What a load run did: requests answered, failures, seconds, requests per second."""

    requests: int
    failures: int
    seconds: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_load(port: int, path: str, *, cookie: str | None = None, threads: int = 8,
             seconds: float = 10.0, max_requests: int = 20_000) -> LoadResult:
    """GET `path` on 127.0.0.1:`port` from `threads` threads until the time or count runs out."""
    lock = threading.Lock()
    counts = {"done": 0, "failed": 0, "issued": 0}
    deadline = time.perf_counter() + seconds
    headers = {"Cookie": cookie} if cookie else {}

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < deadline:
            with lock:
                if counts["issued"] >= max_requests:
                    break
                counts["issued"] += 1
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
                if response.will_close:
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                counts["done" if ok else "failed"] += 1
        connection.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(seconds + 60)
    return LoadResult(counts["done"], counts["failed"], time.perf_counter() - started)
