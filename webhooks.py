"""The web app: provider webhooks, check-in pages, the simulator and the dashboard.

`create_app(settings)` builds everything; nothing is built at import time. Production:
`wbl serve` (gunicorn, see bot/serve.py) with the environment set.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import access_log, web
from bot.clock import Clock
from bot.logs import quiet_noisy_loggers
from bot.runtime import Runtime
from bot.settings import Settings

TEMPLATES = Path(__file__).parent / "bot" / "templates"


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, runtime: Runtime | None = None
) -> Flask:
    """Build the Flask app for `settings` (default: from the environment)."""
    if runtime is None:
        runtime = Runtime.build(settings or Settings.from_env(), clock)
    app = Flask(
        "wbl", template_folder=str(TEMPLATES), static_folder=str(TEMPLATES.parent / "static")
    )
    app.config["SECRET_KEY"] = runtime.settings.secret_key
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    web.install(app, runtime)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    quiet_noisy_loggers()

    from bot.handlers import checkin, input_guard, simulator, slip, telegram, twilio_sms, whatsapp

    input_guard.install(app)
    access_log.install()
    app.register_blueprint(twilio_sms.bp)
    app.register_blueprint(whatsapp.bp)
    app.register_blueprint(telegram.bp)
    app.register_blueprint(checkin.bp)
    app.register_blueprint(slip.bp)
    from bot import dashboard, security_headers

    dashboard.install(app, runtime)
    security_headers.install(app, https=runtime.settings.public_base_url.startswith("https://"))
    if runtime.settings.trusted_proxies:  # the client address comes from the proxies' header
        n = runtime.settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n)  # type: ignore[method-assign]
    if runtime.settings.simulator:
        app.register_blueprint(simulator.bp)

    @app.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        try:
            with runtime.database.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - a health check reports, it does not raise
            return {"status": "database unavailable"}, 503
        return {"status": "ok"}, 200

    return app
