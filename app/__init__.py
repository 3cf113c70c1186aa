"""Lares Ledger: the back-office of a Lares valley trekking operator.

`create_app` builds the application in small named steps (cookiecutter-flask style).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from config import Config, config_from_environment


def create_app(config: type[Config] | Config | dict | None = None) -> Flask:
    """Build the app from a config class/object (or the environment's), or a dict of overrides."""
    app = Flask(__name__, instance_relative_config=True)
    if isinstance(config, dict):
        app.config.from_object(config_from_environment())
        app.config.update(config)
    else:
        app.config.from_object(config or config_from_environment())
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    from app import models  # noqa: F401  (the whole schema, for Alembic and relationships)
    from app.extensions import babel, csrf, db, login_manager, migrate
    from app.i18n import select_locale, select_timezone

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories(app))
    register_database(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"

    from app.accounts.services import load_user

    login_manager.user_loader(load_user)


def register_database(app: Flask) -> None:
    """Bind the database; on SQLite, set up each engine's connections and write lock."""
    from app.database import configure_sqlite_engine
    from app.extensions import db

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            configure_sqlite_engine(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def translation_directories(app: Flask) -> str:
    """The shared catalogue plus one per capability folder (and the reports'), `;`-separated."""
    root = Path(app.root_path)
    folders = [root / "translations", *sorted(root.glob("*/translations")),
               root.parent / "reports" / "translations"]
    return ";".join(str(folder) for folder in folders)


def register_url_converters(app: Flask) -> None:
    """`<int:...>` ids in URLs stop at the largest PostgreSQL INTEGER (before any route is added)."""
    from app.forms import RecordIdConverter

    app.url_map.converters["int"] = RecordIdConverter


def register_blueprints(app: Flask) -> None:
    """Mount each capability's routes."""
    from app.accounts.routes import blueprint as accounts
    from app.audit.routes import blueprint as audit
    from app.home.routes import blueprint as home
    from app.impact.routes import blueprint as impact
    from app.ledger.routes import blueprint as ledger
    from app.operations.routes import blueprint as operations
    from app.partners.routes import blueprint as partners
    from app.payments.routes import blueprint as payments
    from app.registries.routes import blueprint as registries

    for blueprint in (home, accounts, audit, registries, operations, ledger, payments, partners, impact):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    """Friendly pages for 4xx/5xx in the user's language."""
    from app.home.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates share (money, dates, the user's locale)."""
    from app.templating import register

    register(app)


def register_security(app: Flask) -> None:
    """Access rules on every endpoint and the security headers on every response."""
    from app.accounts.roles import refuse_undeclared_endpoints
    from app.security import add_security_headers, refuse_malformed_input

    refuse_undeclared_endpoints(app)
    app.before_request(refuse_malformed_input)
    app.after_request(add_security_headers)
    hops = app.config.get("TRUSTED_PROXY_HOPS", 0)
    if hops:
        # Behind a reverse proxy every request comes from the proxy's address: trust its
        # X-Forwarded-For/-Proto (only that many hops) so throttling sees the real client.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def register_commands(app: Flask) -> None:
    """CLI commands: users, imports, demo data."""
    from app.accounts.cli import users_cli
    from app.backups.cli import backup_cli
    from app.demo.cli import seed_demo_command
    from app.impact.cli import report_cli
    from app.ledger.cli import ledger_cli
    from app.registries.cli import import_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(report_cli)
