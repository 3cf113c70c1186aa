"""Production refuses to start without its secrets and sends the session cookie only over HTTPS."""

from __future__ import annotations

import pytest

from app import create_app
from config import ProductionConfig, config_from_environment


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without_its_secrets(monkeypatch, missing):
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-the-vault")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv(missing)
    with pytest.raises(RuntimeError, match=missing):
        ProductionConfig()
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(RuntimeError, match=missing):
        create_app()


def test_production_session_cookie_is_secure_httponly_lax(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-the-vault")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("APP_ENV", "production")
    app = create_app(config_from_environment())
    assert app.config["SECRET_KEY"] == "s3cret-from-the-vault"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/login", base_url="https://lares.example")
    cookie = response.headers["Set-Cookie"]  # the CSRF token lives in the session
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
