"""Error pages: every error a user can cause gets a page in their language, never a trace."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.database import BUSY, sqlite_refusal
from app.extensions import db

# When to try again after the "busy" page: a few seconds, well inside the busy timeout.
RETRY_AFTER_SECONDS = 5


def register(app: Flask) -> None:
    """Render HTTP errors with the base layout; roll back and show a 500 page otherwise."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = _("The form expired or was not sent from this site. Please try again.")
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {
            400: _("The request could not be understood."),
            403: _("You do not have access to this page."),
            404: _("This page does not exist."),
            405: _("This action is not allowed here."),
            413: _("The file is too large."),
            429: _("Too many requests. Please wait and try again."),
        }
        message = messages.get(error.code or 500, error.description)
        return render_template("errors/error.html", code=error.code, message=message), error.code

    # Installed under test too: a busy or read-only SQLite is a page the user sees, not a bug.
    @app.errorhandler(OperationalError)
    def database_refused(error: OperationalError):
        refusal = sqlite_refusal(error)
        if refusal is not None:
            return database_refusal_page(refusal, error)
        if app.testing:
            raise error  # any other database error: tests see the real exception
        return server_error_page()

    if app.testing:
        return  # tests see the real exception, not a friendly page

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        return server_error_page()


def server_error_page():
    """Roll back, log the exception being handled, and answer the 500 page."""
    db.session.rollback()
    current_app.logger.exception("unexpected error")
    message = _("Something went wrong. Nothing was saved.")
    return render_template("errors/error.html", code=500, message=message), 500


def database_refusal_page(refusal: str, error: OperationalError):
    """Roll back and answer 503: the database was busy past the timeout, or cannot be written."""
    db.session.rollback()
    current_app.logger.warning("database refused the request (%s): %s", refusal, error.orig)
    if refusal == BUSY:
        message = _("The database is busy with other people's changes. Nothing was saved. "
                    "Please try again in a few seconds.")
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    else:  # READ_ONLY
        message = _("The database cannot be written right now (it is read-only). Nothing was "
                    "saved. Please tell whoever looks after the server.")
        headers = {}
    return render_template("errors/error.html", code=503, message=message), 503, headers
