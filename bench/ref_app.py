"""The app the inbound benchmark serves: the product plus two reference endpoints.

`gunicorn 'bench.ref_app:create()'` with the environment set. All three endpoints share
one process model and one database, so their figures compare like with like:
- POST /bench/bare: return TwiML, touch nothing (the web stack's ceiling);
- POST /bench/signed: validate the Twilio signature, insert one row, return TwiML (the
  floor every durable inbound pays);
- POST /webhooks/twilio/sms: the full product path.
"""

from __future__ import annotations

from flask import Flask, Response, abort, request

from bot.handlers.twilio_sms import signature_ok, twiml
from bot.web import runtime_of_app
from db.models import InboundMessage
from webhooks import create_app

EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>ok</Message></Response>'


def create() -> Flask:
    """The product app (settings from the environment) with the reference endpoints added."""
    app = create_app()

    @app.post("/bench/bare")
    def bare() -> Response:
        return Response(EMPTY, mimetype="text/xml")

    @app.post("/bench/signed")
    def signed() -> Response:
        runtime = runtime_of_app()
        if not signature_ok(runtime.settings, request):
            abort(403)
        now = runtime.clock.now()
        with runtime.database.transaction() as session:
            session.add(
                InboundMessage(
                    channel="bench",
                    provider_id=request.form["MessageSid"],
                    text=request.form.get("Body", ""),
                    payload={},
                    status="processed",
                    received_at=now,
                )
            )
        return twiml(["ok"])

    return app
