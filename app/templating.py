"""Jinja filters and globals: money, Lima dates, pagination links."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, current_app, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from app.accounts.roles import PUBLIC
from app.clock import to_lima
from app.money import format_money
from app.navigation import register as register_navigation
from app.registries.forms import PAYMENT_METHOD_CHOICES
from app.registries.models import PaymentMethod


def money_filter(amount: Decimal | None, currency: str = "PEN") -> str:
    """`{{ amount|money }}` → `S/ 1,234.50`."""
    return format_money(amount, currency)


def date_filter(value: date | datetime | None, style: str = "medium") -> str:
    """A calendar date in the user's language."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_lima(value).date()
    return format_date(value, style)


def datetime_filter(value: datetime | None, style: str = "medium") -> str:
    """An instant on Lima's clock, in the user's language."""
    if value is None:
        return ""
    return format_datetime(value, style)


def url_for_page(page: int) -> str:
    """The current URL with its query string kept and `page` replaced."""
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def can(endpoint: str) -> bool:
    """True when the signed-in user's role may open `endpoint` (its declared access rule)."""
    view = current_app.view_functions.get(endpoint)
    allowed = getattr(view, "allowed_roles", None)
    if allowed is None or not current_user.is_authenticated:
        return False
    return allowed == PUBLIC or current_user.role in allowed


def payment_method_label(method: PaymentMethod | None) -> str:
    """A payment method's name in the user's language."""
    labels = {choice.value: choice.label for choice in PAYMENT_METHOD_CHOICES}
    return str(labels.get(method.value, method.value)) if method else ""


def register(app: Flask) -> None:
    """Install the filters and globals on `app`."""
    app.add_template_filter(money_filter, "money")
    app.add_template_filter(date_filter, "date")
    app.add_template_filter(datetime_filter, "datetime")
    app.add_template_global(url_for_page)
    app.add_template_global(lambda: str(get_locale()), "current_language")
    app.add_template_global(can)
    app.add_template_global(payment_method_label)
    register_navigation(app)
