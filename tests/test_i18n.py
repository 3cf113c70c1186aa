"""Spanish and English: every user-facing string has a Spanish translation, and it is used."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale

from app.accounts.roles import Role
from app.ledger.errors import InvalidAmount
from app.ledger.rates import positive_amount

ROOT = Path(__file__).resolve().parent.parent
METHOD_MAP = [("**.py", "python"), ("**.html", "jinja2")]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _source_messages() -> set[str]:
    found = set()
    for folder in (ROOT / "app", ROOT / "reports"):
        if not folder.exists():
            continue
        for _, _, message, _, _ in extract_from_dir(folder, METHOD_MAP, keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _translated_messages() -> set[str]:
    translated = set()
    for po_file in [*ROOT.glob("app/**/es/LC_MESSAGES/messages.po"),
                    *ROOT.glob("reports/**/es/LC_MESSAGES/messages.po")]:
        with po_file.open("rb") as handle:
            for message in read_po(handle, locale="es"):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.id and all(strings) and not message.fuzzy:
                    translated.add(message.id if isinstance(message.id, str) else message.id[0])
    return translated


def test_spanish_catalogue_is_complete():
    """No string reaches a Spanish speaker untranslated (run `make messages FOLDER=...`)."""
    missing = _source_messages() - _translated_messages()
    assert sorted(missing) == []


def test_interface_follows_the_users_language(client, auth):
    auth.login_as(Role.MANAGER, language="es")
    page = client.get("/communities").get_data(as_text=True)
    assert "Comunidades" in page and "Nueva comunidad" in page


def test_user_switches_language_and_it_is_remembered(client, auth, db_session):
    user = auth.login_as(Role.MANAGER, language="es")
    response = client.post("/language", data={"language": "en", "next": "/communities"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/communities")
    assert user.language == "en"
    assert "New community" in client.get("/communities").get_data(as_text=True)


def test_sign_in_page_follows_the_browser_before_sign_in(client):
    spanish = client.get("/login", headers={"Accept-Language": "es-PE,es;q=0.9"})
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Contraseña" in spanish.get_data(as_text=True)
    assert "Password" in english.get_data(as_text=True)


def _refusal_outside_a_request(app) -> str:
    with app.app_context(), pytest.raises(InvalidAmount) as refusal:
        positive_amount("0")
    return str(refusal.value)


def test_outside_a_request_messages_follow_the_cli_locale(app, monkeypatch):
    """Commands and scripts get one language, `CLI_LOCALE`, whatever the pages' default is."""
    assert app.config["BABEL_DEFAULT_LOCALE"] == "es"
    assert _refusal_outside_a_request(app) == "Amounts must be greater than zero (got 0.00)."
    monkeypatch.setitem(app.config, "CLI_LOCALE", "es")
    assert _refusal_outside_a_request(app) == "Los montos deben ser mayores que cero (se recibió 0.00)."


def test_a_forced_locale_wins_outside_a_request(app):
    with app.app_context(), force_locale("es"), pytest.raises(InvalidAmount) as refusal:
        positive_amount("-1")
    assert str(refusal.value) == "Los montos deben ser mayores que cero (se recibió -1.00)."
