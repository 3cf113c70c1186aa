"""HTTP security headers. No inline script anywhere, so the policy can forbid it."""

from __future__ import annotations

from flask import Response, abort, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def add_security_headers(response: Response) -> Response:
    """Set CSP, frame denial, nosniff and a strict referrer policy on every response."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


# The largest page number any list accepts; beyond it the OFFSET overflows the database integer.
MAX_PAGE = 100_000


def refuse_malformed_input() -> None:
    """Answer 400 to input no honest page sends: a form carrying NUL characters (PostgreSQL text
    cannot hold them), or a page number past any list's end (every list, whichever paginator it
    uses, is guarded here once). Search filters validate their own text."""
    if any("\x00" in key or "\x00" in value for key, value in request.form.items(multi=True)):
        abort(400)
    page = request.args.get("page", "")
    if page.isascii() and page.isdigit() and (len(page) > 6 or int(page) > MAX_PAGE):
        abort(400)
