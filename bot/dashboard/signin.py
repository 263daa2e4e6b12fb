"""Sign-in, sign-out and the set-password page."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from bot.dashboard import accounts
from bot.dashboard.auth import Locked, _rt, check_sign_in, current
from bot.dashboard.sessions import sign_in, sign_out
from bot.dashboard.views import bp

WRONG = "Wrong email or password."
LOCKED = "Too many failed sign-ins. Wait 15 minutes, then try again."


def _page(error: str | None = None, status: int = 200) -> Any:
    oidc = _rt().settings.oidc_issuer != ""
    return render_template("dashboard/login.html", error=error, oidc=oidc), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return _page()
    rt = _rt()
    outcome = check_sign_in(
        rt,
        request.form.get("email", ""),
        request.form.get("password", "")[:1024],
        request.remote_addr or "",
    )
    if isinstance(outcome, Locked):
        return _page(LOCKED, 429)
    if outcome is None:
        return _page(WRONG, 401)
    sign_in(rt, current(), outcome)
    return redirect(_next_page())


def _next_page() -> str:
    target = request.args.get("next", "")
    if target.startswith("/dashboard/") and "//" not in target and "\\" not in target:
        return target
    return url_for("dashboard.index")


@bp.post("/logout")
def logout() -> Any:
    sign_out(_rt(), current())
    return redirect(url_for("dashboard.login"))


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> Any:
    rt = _rt()
    now = rt.clock.now()
    if request.method == "GET":
        with rt.database.transaction() as s:
            account = accounts.link_account(s, now, token)
        if account is None:
            return render_template("dashboard/password.html", dead=True), 404
        return render_template("dashboard/password.html", email=account.email)
    password = request.form.get("password", "")
    if len(password) < accounts.MIN_PASSWORD or password != request.form.get("confirm"):
        error = f"Use at least {accounts.MIN_PASSWORD} characters, typed the same twice."
        return render_template("dashboard/password.html", error=error), 400
    with rt.database.transaction() as s:
        done = accounts.use_link(s, now, token, password[:1024])
    if done is None:
        return render_template("dashboard/password.html", dead=True), 404
    sign_out(rt, current())
    return render_template("dashboard/password.html", done=True)
