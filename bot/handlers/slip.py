"""Permission slip and consent receipt pages (being built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("slip", __name__)
