"""WhatsApp end to end on the real wire format: signed Twilio posts with `whatsapp:` senders
into the webhook, TwiML out, and the real `twilio` client sending to the local Twilio.

Inside the 24-hour window after a person last wrote on WhatsApp anything may go there;
outside it a message the system starts goes by SMS, or as an approved template."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.dispatch import dispatch_all
from bot.errors import ConfigError
from bot.runtime import Runtime
from bot.scheduler import run_due
from bot.settings import Settings
from db.models import Contact, InboundMessage, OutboxMessage
from tests.support.webhook_helpers import Twilio, new_sid, signature, twiml_messages
from webhooks import create_app

WA_FROM = "+14155238886"
TEMPLATE = "HX" + "0123456789abcdef" * 2
PATH = "/webhooks/twilio/whatsapp"


@dataclass
class Phone:
    """A person's phone: WhatsApp messages in through the webhook, Twilio's log out."""

    twilio: Twilio
    api: Any
    runtime: Any

    def whatsapp(self, phone: str, body: str, sid: str | None = None) -> Any:
        params = self.twilio.form(f"whatsapp:{phone}", body, sid)
        params.update(To=f"whatsapp:{WA_FROM}", ProfileName="Gabe", WaId=phone.lstrip("+"))
        response = self.twilio.post(PATH, params, sig=signature(PATH, params, self.api.auth_token))
        assert response.status_code == 200, response.data
        return response

    def flush(self, now: Any) -> None:
        dispatch_all(self.runtime, now)


def _phone(provider_settings: Settings, database: Any, clock: Any, twilio_api: Any, **kw: Any):
    settings = provider_settings.with_(twilio_whatsapp_from=WA_FROM, **kw)
    runtime = Runtime(settings, database, clock)
    return Phone(Twilio(create_app(runtime=runtime).test_client()), twilio_api, runtime)


@pytest.fixture
def phone(provider_settings, database, clock, twilio_api):
    from bot.dispatch import close_dispatcher

    p = _phone(provider_settings, database, clock, twilio_api)
    yield p
    close_dispatcher(p.runtime)


@pytest.fixture
def templated(provider_settings, database, clock, twilio_api):
    from bot.dispatch import close_dispatcher

    templates = (("supervisor", TEMPLATE),)
    p = _phone(provider_settings, database, clock, twilio_api, twilio_whatsapp_templates=templates)
    yield p
    close_dispatcher(p.runtime)


@pytest.fixture
def desk(make):
    """A supervisor with a roster phone and a student placed with them."""
    school = make.school()
    make.staff(school=school, given_name="Ava")
    employer = make.employer(name="Sunrise Bakery")
    sup = make.supervisor(employer, given_name="Gabriel")
    opp = make.opportunity(employer, supervisor=sup, title="Audit our social media")
    student = make.student(school=school)
    return sup, make.placement(student, opp)


def _rows(database, *where) -> list[OutboxMessage]:
    with database.transaction() as s:
        rows = list(s.scalars(select(OutboxMessage).where(*where).order_by(OutboxMessage.id)))
        for row in rows:
            s.expunge(row)
        return rows


def test_a_known_number_on_whatsapp_is_the_same_person_and_answered_in_twiml(
    phone, make, database, twilio_api
):
    student = make.student()
    [text] = twiml_messages(phone.whatsapp(student.phone, "HELP"))
    assert "Cedar Valley WBL" in text and "STOP" in text
    with database.transaction() as s:
        wa = s.scalar(select(Contact).where(Contact.urn == f"whatsapp:{student.phone}"))
        assert wa is not None and wa.person_id == student.id and wa.scheme == "whatsapp"
        inbound = s.scalar(select(InboundMessage))
        assert (inbound.channel, inbound.person_id) == ("whatsapp", student.id)
    [reply] = _rows(database)
    assert (reply.channel, reply.status, reply.extra["transport"]) == ("whatsapp", "sent", "twiml")
    assert twilio_api.messages == []  # the answer rode in the TwiML


def test_in_on_whatsapp_gets_the_check_in_link_not_a_location_button(phone, make):
    from tests.test_student_work import onsite

    student, _, _ = onsite(make)
    [text] = twiml_messages(phone.whatsapp(student.phone, "IN"))
    assert "https://wbl.example.test/checkin/" in text


def test_a_stranger_on_whatsapp_is_told_how_to_join(phone, make, database):
    make.student(phone="+15595550148", given_name="Guadalupe")
    [text] = twiml_messages(phone.whatsapp("+15595550199", "FIND"))
    assert "number" in text and "link code" in text and "Guadalupe" not in text
    with database.transaction() as s:
        assert s.scalar(select(Contact).where(Contact.scheme == "whatsapp")) is None


def test_a_repeated_whatsapp_message_gets_the_same_answer(phone, make, database):
    student = make.student()
    sid = new_sid()
    first = phone.whatsapp(student.phone, "MENU", sid=sid)
    assert phone.whatsapp(student.phone, "MENU", sid=sid).data == first.data
    with database.transaction() as s:
        assert len(list(s.scalars(select(InboundMessage)))) == 1


def test_a_reminder_inside_the_window_goes_by_whatsapp_and_outside_it_by_sms(
    phone, make, database, clock, twilio_api, desk
):
    sup, placement = desk
    t0 = clock.now()  # Tuesday 09:00 Los Angeles
    phone.whatsapp(sup.phone, "MENU")
    make.time_entry(placement)
    run_due(phone.runtime, t0 + timedelta(hours=1))
    [inside] = twilio_api.messages
    assert inside["To"] == f"whatsapp:{sup.phone}" and inside["From"] == f"whatsapp:{WA_FROM}"
    assert "1 item needs your OK" in inside["Body"] and "ContentSid" not in inside
    twilio_api.clear()
    make.time_entry(placement)
    run_due(phone.runtime, t0 + timedelta(hours=25))  # a day later: the window has closed
    [outside] = twilio_api.messages
    assert outside["To"] == sup.phone and outside["From"] == "+12095550100"
    assert "2 items need your OK" in outside["Body"]
    row = _rows(database, OutboxMessage.person_id == sup.id)[-1]
    assert (row.channel, row.urn, row.extra["moved_from"]) == (
        "sms",
        f"tel:{sup.phone}",
        "whatsapp",
    )


def test_outside_the_window_an_approved_template_goes_by_whatsapp(
    templated, make, database, clock, twilio_api, desk
):
    sup, placement = desk
    templated.whatsapp(sup.phone, "MENU")
    make.time_entry(placement)
    run_due(templated.runtime, clock.now() + timedelta(hours=30))
    [sent] = twilio_api.messages
    assert sent["To"] == f"whatsapp:{sup.phone}" and sent["From"] == f"whatsapp:{WA_FROM}"
    assert sent["ContentSid"] == TEMPLATE and "Body" not in sent
    assert "1 item needs your OK" in json.loads(sent["ContentVariables"])["1"]


def test_stop_on_whatsapp_opts_that_address_out_and_nothing_reaches_it(
    phone, make, database, clock, twilio_api, desk
):
    sup, placement = desk
    [confirmation] = twiml_messages(phone.whatsapp(sup.phone, "STOP"))
    assert "unsubscribed" in confirmation
    assert twiml_messages(phone.whatsapp(sup.phone, "MENU")) == []
    with database.transaction() as s:
        contacts = {
            c.scheme: c for c in s.scalars(select(Contact).where(Contact.person_id == sup.id))
        }
        assert contacts["whatsapp"].opted_out_at is not None
        assert contacts["tel"].opted_out_at is None  # opt-outs are per address
    make.time_entry(placement)
    for hours in (1, 30):  # inside the window, then outside it: never by SMS either
        run_due(phone.runtime, clock.now() + timedelta(hours=hours))
    assert twilio_api.messages == []
    assert {r.status for r in _rows(database, OutboxMessage.urgent.is_(False))} == {"suppressed"}
    [back] = twiml_messages(phone.whatsapp(sup.phone, "START"))
    assert "Welcome back" in back


@pytest.mark.parametrize("path", [PATH, "/webhooks/twilio/sms"])
def test_whatsapp_is_refused_where_it_is_not_configured(
    provider_settings, database, clock, make, twilio_api, path
):
    client = create_app(runtime=Runtime(provider_settings, database, clock)).test_client()
    params = Twilio(client).form(f"whatsapp:{make.student().phone}", "HELP")
    sig = signature(path, params, twilio_api.auth_token)
    assert client.post(path, data=params, headers={"X-Twilio-Signature": sig}).status_code == 404
    with database.transaction() as s:
        assert s.scalar(select(InboundMessage)) is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TWILIO_WHATSAPP_FROM": "+14155238886"}, "TWILIO_ACCOUNT_SID is missing"),
        ({"TWILIO_WHATSAPP_FROM": "whatsapp:4155"}, "must be a number"),
        ({"TWILIO_WHATSAPP_TEMPLATES": f"nudge={TEMPLATE}"}, "TWILIO_WHATSAPP_FROM is missing"),
        ({"TWILIO_WHATSAPP_TEMPLATES": "nudge=HX12"}, "not category=HX"),
    ],
)
def test_whatsapp_settings_fail_fast_with_a_clear_message(env, message):
    twilio = {
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "token",
        "TWILIO_FROM_NUMBER": "+12095550100",
        "PUBLIC_BASE_URL": "https://wbl.example.test",
    }
    base = {"SECRET_KEY": "k"} | ({} if "ACCOUNT_SID is missing" in message else twilio)
    if "TEMPLATES" in next(iter(env)) and "FROM is missing" not in message:
        base["TWILIO_WHATSAPP_FROM"] = WA_FROM
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(base | env)


def test_whatsapp_settings_read_the_sender_and_the_templates():
    s = Settings.from_env(
        {
            "SECRET_KEY": "k",
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": "token",
            "TWILIO_FROM_NUMBER": "+12095550100",
            "PUBLIC_BASE_URL": "https://wbl.example.test",
            "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
            "TWILIO_WHATSAPP_TEMPLATES": f" consent={TEMPLATE}, supervisor={TEMPLATE} ",
        }
    )
    assert s.whatsapp_enabled and s.twilio_whatsapp_from == WA_FROM
    assert dict(s.twilio_whatsapp_templates) == {"consent": TEMPLATE, "supervisor": TEMPLATE}


def test_outside_the_window_with_sms_opted_out_nothing_is_sent_and_the_row_says_why(
    phone, make, database, clock, twilio_api, desk
):
    sup, placement = desk
    phone.twilio.post(
        "/webhooks/twilio/sms",
        params := phone.twilio.form(sup.phone, "STOP"),
        sig=signature("/webhooks/twilio/sms", params, twilio_api.auth_token),
    )
    clock.advance(minutes=10)
    phone.whatsapp(sup.phone, "MENU")  # then wrote on WhatsApp: reached there, in the window
    make.time_entry(placement)
    run_due(phone.runtime, clock.now() + timedelta(hours=30))
    assert twilio_api.messages == []
    [row] = _rows(database, OutboxMessage.urgent.is_(False))
    assert row.status == "failed" and "24-hour window" in (row.last_error or "")
    assert row.channel == "whatsapp"


def test_the_window_is_judged_when_the_message_goes_not_when_it_was_queued(
    phone, make, database, clock, twilio_api
):
    from tests.support.providers import queue_message

    student = make.student()
    phone.whatsapp(student.phone, "HELP")
    t0 = clock.now()
    urn = f"whatsapp:{student.phone}"
    queue_message(database, urn, "Reminder", at=t0, urgent=False, person_id=student.id)
    phone.flush(t0 + timedelta(hours=25))  # e.g. the worker was down for a day
    [sent] = twilio_api.messages
    assert (sent["To"], sent["Body"]) == (student.phone, "Reminder")
