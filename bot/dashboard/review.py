"""Actionable review: flagged hours (approve, reject, adjust with a note) and a
placement's end (complete, extend or close one short of its hours; cancel with a reason)."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, url_for
from sqlalchemy import select

from bot.dashboard import access
from bot.dashboard.auth import _rt, viewer
from bot.dashboard.views import _act, _placement_in_reach, bp
from bot.services import hours_review, placement_actions
from db.models import Placement, TimeEntry


@bp.post("/hours/<int(max=2147483647):entry_id>/review")
def review_entry(entry_id: int) -> Any:
    with _rt().database.transaction() as s:
        student_id = s.scalar(select(TimeEntry.student_id).where(TimeEntry.id == entry_id))
        if student_id is None:
            abort(404)
        access.require_student(s, viewer(), student_id)
    form = request.form
    _act(
        hours_review.review,
        entry_id,
        form.get("decision", ""),
        form.get("note", "")[:1000],
        form.get("hours", "")[:10],
    )
    back = form.get("back", "")
    return redirect(back if back.startswith("/dashboard/") else url_for("dashboard.flags"))


@bp.post("/placements/<int(max=2147483647):placement_id>/action")
def placement_action(placement_id: int) -> Any:
    with _rt().database.transaction() as s:
        _placement_in_reach(s, s.get(Placement, placement_id))
    form = request.form
    action = form.get("action", "")
    if action not in placement_actions.ACTIONS:
        abort(400)
    _act(
        placement_actions.act,
        placement_id,
        action,
        form.get("reason", "")[:1000],
        form.get("until", "")[:10],
    )
    return redirect(url_for("dashboard.placement_detail", placement_id=placement_id))
