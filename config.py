"""Configuration read from the environment.

`Config` serves development and demo use on SQLite; `TestConfig` is what the suite uses;
`ProductionConfig` refuses to start without its secrets (fail fast, never a default secret).
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class Config:
    """Development defaults: an SQLite file under instance/, a throwaway secret."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'lares.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # SQLite: how long a writer waits for another's write lock before the "busy, try again" page.
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "10000"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "es"
    BABEL_DEFAULT_TIMEZONE = "America/Lima"
    LANGUAGES = ("es", "en")
    # Outside a request (CLI commands, scripts, the suite's service calls): see app.i18n.select_locale.
    CLI_LOCALE = "en"
    PER_PAGE = 25
    # Uploaded CSV files: refuse bodies above this size (bytes) and files above this many rows.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    IMPORT_MAX_ROWS = 5000
    # Login throttling: failures allowed in the window, per account and per client address.
    LOGIN_WINDOW_MINUTES = 15
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    # Attempts still being checked count against those limits (each may fail); while they fill
    # a limit, another sign-in waits up to this long for room before it is asked to retry.
    LOGIN_IN_FLIGHT_WAIT_SECONDS = 10
    # A sign-in lasts a working day at most, even in a browser left open (or a copied cookie).
    SIGN_IN_SESSION_HOURS = 12
    # Reverse proxies in front of the app (0: none). Set it behind nginx or a load balancer,
    # otherwise every client shares the proxy's address and its throttling budget.
    TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))
    # The operator's name printed on payment receipts and batch sheets.
    OPERATOR_NAME = os.environ.get("OPERATOR_NAME", "Lares Valley Treks (demo)")
    TESTING = False
    ENV_NAME = "development"


class TestConfig(Config):
    """The suite's settings: SQLite unless TEST_DATABASE_URL names a PostgreSQL database."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    SERVER_NAME = None
    # scrypt at 1/32 of production's cost (a few ms): the suite builds and signs in hundreds of
    # users. The sign-in timing test, and a test of the default, use the production cost.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


class ProductionConfig(Config):
    """Production: secrets must come from the environment, cookies only over HTTPS."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    def __init__(self) -> None:
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
            )
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        self.SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]


def config_from_environment() -> type[Config] | Config:
    """Pick the configuration named by APP_ENV (development by default)."""
    env = os.environ.get("APP_ENV", "development")
    if env == "production":
        return ProductionConfig()
    return Config
