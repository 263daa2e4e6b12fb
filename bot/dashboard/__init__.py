"""The staff dashboard: caseload, applications, paperwork, flags, partners, audit."""

from __future__ import annotations

from flask import Flask

from bot.dashboard import (  # noqa: F401 - they register their routes on bp
    console,
    inbox,
    oidc,
    partner_pages,
    review,
    signin,
)
from bot.dashboard.sessions import DatabaseSessions
from bot.dashboard.views import bp
from bot.runtime import Runtime


def install(app: Flask, runtime: Runtime) -> None:
    """Register the dashboard and keep Flask's `session` in the database."""
    app.session_interface = DatabaseSessions(runtime)
    app.register_blueprint(bp)
    oidc.install(app, runtime)


__all__ = ["bp", "install"]
