"""An employer's proposal link goes by email through SMTP_URL when the employer has a
contact email (a local SMTP server receives it); without one it is texted as before."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import select

from bot.settings import Settings
from db.models import OutboxMessage
from tests.support.mail_server import mail_server
from tests.support.staff import add_account, csrf, sign_in

EMAIL = "ava.patel@example.org"


@pytest.fixture
def inbox():
    with mail_server() as (port, got):
        yield port, got


@pytest.fixture
def settings(database, inbox) -> Settings:
    return Settings(
        database_url=database.url,
        secret_key="test-secret-key",
        public_base_url="https://wbl.example.test",
        program_name="Cedar Valley WBL",
        smtp_url=f"smtp://127.0.0.1:{inbox[0]}?from=wbl@cvusd.example.org",
    )


def _invite(client, employer) -> str:
    page = "/dashboard/proposals"
    form = {"csrf_token": csrf(client, page), "employer_id": employer.id}
    client.post("/dashboard/proposals/invite", data=form)
    return client.get(page).get_data(as_text=True)


@pytest.fixture
def signed(client, make, database, clock):
    make.staff(email=EMAIL)
    add_account(database, clock, EMAIL)
    sign_in(client, EMAIL)
    return client


def test_the_proposal_link_is_emailed_when_smtp_is_configured(signed, make, database, inbox, app):
    employer = make.employer(
        name="Pixel Forge", contact_phone="+15595550123", contact_email="jo@pixelforge.example"
    )
    page = _invite(signed, employer)
    assert "emailed to the employer" in page
    (envelope,) = inbox[1]
    message = message_from_bytes(envelope.content, policy=default)
    body = message.get_content()
    assert envelope.rcpt_tos == ["jo@pixelforge.example"]
    assert message["From"] == "wbl@cvusd.example.org" and "Pixel Forge" in body
    path = re.search(r"(/dashboard/proposal/\S+)", body).group(1)
    assert "Propose an opportunity" in app.test_client().get(path).get_data(as_text=True)
    with database.transaction() as s:
        assert s.scalar(select(OutboxMessage.id)) is None  # not texted as well


def test_without_a_contact_email_the_link_is_texted(signed, make, database, inbox):
    employer = make.employer(name="Cedar Clinic", contact_phone="+15595550150")
    assert "texted to the employer" in _invite(signed, employer)
    assert inbox[1] == []
    with database.transaction() as s:
        assert s.scalar(select(OutboxMessage.urn)) == "tel:+15595550150"
