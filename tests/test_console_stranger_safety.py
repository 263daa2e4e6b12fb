"""A safety message from a number not on the roster, through the real SMS webhook: the
immediate safety answer in English and Spanish (not "how to join"), and an admin alerted
urgently; a stranger's everyday message still gets only "how to join"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditEntry, OutboxMessage
from tests.support.staff import add_account
from tests.support.webhook_helpers import Twilio, build_app, channel_settings, twiml_messages

STRANGER = "+15595550999"


@pytest.fixture
def app(settings, database, clock):
    return build_app(channel_settings(settings), database, clock)


@pytest.fixture
def admin(make, database, clock):
    person = make.staff(school=make.school(), given_name="Rosa", email="rosa@example.org")
    add_account(database, clock, "rosa@example.org", roles=("admin",))
    return person


def _alerts(database, person_id):
    with database.transaction() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.person_id == person_id))
        return [(row.urgent, row.text) for row in rows]


@pytest.mark.parametrize(
    "text", ["someone at the bus stop threatened me", "tengo miedo, me amenazó"]
)
def test_a_strangers_safety_message_is_answered_and_an_admin_alerted(app, admin, database, text):
    [reply] = twiml_messages(Twilio(app.test_client()).sms(STRANGER, text))
    assert "Thank you for telling us" in reply and "Gracias por avisarnos" in reply
    assert "911" in reply and "link code" not in reply
    [(urgent, alert)] = _alerts(database, admin.id)
    assert urgent and alert.startswith("SAFETY: someone not on the roster") and text in alert
    assert STRANGER not in alert and "/dashboard/messages" in alert
    with database.transaction() as s:
        assert s.scalar(
            select(AuditEntry.action).where(AuditEntry.action == "inbox:stranger_safety")
        )


def test_a_strangers_everyday_message_only_learns_how_to_join(app, admin, database):
    [reply] = twiml_messages(Twilio(app.test_client()).sms(STRANGER, "hello who is this"))
    assert "link code" in reply and "Thank you for telling us" not in reply
    assert _alerts(database, admin.id) == []
