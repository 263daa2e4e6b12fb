"""The outbox dispatcher through the real twilio and python-telegram-bot clients, against
local servers speaking the providers' wire formats."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.dispatch import dispatch_all, dispatch_once
from bot.messages import Outbound
from db.models import AuditEntry, Contact, OutboxMessage
from tests.support.providers import add_telegram_contact, queue_message


def row(database, outbox_id: int) -> OutboxMessage:
    with database.transaction() as s:
        found = s.get(OutboxMessage, outbox_id)
        s.expunge(found)
        return found


BUTTONS = [
    [
        {"label": "Apply", "payload": "p:apply:4", "sms": "APPLY 1"},
        {"label": "More", "payload": "p:more", "sms": "MORE"},
    ]
]


def test_sms_goes_through_twilio_with_keyword_replies_and_status_callback(
    provider_runtime, twilio_api, make, clock
):
    student = make.student(phone="+15595550148")
    oid = queue_message(
        provider_runtime.database,
        "tel:+15595550148",
        "Design intern at Sunrise Bakery, 6 h.",
        at=clock.now(),
        person_id=student.id,
        buttons=BUTTONS,
    )
    summary = dispatch_once(provider_runtime, clock.now())
    assert summary.sent == 1
    [form] = twilio_api.messages
    assert form["To"] == "+15595550148"
    assert form["From"] == "+12095550100"
    assert form["Body"] == "Design intern at Sunrise Bakery, 6 h.\nReply APPLY 1, MORE"
    assert form["StatusCallback"] == "https://wbl.example.test/webhooks/twilio/status"
    sent = row(provider_runtime.database, oid)
    assert sent.status == "sent" and sent.sent_at == clock.now() and sent.attempts == 1
    assert sent.provider_message_id.startswith("SM") and len(sent.provider_message_id) == 34


def test_spanish_sms_renders_the_reply_line_in_spanish(provider_runtime, twilio_api, make, clock):
    guardian = make.person("guardian", phone="+15595550149", language="es")
    queue_message(
        provider_runtime.database,
        "tel:+15595550149",
        "Leah pide permiso.",
        at=clock.now(),
        person_id=guardian.id,
        buttons=[[{"label": "Sí", "payload": "", "sms": "SI 4821"}]],
    )
    dispatch_once(provider_runtime, clock.now())
    body = twilio_api.messages[0]["Body"]
    assert body.startswith("Leah pide permiso.\n") and "SI 4821" in body


def test_messaging_service_sid_replaces_from(
    settings, twilio_api, telegram_api, database, clock, make
):
    from bot.runtime import Runtime
    from tests.support.providers import configure

    st = configure(settings, twilio_api, telegram_api, twilio_from_number="")
    st = st.with_(twilio_messaging_service_sid="MG" + "0" * 32)
    rt = Runtime(st, database, clock)
    queue_message(database, "tel:+15595550150", "Hi", at=clock.now())
    try:
        assert dispatch_once(rt, clock.now()).sent == 1
    finally:
        from bot.dispatch import close_dispatcher

        close_dispatcher(rt)
    form = twilio_api.messages[0]
    assert form["MessagingServiceSid"] == "MG" + "0" * 32 and "From" not in form


def test_telegram_message_has_an_inline_keyboard_of_signed_payloads(
    provider_runtime, telegram_api, make, clock
):
    student = make.student()
    urn = add_telegram_contact(provider_runtime.database, student.id, 424242, clock.now())
    oid = queue_message(provider_runtime.database, urn, "Pick one", at=clock.now(), buttons=BUTTONS)
    assert dispatch_once(provider_runtime, clock.now()).sent == 1
    [params] = telegram_api.sent("sendMessage")
    assert params["chat_id"] == 424242 and params["text"] == "Pick one"
    assert params["reply_markup"] == {
        "inline_keyboard": [
            [
                {"text": "Apply", "callback_data": "p:apply:4"},
                {"text": "More", "callback_data": "p:more"},
            ]
        ]
    }
    assert row(provider_runtime.database, oid).provider_message_id == "424242:100"


def test_telegram_keyword_buttons_and_location_request_use_a_reply_keyboard(
    provider_runtime, telegram_api, clock
):
    db = provider_runtime.database
    keywords = [[{"label": "Yes", "payload": "", "sms": "YES 4821"}]]
    queue_message(db, "telegram:77", "Allow?", at=clock.now(), buttons=keywords)
    dispatch_once(provider_runtime, clock.now())
    queue_message(
        db, "telegram:78", "Send your location", at=clock.now(), extra={"request_location": True}
    )
    dispatch_once(provider_runtime, clock.now())
    first, second = telegram_api.sent("sendMessage")
    assert first["reply_markup"] == {
        "keyboard": [[{"text": "YES 4821"}]],
        "one_time_keyboard": True,
        "resize_keyboard": True,
    }
    key = second["reply_markup"]["keyboard"][0][0]
    assert key["request_location"] is True and key["text"] == "Share my location"
    assert second["reply_markup"]["one_time_keyboard"] is True


def test_edit_ref_edits_the_message_the_button_sat_on(provider_runtime, telegram_api, clock):
    db = provider_runtime.database
    first = queue_message(db, "telegram:55", "Rate Leah: 1-5", at=clock.now(), buttons=BUTTONS)
    dispatch_once(provider_runtime, clock.now())
    ref = row(db, first).provider_message_id
    clock.advance(seconds=5)
    second = queue_message(
        db, "telegram:55", "Thanks, saved.", at=clock.now(), extra={"edit_ref": ref}
    )
    dispatch_once(provider_runtime, clock.now())
    [edit] = telegram_api.sent("editMessageText")
    assert edit["chat_id"] == 55 and edit["message_id"] == int(ref.split(":")[1])
    assert edit["text"] == "Thanks, saved." and "reply_markup" not in edit
    assert row(db, second).status == "sent"
    assert len(telegram_api.sent("sendMessage")) == 1


def test_edit_of_a_vanished_message_sends_a_new_one(provider_runtime, telegram_api, clock):
    oid = queue_message(
        provider_runtime.database,
        "telegram:56",
        "Saved.",
        at=clock.now(),
        extra={"edit_ref": "56:9999"},
    )
    dispatch_once(provider_runtime, clock.now())
    assert [p["text"] for p in telegram_api.sent("sendMessage")] == ["Saved."]
    assert row(provider_runtime.database, oid).status == "sent"


def test_simulator_rows_are_delivered_locally(provider_runtime, clock):
    oid = queue_message(provider_runtime.database, "sim:42", "Hello", at=clock.now())
    assert dispatch_once(provider_runtime, clock.now()).sent == 1
    sent = row(provider_runtime.database, oid)
    assert sent.status == "delivered" and sent.provider_message_id == f"local-{oid}"


def test_channel_not_configured_fails_visibly(runtime, clock):
    oid = queue_message(runtime.database, "tel:+15595550151", "Hi", at=clock.now())
    assert dispatch_once(runtime, clock.now()).failed == 1
    failed = row(runtime.database, oid)
    assert failed.status == "failed" and "not configured" in failed.last_error


def test_server_error_is_retried_with_backoff_then_sent(provider_runtime, twilio_api, clock):
    db = provider_runtime.database
    oid = queue_message(db, "tel:+15595550152", "Hi", at=clock.now())
    twilio_api.fail_next(2, status=500)
    assert dispatch_once(provider_runtime, clock.now()).retried == 1
    first = row(db, oid)
    assert first.status == "pending" and first.attempts == 1 and "500" in first.last_error
    delay = (first.not_before - clock.now()).total_seconds()
    assert 2.0 <= delay <= 2.2  # dispatch_backoff_s · 2^0, plus jitter
    assert dispatch_once(provider_runtime, clock.now()).handled == 0  # not due yet
    clock.at = first.not_before
    assert dispatch_once(provider_runtime, clock.now()).retried == 1
    second = row(db, oid)
    assert 4.0 <= (second.not_before - clock.now()).total_seconds() <= 4.4
    clock.at = second.not_before
    assert dispatch_once(provider_runtime, clock.now()).sent == 1
    done = row(db, oid)
    assert done.status == "sent" and done.attempts == 3 and done.last_error is None
    assert len(twilio_api.messages) == 1


def test_gives_up_after_max_attempts_with_a_visible_failed_status(
    provider_runtime, twilio_api, clock
):
    db = provider_runtime.database
    oid = queue_message(db, "tel:+15595550153", "Hi", at=clock.now())
    twilio_api.fail_next(100, status=503)
    for _ in range(provider_runtime.settings.dispatch_max_attempts):
        dispatch_once(provider_runtime, clock.now())
        clock.advance(minutes=5)
    failed = row(db, oid)
    assert failed.status == "failed" and failed.attempts == 6
    assert "gave up after 6" in failed.last_error
    assert twilio_api.rejected == 6 and twilio_api.messages == []
    assert dispatch_once(provider_runtime, clock.now()).handled == 0


def test_permanent_error_fails_at_once(provider_runtime, twilio_api, clock):
    oid = queue_message(provider_runtime.database, "tel:+15595550154", "Hi", at=clock.now())
    twilio_api.fail_next(1, status=400, code=21211)
    assert dispatch_once(provider_runtime, clock.now()).failed == 1
    failed = row(provider_runtime.database, oid)
    assert failed.status == "failed" and "21211" in failed.last_error and failed.attempts == 1


def test_network_error_is_transient(settings, twilio_api, telegram_api, database, clock):
    from bot.dispatch import close_dispatcher
    from bot.runtime import Runtime
    from tests.support.providers import configure

    st = configure(settings, twilio_api, telegram_api, twilio_api_base_url="http://127.0.0.1:9")
    rt = Runtime(st, database, clock)
    oid = queue_message(database, "tel:+15595550155", "Hi", at=clock.now())
    try:
        assert dispatch_once(rt, clock.now()).retried == 1
    finally:
        close_dispatcher(rt)
    assert row(database, oid).last_error.startswith("network")


def test_telegram_429_retry_after_is_honoured(provider_runtime, telegram_api, clock):
    db = provider_runtime.database
    oid = queue_message(db, "telegram:99", "Hi", at=clock.now())
    telegram_api.fail_next(1, status=429, retry_after=30)
    assert dispatch_once(provider_runtime, clock.now()).retried == 1
    waiting = row(db, oid)
    assert (waiting.not_before - clock.now()).total_seconds() >= 30
    clock.advance(seconds=29)
    assert dispatch_once(provider_runtime, clock.now()).handled == 0
    clock.at = waiting.not_before
    assert dispatch_once(provider_runtime, clock.now()).sent == 1


def test_twilio_21610_opts_the_number_out_and_later_messages_are_suppressed(
    provider_runtime, twilio_api, make, clock
):
    db = provider_runtime.database
    guardian = make.person("guardian", phone="+15595550156")
    urn = "tel:+15595550156"
    first = queue_message(db, urn, "Reminder", at=clock.now(), person_id=guardian.id)
    twilio_api.fail_next(1, status=400, code=21610)
    assert dispatch_once(provider_runtime, clock.now()).suppressed == 1
    with db.transaction() as s:
        assert s.scalar(select(Contact.opted_out_at).where(Contact.urn == urn)) == clock.now()
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "opt_out"))
        assert audit.actor == "system" and audit.details == {"keyword": "provider:21610"}
    assert row(db, first).status == "suppressed"
    later = queue_message(db, urn, "Another", at=clock.now(), person_id=guardian.id)
    consent = queue_message(
        db,
        urn,
        "Consent recorded",
        at=clock.now(),
        person_id=guardian.id,
        extra={"ignore_optout": True},
    )
    summary = dispatch_once(provider_runtime, clock.now())
    assert (summary.suppressed, summary.sent) == (1, 1)
    assert row(db, later).status == "suppressed" and row(db, consent).status == "sent"
    assert [m["Body"] for m in twilio_api.messages] == ["Consent recorded"]


def test_telegram_block_opts_the_chat_out(provider_runtime, telegram_api, make, clock):
    db = provider_runtime.database
    student = make.student()
    urn = add_telegram_contact(db, student.id, 31337, clock.now())
    queue_message(db, urn, "Hi", at=clock.now(), person_id=student.id)
    telegram_api.fail_next(1, status=403)
    assert dispatch_once(provider_runtime, clock.now()).suppressed == 1
    with db.transaction() as s:
        assert s.scalar(select(Contact.opted_out_at).where(Contact.urn == urn)) is not None
        sms = s.scalar(select(Contact).where(Contact.urn == f"tel:{student.phone}"))
        assert sms.opted_out_at is None  # opt-outs are per address


def test_quiet_hours_hold_non_urgent_until_eight_and_urgent_goes_at_once(
    provider_runtime, twilio_api, make, clock
):
    db = provider_runtime.database
    student = make.student(phone="+15595550157")
    urn = "tel:+15595550157"
    clock.at = clock.now().replace(hour=6)  # 22:00 in Los Angeles (UTC-8)
    nudge = queue_message(db, urn, "Nudge", at=clock.now(), person_id=student.id, urgent=False)
    answer = queue_message(db, urn, "Answer", at=clock.now(), person_id=student.id)
    summary = dispatch_once(provider_runtime, clock.now())
    assert (summary.sent, summary.held) == (1, 1)
    assert [m["Body"] for m in twilio_api.messages] == ["Answer"]
    held = row(db, nudge)
    assert held.status == "pending"
    assert held.not_before.astimezone(provider_runtime.settings.tz).strftime("%H:%M") == "08:00"
    assert held.not_before - clock.now() == timedelta(hours=10)
    clock.at = held.not_before - timedelta(minutes=1)
    assert dispatch_once(provider_runtime, clock.now()).handled == 0
    clock.at = held.not_before
    assert dispatch_once(provider_runtime, clock.now()).sent == 1
    assert [m["Body"] for m in twilio_api.messages] == ["Answer", "Nudge"]
    assert row(db, answer).status == "sent"


def test_fourth_non_urgent_message_of_the_day_waits_for_tomorrow(
    provider_runtime, twilio_api, make, clock
):
    db = provider_runtime.database
    student = make.student(phone="+15595550158")
    ids = [
        queue_message(
            db, "tel:+15595550158", f"Nudge {i}", at=clock.now(), person_id=student.id, urgent=False
        )
        for i in range(4)
    ]
    queue_message(db, "tel:+15595550158", "Receipt", at=clock.now(), person_id=student.id)
    summary = dispatch_all(provider_runtime, clock.now())
    assert (summary.sent, summary.held) == (4, 1)
    assert sorted(m["Body"] for m in twilio_api.messages) == [
        "Nudge 0",
        "Nudge 1",
        "Nudge 2",
        "Receipt",
    ]
    fourth = row(db, ids[3])
    local = fourth.not_before.astimezone(provider_runtime.settings.tz)
    assert (local.day, local.hour) == (2, 8)  # Wednesday 08:00
    clock.advance(hours=6)  # 15:00 the same day: still capped
    assert dispatch_once(provider_runtime, clock.now()).handled == 0
    clock.at = fourth.not_before
    assert dispatch_once(provider_runtime, clock.now()).sent == 1


def test_a_dead_workers_rows_come_back_when_its_lease_lapses(provider_runtime, twilio_api, clock):
    db = provider_runtime.database
    oid = queue_message(db, "tel:+15595550159", "Hi", at=clock.now())
    with db.transaction() as s:
        stuck = s.get(OutboxMessage, oid)
        stuck.status, stuck.claimed_at, stuck.attempts = "sending", clock.now(), 1
        stuck.claimed_by, stuck.lease_until = "gone:1:x", clock.now() + timedelta(seconds=30)
    clock.advance(seconds=29)
    assert dispatch_once(provider_runtime, clock.now()).recovered == 0
    assert twilio_api.messages == []  # still leased to its worker
    clock.advance(seconds=2)
    summary = dispatch_once(provider_runtime, clock.now())
    assert (summary.recovered, summary.sent) == (1, 1)
    sent = row(db, oid)
    assert sent.attempts == 2 and sent.claimed_by is None and len(twilio_api.messages) == 1


def test_engine_reply_reaches_the_provider_end_to_end(
    provider_runtime, twilio_api, chat, make, clock
):
    student = make.student(phone="+15595550160")
    [queued] = chat.send(student, "HELP")
    dispatch_once(provider_runtime, clock.now())
    [form] = twilio_api.messages
    assert form["To"] == "+15595550160" and "Cedar Valley WBL" in form["Body"]
    assert row(provider_runtime.database, queued.id).status == "sent"
    assert isinstance(Outbound("x"), Outbound)


def test_location_key_is_in_the_recipients_language(provider_runtime, telegram_api, make, clock):
    guardian = make.person("guardian", language="es")
    queue_message(
        provider_runtime.database,
        "telegram:79",
        "Envía tu ubicación",
        at=clock.now(),
        person_id=guardian.id,
        extra={"request_location": True},
    )
    dispatch_once(provider_runtime, clock.now())
    [params] = telegram_api.sent("sendMessage")
    assert params["reply_markup"]["keyboard"][0][0]["text"] == "Compartir mi ubicación"
