"""The staff dashboard: caseload, applications, paperwork, flags, partners, audit."""

from __future__ import annotations

from importlib import import_module

from flask import Flask

from bot import kinds
from bot.dashboard import (  # noqa: F401 - they register their routes on bp
    access,
    console,
    equity,
    inbox,
    oidc,
    partner_pages,
    place_pages,
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
    for name in kinds.pages():  # a kind's own pages: its blueprint and a rule per route
        module = import_module(name)
        clash = {e for e, rule in module.RULES.items() if access.RULES.get(e, rule) != rule}
        if clash:
            raise ValueError(f"{name}: endpoints already have rules: {sorted(clash)}")
        access.RULES.update(module.RULES)
        if module.bp.name not in app.blueprints:
            app.register_blueprint(module.bp)


__all__ = ["bp", "install"]
