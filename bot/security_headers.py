"""Security headers on every response of the web app.

No page may be framed, sniffed or leak its URL (check-in and slip links carry their
token in the path) through the Referer header; the content security policy allows
scripts and styles from our own static files only, never inline. Pages are not
stored by browsers or proxies (the dashboard shows minors' records; the check-in and
slip pages are one person's); static files are.
"""

from __future__ import annotations

from flask import Flask, Response, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=(), payment=()",
}


def install(app: Flask, *, https: bool) -> None:
    """Add the headers to every response `app` sends."""

    @app.after_request
    def _secure(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if https:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if not (request.endpoint or "").endswith("static"):
            response.headers["Cache-Control"] = "no-store"
        return response
