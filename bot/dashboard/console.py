"""The console's shared parts on every page: the scope switch (caseload or district)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, session, url_for

from bot.dashboard import listing
from bot.dashboard.auth import _rt, viewer
from bot.dashboard.views import bp

listing.install(bp, lambda: _rt().settings.tz)


@bp.post("/scope")
def choose_scope() -> Any:
    """Show the whole district (admins) or one's own caseload on every list."""
    wanted = request.form.get("scope", "caseload")
    if wanted == "district" and "admin" not in viewer().roles:
        flash("Only an admin can list the whole district's students.", "error")
    else:
        session[listing.SCOPE_KEY] = "district" if wanted == "district" else "caseload"
    back = request.form.get("next", "")
    if not back.startswith("/dashboard") or back.startswith("//"):
        back = url_for("dashboard.index")
    return redirect(back)
