"""Login throttling holds across gunicorn workers: two app instances, two engines, one database."""

from __future__ import annotations

from app import create_app
from app.accounts.roles import Role
from app.accounts.services import create_user
from app.extensions import db

PASSWORD = "quishuarani-2026"


def test_failures_counted_by_one_worker_lock_the_account_in_another(make_committed_app):
    worker_a = make_committed_app("throttle")
    worker_b = create_app(dict(worker_a.config))  # a second process: its own engine and pool
    assert worker_a is not worker_b
    with worker_a.app_context():
        create_user("rosa@lares.example", "Rosa Mamani", Role.MANAGER, PASSWORD)
        db.session.commit()
        engine_a = db.engine
    with worker_b.app_context():
        assert db.engine is not engine_a

    guesser = worker_a.test_client()
    for _ in range(worker_a.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        response = guesser.post("/login", data={"email": "rosa@lares.example", "password": "guess-guess"})
        assert response.status_code == 200

    owner = worker_b.test_client()
    locked = owner.post("/login", data={"email": "rosa@lares.example", "password": PASSWORD})
    assert locked.status_code == 429
    # Per address: guesses spread over both workers add up to one count.
    with worker_b.app_context():
        create_user("santos@lares.example", "Santos Huillca", Role.ACCOUNTANT, PASSWORD)
        db.session.commit()
    limit = worker_a.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for n in range(limit):
        worker = (worker_a, worker_b)[n % 2].test_client()
        worker.post("/login", data={"email": f"guess{n}@lares.example", "password": "x"},
                    environ_base={"REMOTE_ADDR": "203.0.113.5"})
    refused = worker_a.test_client().post(
        "/login", data={"email": "santos@lares.example", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert refused.status_code == 429
    with worker_b.app_context():
        db.session.remove()
        db.engine.dispose()


def _guess_from(client, n: int, forwarded_for: str, proxy: str = "10.0.0.1"):
    return client.post("/login", data={"email": f"guess{n}@lares.example", "password": "x"},
                       environ_base={"REMOTE_ADDR": proxy},
                       headers={"X-Forwarded-For": forwarded_for})


def test_behind_a_trusted_proxy_each_client_address_has_its_own_budget(make_committed_app):
    worker = make_committed_app("proxied", TRUSTED_PROXY_HOPS=1)
    with worker.app_context():
        create_user("rosa@lares.example", "Rosa Mamani", Role.MANAGER, PASSWORD)
        db.session.commit()
    client = worker.test_client()
    for n in range(worker.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        _guess_from(client, n, "198.51.100.7")
    owner = {"email": "rosa@lares.example", "password": PASSWORD}
    guesser = client.post("/login", data=owner, environ_base={"REMOTE_ADDR": "10.0.0.1"},
                          headers={"X-Forwarded-For": "198.51.100.7"})
    assert guesser.status_code == 429
    neighbour = worker.test_client().post("/login", data=owner, environ_base={"REMOTE_ADDR": "10.0.0.1"},
                                          headers={"X-Forwarded-For": "198.51.100.8"})
    assert neighbour.status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_buy_more_guesses(make_committed_app):
    worker = make_committed_app("unproxied")
    with worker.app_context():
        create_user("rosa@lares.example", "Rosa Mamani", Role.MANAGER, PASSWORD)
        db.session.commit()
    client = worker.test_client()
    for n in range(worker.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        _guess_from(client, n, f"198.51.100.{n}", proxy="203.0.113.9")
    refused = client.post("/login", data={"email": "rosa@lares.example", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"}, headers={"X-Forwarded-For": "192.0.2.1"})
    assert refused.status_code == 429
