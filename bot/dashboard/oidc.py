"""Optional staff single sign-on with OpenID Connect (Authlib's Flask client).

Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET (a Google Workspace or Microsoft
365 app registration; its redirect URI is PUBLIC_BASE_URL + /dashboard/oidc/callback).
Authlib reads the issuer's discovery document, keeps the state and nonce in the
(server-side) session, and checks the ID token's signature against the issuer's JWKS,
its issuer, audience, expiry and nonce. We then require `email_verified` and an
enabled account with that email: SSO signs existing staff in, it never creates one.
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, redirect
from joserfc.errors import JoseError
from sqlalchemy import select

from bot.dashboard.accounts import normal_email
from bot.dashboard.auth import _rt, current
from bot.dashboard.sessions import Viewer, sign_in
from bot.dashboard.signin import _next_page, _page
from bot.dashboard.views import bp
from bot.runtime import Runtime
from db import trail
from db.models import Person, StaffAccount

CALLBACK = "/dashboard/oidc/callback"
FAILED = "Single sign-on did not work. Sign in with your password, or ask the administrator."
NOT_STAFF = "No dashboard account has that email. Ask your district's dashboard administrator."


def install(app: Flask, runtime: Runtime) -> None:
    """Register the district's identity provider when OIDC_ISSUER is set."""
    settings = runtime.settings
    if not settings.oidc_issuer:
        return
    oauth = OAuth(app)
    oauth.register(
        "district",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "timeout": 10},
    )
    app.extensions["wbl_oidc"] = oauth


def _client() -> Any:
    oauth = current_app.extensions.get("wbl_oidc")
    if oauth is None:
        abort(404)
    return oauth.district


@bp.get("/oidc/start")
def oidc_start() -> Any:
    client = _client()
    try:
        return client.authorize_redirect(_rt().settings.public_base_url + CALLBACK)
    except (AuthlibBaseError, requests.RequestException, ValueError):
        return _page(FAILED, 502)


@bp.get("/oidc/callback")
def oidc_callback() -> Any:
    client = _client()
    try:
        claims = client.authorize_access_token()["userinfo"]
    except (AuthlibBaseError, JoseError, requests.RequestException, KeyError, ValueError):
        return _page(FAILED, 401)
    if claims.get("email_verified") is not True or not isinstance(claims.get("email"), str):
        return _page(FAILED, 401)
    viewer = _viewer_for(_rt(), normal_email(claims["email"]))
    if viewer is None:
        return _page(NOT_STAFF, 403)
    sign_in(_rt(), current(), viewer)
    return redirect(_next_page())


def _viewer_for(runtime: Runtime, email: str) -> Viewer | None:
    """The enabled account with this email (its roster person still active)."""
    with runtime.database.transaction() as s:
        row = s.execute(
            select(StaffAccount, Person.active)
            .outerjoin(Person, Person.id == StaffAccount.person_id)
            .where(StaffAccount.email == email)
        ).first()
        if row is None or row[0].disabled or row[1] is False or not row[0].roles:
            return None
        account = row[0]
        trail.record(
            s,
            at=runtime.clock.now(),
            actor=f"account:{account.id}",
            action="signed_in_sso",
            entity="staff_account",
            entity_id=account.id,
        )
        return Viewer(account.id, account.person_id, account.role_set)
