"""Response headers and login throttling that every deployment gets.

The Content-Security-Policy allows no inline script or style: the pages load
their code from /static only, so an annotator's text that slipped through
escaping still could not run. The login limits count only failed attempts:
a tight one per username and client address, so one annotator mistyping a
password does not lock out the rest of a lab behind the same NAT, and a
looser one per address over all usernames, so that address cannot try a
few passwords on every account (password spraying) either.
"""

from __future__ import annotations

from typing import Final

from flask import Flask, current_app, request
from flask_limiter import Limiter
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS: Final[dict[str, str]] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
LOGIN_LIMIT_MESSAGE: Final = (
    "Too many failed logins for this username from your address. "
    "Wait a few minutes, then try again."
)
LOGIN_ADDRESS_LIMIT_MESSAGE: Final = (
    "Too many failed logins from your address. Wait a few minutes, then try again."
)


def login_attempt_key() -> str:
    """Username and client address together: an attacker cycling through
    names gets no more tries per name, and a user's colleague is unaffected."""
    username = (request.form.get("username") or "").strip().lower()
    return f"{username}|{request.remote_addr or ''}"


def login_address_key() -> str:
    """The client address alone, whatever the username (no "|": never equal
    to a login_attempt_key)."""
    return f"address {request.remote_addr or ''}"


#: Storage and on/off come from the app config (RATELIMIT_STORAGE_URI,
#: RATELIMIT_ENABLED), read when the app is built.
limiter = Limiter(key_func=login_attempt_key)


def login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def login_address_limit() -> str:
    return str(current_app.config["LOGIN_ADDRESS_RATE_LIMIT"])


def login_failed(response: Response) -> bool:
    return response.status_code == 401


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_security(app: Flask) -> None:
    limiter.init_app(app)
    app.after_request(add_security_headers)
