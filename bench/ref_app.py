"""The app the load benchmarks serve: the product plus two reference endpoints.

`gunicorn 'bench.ref_app:create()'` with the environment set. Every endpoint shares one
process model and one database server, so their figures compare like with like:
- POST /bench/bare: return TwiML, touch nothing (the web stack's ceiling);
- POST /bench/signed: validate the Twilio signature, insert one row with plain
  SQLAlchemy Core (a table with a primary key and the provider id's unique index, an
  engine without pre-ping), commit, return TwiML: the floor every durable inbound pays;
- POST /webhooks/twilio/sms (and /checkin/...): the full product path.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Flask, Response, abort, request
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from bot.handlers.twilio_sms import signature_ok, twiml
from bot.web import runtime_of_app
from db.session import make_engine
from webhooks import create_app

EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>ok</Message></Response>'
REFERENCE = Table(
    "bench_reference",
    MetaData(),
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("provider_id", String(64), nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)


def create_reference_table(engine: Engine) -> None:
    """The reference endpoint's table (the benchmark's own, not the product's schema)."""
    REFERENCE.create(engine, checkfirst=True)


def create() -> Flask:
    """The product app (settings from the environment) with the reference endpoints added."""
    app = create_app()
    core = make_engine(os.environ["DATABASE_URL"], pool_pre_ping=False)
    insert = REFERENCE.insert()

    @app.post("/bench/bare")
    def bare() -> Response:
        return Response(EMPTY, mimetype="text/xml")

    @app.post("/bench/signed")
    def signed() -> Response:
        runtime = runtime_of_app()
        if not signature_ok(runtime.settings, request):
            abort(403)
        with core.begin() as conn:
            conn.execute(
                insert,
                {
                    "provider_id": request.form["MessageSid"],
                    "text": request.form.get("Body", ""),
                    "received_at": datetime.now(UTC),
                },
            )
        return twiml(["ok"])

    return app
