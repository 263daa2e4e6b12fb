"""The public pages: a client's work-order form for one enterprise (no account; rate-
limited in the database; a confirmation with the reference number) and the requester's
one-tap 1-5 rating of a finished work order. Both are capability links."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, render_template, request

from bot.context import Context
from bot.dashboard.auth import _rt
from bot.importers.fields import BadValue, parse_phone
from bot.kinds.enterprise.pages import bp
from bot.kinds.enterprise.service import orders

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[A-Za-z]{2,}$")


def _address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/order/<token>", methods=["GET", "POST"])
def order_form(token: str) -> Any:
    rt = _rt()
    with rt.database.transaction() as s:
        ctx = Context(s, rt.settings, rt.clock.now(), actor="public")
        ent = orders.enterprise_of_form(ctx, token[:64])
        if ent is None:
            abort(404)
        title = ent.title
        if request.method == "GET":
            return render_template("enterprise/order_form.html", title=title, form={}, errors={})
        form = {k: request.form.get(k, "").strip() for k in ("name", "contact", "what", "lang")}
        errors, phone, email = _check(form)
        if errors:
            page = render_template(
                "enterprise/order_form.html", title=title, form=form, errors=errors
            )
            return page, 400
        if orders.too_many(ctx, _address()):
            return render_template("enterprise/order_busy.html", title=title), 429
        row = orders.submit(
            ctx, ent.id, name=form["name"], phone=phone, email=email, description=form["what"],
            language="es" if form["lang"] == "es" else "en", address=_address(),
        )  # fmt: skip
        reference = row.reference
    return render_template(
        "enterprise/order_done.html", title=title, reference=reference, by_phone=bool(phone)
    )


def _check(form: dict[str, str]) -> tuple[dict[str, str], str | None, str | None]:
    errors: dict[str, str] = {}
    if not 2 <= len(form["name"]) <= 120:
        errors["name"] = "Give your name."
    if not 10 <= len(form["what"]) <= 2000:
        errors["what"] = "Say what you need in a sentence or two (10 to 2000 characters)."
    contact, phone, email = form["contact"], None, None
    if _EMAIL.match(contact):
        email = contact.lower()
    else:
        try:
            phone = parse_phone(contact) if contact else None
        except BadValue:
            phone = None
        if phone is None:
            errors["contact"] = "Give a mobile number (we text you) or an email address."
    return errors, phone, email


@bp.route("/feedback/<token>", methods=["GET", "POST"])
def feedback(token: str) -> Any:
    rt = _rt()
    with rt.database.transaction() as s:
        ctx = Context(s, rt.settings, rt.clock.now(), actor="requester")
        row = orders.by_rating_token(ctx, token[:64])
        if row is None:
            abort(404)
        if request.method == "POST":
            try:
                stars = int(request.form.get("stars", ""))
            except ValueError:
                abort(400)
            if orders.rate(ctx, token[:64], stars) is None:
                abort(400)
        reference, rating = row.reference, row.rating
    template = (
        "enterprise/feedback_done.html" if request.method == "POST" else "enterprise/feedback.html"
    )
    return render_template(template, reference=reference, rating=rating)
