"""Permission slip pages (`GET /slip/<token>`) and consent receipts, read-only and thin.

The slip needs no login: its token names one request and is signed, so it reveals that
request and nothing else, and only while the request awaits an answer: once it closes
(granted, declined, revoked, cancelled) the link is a 410. A receipt link is signed with
itsdangerous (`?sig=`).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from bot.i18n import N_, translator
from bot.services.consent_docs import (
    TRAVEL,
    dates_text,
    hours_text,
    load_facts,
    read_slip_token,
    slip_is_live,
    slip_url,
    where_text,
)
from bot.services.consent_receipt import receipt_html, receipt_sig_ok
from bot.web import runtime_of_app
from db.models import ConsentRequest

bp = Blueprint("slip", __name__)
CLOSED_TITLE = N_("This link has expired")
CLOSED = N_(
    "This permission request has been answered or closed, so its slip is no longer shown "
    "here. For a copy, contact {contact}."
)
PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


@bp.get("/slip/<token>")
def slip(token: str) -> tuple[str, int, dict[str, str]]:
    """Show the whole permission slip of one request in its language."""
    rt = runtime_of_app()
    found = read_slip_token(rt.settings, token)
    if found is None:
        return _missing("en")
    request_id, lang = found
    with rt.database.transaction() as session:
        row = session.get(ConsentRequest, request_id)
        if row is None:
            return _missing(lang)
        if not slip_is_live(row):
            return _closed(lang, rt.settings.coordinator_contact)
        facts = load_facts(session, row)
    _ = translator(lang)
    other = "es" if lang == "en" else "en"
    html = render_template(
        "slip.html",
        _=_,
        lang=lang,
        program=rt.settings.program_name,
        contact=rt.settings.coordinator_contact,
        facts=facts,
        where=where_text(facts, lang),
        dates=dates_text(facts.starts_on, facts.due_on, lang),
        hours=hours_text(facts.hours, lang),
        travel=_(TRAVEL[facts.travel]),
        other_lang=other,
        other_url=slip_url(rt.settings, facts.request_id, other),
    )
    return html, 200, PRIVATE


@bp.get("/consent/<int(max=2147483647):record_id>/receipt")
def receipt(record_id: int) -> tuple[str, int, dict[str, str]]:
    """Render the printable receipt of one consent record (signed link only)."""
    rt = runtime_of_app()
    if not receipt_sig_ok(rt.settings, record_id, request.args.get("sig", "")):
        return _missing("en")
    with rt.database.transaction() as session:
        try:
            html = receipt_html(session, record_id, rt.settings)
        except LookupError:
            return _missing("en")
    return html, 200, PRIVATE


def _closed(lang: str, contact: str) -> tuple[str, int, dict[str, str]]:
    _ = translator(lang)
    html = render_template(
        "slip_missing.html", _=_, lang=lang, title=_(CLOSED_TITLE), body=_(CLOSED, contact=contact)
    )
    return html, 410, PRIVATE


def _missing(lang: str) -> tuple[str, int, dict[str, str]]:
    return render_template("slip_missing.html", _=translator(lang), lang=lang), 404, PRIVATE
