"""twilio_sms web endpoints (being built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("twilio_sms", __name__)
