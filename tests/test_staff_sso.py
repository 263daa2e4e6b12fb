"""Single sign-on with OpenID Connect against a local provider that signs real ID tokens
(RS256, JWKS, discovery): success, and a wrong audience, an expired token, an
unverified email, an unknown email and a forged state refused."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from bot.runtime import Runtime
from db.models import AuditEntry, StaffSession
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, oidc_provider  # noqa: F401
from tests.support.staff import add_account
from webhooks import create_app

EMAIL = "ava.patel@example.org"


@pytest.fixture
def sso(runtime, oidc_provider, database, clock):  # noqa: F811
    settings = runtime.settings.with_(
        oidc_issuer=oidc_provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
    )
    app = create_app(runtime=Runtime(settings, database, clock))
    add_account(database, clock, EMAIL, password=None)  # SSO only: no password set
    oidc_provider.user = {"email": "Ava.Patel@example.org", "email_verified": True}
    return app.test_client(), oidc_provider, settings


def _round_trip(client, settings):
    """Press "sign in with your district account", let the provider answer, come back."""
    start = client.get("/dashboard/oidc/start")
    assert start.status_code == 302
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = at_provider.headers["Location"]
    assert back.startswith(settings.public_base_url + "/dashboard/oidc/callback?")
    return client.get(back.removeprefix(settings.public_base_url))


def test_a_verified_staff_email_signs_in(sso, database):
    client, provider, settings = sso
    login_page = client.get("/dashboard/login").get_data(as_text=True)
    assert "Sign in with your district account" in login_page
    done = _round_trip(client, settings)
    assert done.status_code == 302 and done.headers["Location"].endswith("/dashboard/")
    assert client.get("/dashboard/").status_code == 200
    assert provider.tokens_issued == 1
    with database.transaction() as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "signed_in_sso"))
        live = s.scalars(select(StaffSession).where(StaffSession.account_id.is_not(None))).all()
    assert len(live) == 1 and live[0].ended_at is None


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"audience": "someone-else"}, 401),
        ({"expires_in": -3600}, 401),
        ({"user": {"email": EMAIL, "email_verified": False}}, 401),
        ({"user": {"email": EMAIL}}, 401),  # no email_verified claim at all
        ({"user": {"email": "stranger@example.org", "email_verified": True}}, 403),
    ],
    ids=["wrong-audience", "expired", "unverified-email", "no-verified-claim", "not-staff"],
)
def test_refused(sso, change, status):
    client, provider, settings = sso
    for name, value in change.items():
        setattr(provider, name, value)
    refused = _round_trip(client, settings)
    assert refused.status_code == status
    assert client.get("/dashboard/").status_code == 302


def test_a_token_signed_by_another_key_is_refused(sso):
    from joserfc.jwk import RSAKey

    client, provider, settings = sso
    real = provider.key
    provider.key = RSAKey.generate_key(2048, parameters={"kid": real.kid, "alg": "RS256"})
    provider.published = real  # the JWKS still shows the real key; tokens use the impostor
    assert _round_trip(client, settings).status_code == 401


def test_a_callback_with_a_forged_state_is_refused(sso):
    client, provider, settings = sso
    client.get("/dashboard/oidc/start")
    forged = client.get("/dashboard/oidc/callback?code=abc&state=not-ours")
    assert forged.status_code == 401
    assert client.get("/dashboard/").status_code == 302


def test_a_disabled_account_cannot_use_sso(sso, database, clock):
    from bot.dashboard import accounts

    client, provider, settings = sso
    with database.transaction() as s:
        accounts.disable(s, clock.now(), EMAIL)
    assert _round_trip(client, settings).status_code == 403


def test_without_oidc_settings_there_is_no_sso(client):
    assert client.get("/dashboard/oidc/start").status_code == 404
    assert "district account" not in client.get("/dashboard/login").get_data(as_text=True)
