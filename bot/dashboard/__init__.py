"""The coordinator dashboard: caseload, applications, paperwork, flags, partners, audit."""

from __future__ import annotations

from bot.dashboard.views import bp

__all__ = ["bp"]
