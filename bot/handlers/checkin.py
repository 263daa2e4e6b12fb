"""The SMS check-in page: a one-time, expiring link that clocks in/out with the browser's
location.

GET shows a small page whose script reads `navigator.geolocation` and posts `lat`, `lon`,
`accuracy` (or `denied=1`). POST runs the clock event through services.clocking, the
same path as the chat, spends the link, queues the service's receipt (or its refusal)
by SMS and shows it. The token in the URL is
the capability (only its SHA-256 is stored); an unknown link is a 404, a used or expired
one a 410, impossible coordinates a 400 that leaves the link usable.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from flask import Blueprint, render_template, request
from werkzeug.datastructures import MultiDict

from bot import display
from bot.context import Context
from bot.i18n import N_, normalize_language, translator
from bot.outbox import enqueue, write
from bot.rules import geofence
from bot.services import checkin_links, clocking
from bot.services.clocking import Point
from bot.services.work import lock_work
from bot.web import runtime_of_app
from db.models import CheckinToken, Person

bp = Blueprint("checkin", __name__)
Page = tuple[str, int]

TITLE_IN = N_("Clock in")
TITLE_OUT = N_("Clock out")
EXPLAIN_IN = N_(
    "Tap the button when you are at {title}. Your phone will ask to share your location."
)
EXPLAIN_OUT = N_(
    "Tap the button to clock out of {title}. Your phone will ask to share your location."
)
PRIVACY = N_(
    "Your location is saved only for this one clock event, to confirm where you worked. "
    "It is not tracked before or after."
)
BUTTON_IN = N_("Clock in now")
BUTTON_OUT = N_("Clock out now")
WAITING = N_("Getting your location...")
DONE = N_("Done")
GONE_TITLE = N_("This link no longer works")
GONE = N_("This link was already used or has expired. Text IN or OUT again for a new one.")
UNKNOWN = N_("This link isn't valid. Text IN or OUT to get a new one.")
BAD_TITLE = N_("Location not usable")
BAD = N_("That location doesn't look right, so nothing was recorded. Go back and try again.")


@bp.get("/checkin/<token>")
def show(token: str) -> Page:
    """The page with the big button."""
    runtime = runtime_of_app()
    with runtime.database.transaction() as session:
        ctx = Context(session, runtime.settings, runtime.clock.now())
        row, work, state = checkin_links.usable_link(ctx, token)
        if row is None or work is None:
            return _gone(ctx, row, state)
        lang = _language(ctx, row)
        _ = ctx.tr(lang)
        is_in = row.action == "in"
        return render_template(
            "checkin.html",
            lang=lang,
            heading=_(TITLE_IN if is_in else TITLE_OUT),
            explain=_(EXPLAIN_IN if is_in else EXPLAIN_OUT, title=display.shorten(work.title)),
            privacy=_(PRIVACY),
            button=_(BUTTON_IN if is_in else BUTTON_OUT),
            waiting=_(WAITING),
        ), 200


class _Unusable(Exception):
    """A location that cannot be recorded: undo the link's spending, answer 400."""

    def __init__(self, lang: str) -> None:
        self.lang = lang


@bp.post("/checkin/<token>")
def record(token: str) -> Page:
    """Clock in or out with the posted location (or its refusal), once."""
    runtime = runtime_of_app()
    try:
        with runtime.database.transaction() as session:
            ctx = Context(session, runtime.settings, runtime.clock.now())
            return _record(ctx, token)
    except _Unusable as bad:  # rolled back: nothing recorded, the link stays usable
        return _page(translator(bad.lang), bad.lang, BAD_TITLE, BAD), 400


def _record(ctx: Context, token: str) -> Page:
    spent = checkin_links.spend(ctx, token)
    found = lock_work(ctx, spent.person_id, spent.placement_id) if spent else None
    if spent is None or found is None:  # found None: the placement vanished
        row, state = checkin_links.find_token(ctx, token)
        return _gone(ctx, row, "unknown" if spent or state == "ok" else state)
    work, lang = found.work, normalize_language(found.language)  # the student's lock is held
    usable, point = read_point(request.form)
    if not usable:
        raise _Unusable(lang)
    ctx.actor = f"person:{spent.person_id}"
    if spent.action == "in":
        answer = clocking.clock_in(ctx, work, point, lang)
    else:
        answer = clocking.clock_out(ctx, spent.person_id, point, lang)
    if answer.refusal == "implausible":
        raise _Unusable(lang)
    me = spent.person_id  # by the address they last wrote from (else enqueue picks one)
    out = replace(answer.message, to=me if found.urn is None else None)
    receipt = enqueue(ctx, out, sender_urn=found.urn, sender_id=me)
    write(ctx.session, [receipt])
    return _page(ctx.tr(lang), lang, DONE, answer.text, raw=True), 200


def read_point(form: MultiDict[str, str]) -> tuple[bool, Point | None]:
    """(usable, fix): the fix is None when the browser refused to share a location."""
    if form.get("denied") == "1":
        return True, None
    try:
        lat, lon = float(form["lat"]), float(form["lon"])
        raw_accuracy = form.get("accuracy", "").strip()
        accuracy = float(raw_accuracy) if raw_accuracy else None
    except (KeyError, ValueError):
        return False, None
    if not (math.isfinite(lat) and math.isfinite(lon)) or not geofence.valid_accuracy(accuracy):
        return False, None
    return True, Point(lat, lon, accuracy)


def _language(ctx: Context, row: CheckinToken) -> str:
    person = ctx.session.get(Person, row.person_id)
    return normalize_language(person.language if person else "en")


def _gone(ctx: Context, row: CheckinToken | None, state: str) -> Page:
    lang = _language(ctx, row) if row is not None else "en"
    _ = ctx.tr(lang)
    if state == "unknown" or row is None:
        return _page(_, lang, GONE_TITLE, UNKNOWN), 404
    return _page(_, lang, GONE_TITLE, GONE), 410


def _page(_: Callable[..., str], lang: str, title: str, body: str, raw: bool = False) -> str:
    return render_template(
        "checkin_result.html", lang=lang, heading=_(title), body=body if raw else _(body)
    )
