"""The Twilio webhooks driven as Twilio drives them: signed form posts in, TwiML out."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from bot.i18n import translate
from db.models import AuditEntry, CheckinToken, Contact, InboundMessage, OutboxMessage
from tests.support.webhook_helpers import (
    Twilio,
    build_app,
    channel_settings,
    count,
    counts,
    new_sid,
    signature,
    twiml_messages,
)


@pytest.fixture
def twilio(settings, database, clock):
    return Twilio(build_app(channel_settings(settings), database, clock).test_client())


def test_help_from_a_student_is_answered_in_twiml_and_marked_sent(twilio, make, database):
    student = make.student()
    response = twilio.sms(student.phone, "help")
    assert response.status_code == 200 and response.mimetype == "text/xml"
    [text] = twiml_messages(response)
    assert "Cedar Valley WBL" in text and "Ms. Patel" in text
    with database.transaction() as s:
        row = s.scalar(select(OutboxMessage))
        assert (row.status, row.extra.get("transport")) == ("sent", "twiml")
        assert row.urn == f"tel:{student.phone}" and row.sent_at is not None
        assert s.scalar(select(InboundMessage)).person_id == student.id


def test_a_crashing_flow_is_answered_in_twiml_and_the_message_kept(
    twilio, make, database, monkeypatch
):
    from bot.flows import common

    student = make.student()

    def boom(turn):
        raise RuntimeError("bug")

    monkeypatch.setattr(common, "handle", boom)
    response = twilio.sms(student.phone, "MENU")
    assert response.status_code == 200
    [text] = twiml_messages(response)
    assert text.startswith("Sorry, something went wrong")
    with database.transaction() as s:
        row = s.scalar(select(OutboxMessage))
        assert (row.status, row.extra.get("transport")) == ("sent", "twiml")
        inbound = s.scalar(select(InboundMessage))
        assert (inbound.status, inbound.text, inbound.person_id) == ("failed", "MENU", student.id)


@pytest.mark.parametrize(
    "sig",
    [None, "", "bm90IGEgc2lnbmF0dXJl", "wrong-token"],
    ids=["missing", "empty", "junk", "key"],
)
def test_bad_or_missing_signature_is_refused_and_nothing_stored(twilio, make, database, sig):
    student = make.student()
    params = twilio.form(student.phone, "FIND")
    if sig == "wrong-token":
        sig = signature("/webhooks/twilio/sms", params, token="someone-elses-token")
    response = twilio.post("/webhooks/twilio/sms", params, sig=sig)
    assert response.status_code == 403
    assert counts(database) == (0, 0)


def test_a_signature_for_other_params_is_refused(twilio, make, database):
    student = make.student()
    params = twilio.form(student.phone, "STATUS")
    sig = signature("/webhooks/twilio/sms", params)
    params["Body"] = "STOP"  # tampered in transit
    assert twilio.post("/webhooks/twilio/sms", params, sig=sig).status_code == 403
    assert counts(database) == (0, 0)


def test_query_string_is_part_of_the_signed_url(twilio, make):
    student = make.student()
    params = twilio.form(student.phone, "HELP")
    path = "/webhooks/twilio/sms?site=cv"
    response = twilio.client.post(
        path, data=params, headers={"X-Twilio-Signature": signature(path, params)}
    )
    assert response.status_code == 200 and twiml_messages(response)


def test_sms_not_configured_answers_404(settings, database, clock, make):
    client = build_app(settings, database, clock).test_client()
    response = Twilio(client).sms(make.student().phone, "HELP")
    assert response.status_code == 404
    assert counts(database) == (0, 0)


def test_duplicate_delivery_gets_the_same_answer_again_and_nothing_twice(
    twilio, make, database, caplog
):
    """Twilio retries when our first answer never reached it: the IN link must come again."""
    from tests.test_student_work import onsite

    student, _, _ = onsite(make)
    sid = new_sid()
    first = twilio.sms(student.phone, "IN", sid=sid)
    again = twilio.sms(student.phone, "IN", sid=sid)
    [link] = twiml_messages(first)
    assert "/checkin/" in link
    assert again.status_code == 200 and again.data == first.data
    assert counts(database) == (1, 1)  # one inbound row, one reply row (sent once, by TwiML)
    with database.transaction() as s:
        assert s.scalar(select(OutboxMessage)).status == "sent"
    assert count(database, CheckinToken) == 1
    token = link.split("/checkin/")[1].split()[0]
    assert token not in caplog.text


def test_a_repeated_spanish_answer_keeps_its_reply_line(twilio, make, database):
    student = make.student(language="es")
    sid = new_sid()
    first = twilio.sms(student.phone, "MENU", sid=sid)
    assert twiml_messages(first) and twilio.sms(student.phone, "MENU", sid=sid).data == first.data


def test_ten_concurrent_deliveries_of_one_message_produce_one_reply(
    settings, database, clock, make
):
    student = make.student()
    app = build_app(channel_settings(settings), database, clock)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        params = Twilio(app.test_client()).form(student.phone, "HELP", sid=new_sid())
        headers = {"X-Twilio-Signature": signature("/webhooks/twilio/sms", params)}
        url = f"http://127.0.0.1:{server.server_port}/webhooks/twilio/sms"

        def post(_: int) -> requests.Response:
            return requests.post(url, data=params, headers=headers, timeout=30)

        with ThreadPoolExecutor(10) as pool:
            responses = list(pool.map(post, range(10)))
    finally:
        server.shutdown()
        thread.join()
    assert [r.status_code for r in responses] == [200] * 10
    bodies = [twiml_messages(r) for r in responses]
    assert len(bodies[0]) == 1 and all(b == bodies[0] for b in bodies)  # the same answer
    assert counts(database) == (1, 1)


def test_unknown_sender_is_told_how_to_join_and_learns_nothing(twilio, make, database):
    make.student(phone="+15595550148", given_name="Guadalupe")
    [text] = twiml_messages(twilio.sms("+15595550199", "FIND"))
    assert "link code" in text and "Guadalupe" not in text and "5595550148" not in text
    with database.transaction() as s:
        assert s.scalar(select(InboundMessage)).person_id is None


def test_spanish_speaker_gets_spanish(twilio, make):
    student = make.student(language="es")
    [text] = twiml_messages(twilio.sms(student.phone, "AYUDA"))
    expected = translate(
        "es",
        "{program}: work-based learning for your school. Questions? Contact {coordinator}. "
        "Reply MENU for options, STOP to unsubscribe.",
        program="Cedar Valley WBL",
        coordinator="Ms. Patel at (209) 555-0115",
    )
    assert text == expected and "Questions?" not in text


def test_stop_confirms_once_then_silence(twilio, make, database):
    student = make.student()
    [confirmation] = twiml_messages(twilio.sms(student.phone, "STOP"))
    assert "unsubscribed" in confirmation
    assert twiml_messages(twilio.sms(student.phone, "STATUS")) == []
    assert twiml_messages(twilio.sms(student.phone, "stop")) == []
    with database.transaction() as s:
        statuses = [r.status for r in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
        assert statuses[0] == "sent" and "pending" not in statuses
        contact = s.scalar(select(Contact).where(Contact.person_id == student.id))
        assert contact.opted_out_at is not None
    assert count(database, InboundMessage) == 3
    [back] = twiml_messages(twilio.sms(student.phone, "START"))
    assert "Welcome back" in back


@pytest.mark.parametrize(
    "body",
    ["", "   ", "🙂🙂🎉", "x" * 2000, "ñ" * 2000, "<Response><Message>hi</Message>", "FIND\x00"],
    ids=["empty", "blank", "emoji", "long", "long-ucs2", "xml", "nul"],
)
def test_odd_bodies_get_a_polite_answer_and_are_recorded(twilio, make, database, body):
    student = make.student()
    response = twilio.sms(student.phone, body)
    assert response.status_code == 200
    [text] = twiml_messages(response)
    assert text.strip() and "Traceback" not in text
    with database.transaction() as s:
        row = s.scalar(select(InboundMessage))
        assert row.text == body.replace("\x00", "") and row.status in ("processed", "failed")


def test_mms_is_recorded_with_its_attachment(twilio, make, database):
    student = make.student()
    response = twilio.sms(
        student.phone,
        "my flyer",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg",
    )
    assert response.status_code == 200
    with database.transaction() as s:
        assert s.scalar(select(InboundMessage)).payload == {"attachment": "photo"}


@pytest.mark.parametrize("drop", ["From", "MessageSid"])
def test_malformed_form_is_400_and_nothing_stored(twilio, make, database, drop):
    params = twilio.form(make.student().phone, "HELP")
    params.pop(drop)
    params.pop("SmsSid")
    assert twilio.post("/webhooks/twilio/sms", params).status_code == 400
    assert counts(database) == (0, 0)


def _sent_row(twilio, database, student, provider_sid: str) -> int:
    """Queue a non-TwiML message as the dispatcher would have sent it."""
    twilio.sms(student.phone, "HELP")
    with database.transaction() as s:
        row = s.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
        row.provider_message_id = provider_sid
        row.status = "sent"
        return row.id


def _status_of(database, row_id: int) -> tuple[str, object]:
    with database.transaction() as s:
        row = s.get(OutboxMessage, row_id)
        return row.status, row.delivered_at


def test_status_callback_moves_forward_only(twilio, make, database):
    student = make.student()
    row_id = _sent_row(twilio, database, student, "SMstatus1")
    assert twilio.status("SMstatus1", "queued").status_code == 200
    assert _status_of(database, row_id)[0] == "sent"
    twilio.status("SMstatus1", "delivered")
    status, delivered_at = _status_of(database, row_id)
    assert status == "delivered" and delivered_at is not None
    twilio.status("SMstatus1", "sent")
    twilio.status("SMstatus1", "failed", ErrorCode="30003")
    assert _status_of(database, row_id)[0] == "delivered"


def test_failure_wins_over_sent_and_is_terminal(twilio, make, database):
    student = make.student()
    row_id = _sent_row(twilio, database, student, "SMstatus2")
    twilio.status("SMstatus2", "undelivered", ErrorCode="30005")
    twilio.status("SMstatus2", "delivered")
    assert _status_of(database, row_id)[0] == "undelivered"
    with database.transaction() as s:
        assert "30005" in s.get(OutboxMessage, row_id).last_error


def test_error_21610_opts_the_recipient_out_with_an_audit_entry(twilio, make, database):
    student = make.student()
    _sent_row(twilio, database, student, "SMstatus3")
    assert twilio.status("SMstatus3", "failed", ErrorCode="21610").status_code == 200
    with database.transaction() as s:
        contact = s.scalar(select(Contact).where(Contact.person_id == student.id))
        assert contact.opted_out_at is not None
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "opt_out"))
        assert audit.details == {"error_code": "21610"} and audit.actor == "provider:twilio"
    assert twiml_messages(twilio.sms(student.phone, "STATUS")) == []


def test_status_callback_for_unknown_sid_changes_nothing(twilio, database):
    assert twilio.status("SMnobody", "delivered").status_code == 200
    assert counts(database) == (0, 0)


def test_unsigned_status_callback_is_refused(twilio, make, database):
    student = make.student()
    row_id = _sent_row(twilio, database, student, "SMstatus4")
    params = {"AccountSid": "AC1", "MessageSid": "SMstatus4", "MessageStatus": "delivered"}
    assert twilio.post("/webhooks/twilio/status", params, sig=None).status_code == 403
    assert _status_of(database, row_id)[0] == "sent"
