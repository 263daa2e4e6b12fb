"""telegram web endpoints (being built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("telegram", __name__)
