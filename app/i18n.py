"""Language and time zone for each request: the user's choice, else the browser's."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    """The signed-in user's language; before sign-in, the session's or the browser's.

    Outside a request (CLI commands, the demo seeder, services called from scripts or tests)
    there is nobody to ask, so every message comes in one language: `CLI_LOCALE` (English, the
    language the source strings are written in), not the pages' default `BABEL_DEFAULT_LOCALE`.
    Code that writes a document in a set language wraps it in `flask_babel.force_locale`.
    """
    if not has_request_context():
        return current_app.config["CLI_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if session.get("language") in languages:
        return session["language"]
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def select_timezone() -> str:
    """Everyone works on Cusco's clock."""
    return "America/Lima"
