"""The Telegram webhook driven with Update JSON shaped as the Bot API sends it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import telegram
from sqlalchemy import select

from bot import payloads
from bot.context import Context
from bot.handlers.telegram import update_to_inbound
from bot.i18n import translate
from bot.services import linking
from db.models import AuditEntry, Contact, InboundMessage, OutboxMessage
from tests.support.webhook_helpers import (
    Telegram,
    build_app,
    channel_settings,
    counts,
    tg_callback,
    tg_message,
)

NOW = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


@pytest.fixture
def tg(settings, database, clock):
    return Telegram(build_app(channel_settings(settings), database, clock).test_client())


def link_chat(database, settings, person, chat_id: int) -> str:
    """Attach a Telegram chat to `person` as an invite code would."""
    urn = f"telegram:{chat_id}"
    with database.transaction() as s:
        linking.attach(Context(s, settings, NOW), person.id, urn, how="invite_code")
    return urn


def outbox(database) -> list[OutboxMessage]:
    with database.transaction() as s:
        rows = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        for row in rows:
            s.expunge(row)
        return rows


@pytest.mark.parametrize("secret", [None, "", "tg-secret-Zx9_fakE", "x" * 300])
def test_wrong_or_missing_secret_is_refused_and_nothing_stored(tg, database, secret):
    response = tg.post(tg_message(5001, text="/start ABCDEFGH"), secret=secret)
    assert response.status_code == 403
    assert counts(database) == (0, 0)


def test_telegram_not_configured_answers_404(settings, database, clock):
    client = build_app(settings, database, clock).test_client()
    assert Telegram(client).post(tg_message(5001, text="hi")).status_code == 404
    assert counts(database) == (0, 0)


def test_start_code_links_the_chat_and_the_reply_waits_for_the_dispatcher(
    tg, make, database, settings
):
    student = make.student(given_name="Guadalupe")
    with database.transaction() as s:
        code = linking.create_invite(Context(s, settings, NOW), student.id)
    response = tg.post(tg_message(5002, text=f"/start {code}"))
    assert response.status_code == 200 and response.get_json() == {}
    [row] = outbox(database)
    assert (row.urn, row.channel, row.status) == ("telegram:5002", "telegram", "pending")
    assert "You're linked, Guadalupe" in row.text
    with database.transaction() as s:
        contact = s.scalar(select(Contact).where(Contact.urn == "telegram:5002"))
        assert contact.person_id == student.id


def test_unknown_chat_is_told_how_to_join(tg, make, database):
    make.student(given_name="Guadalupe")
    assert tg.post(tg_message(5003, text="hello?")).status_code == 200
    [row] = outbox(database)
    assert "link code" in row.text and "Guadalupe" not in row.text
    assert row.urn == "telegram:5003"


def test_spanish_speaker_gets_spanish_on_telegram(tg, make, database, settings):
    student = make.student(language="es")
    link_chat(database, settings, student, 5004)
    tg.post(tg_message(5004, text="/help"))
    tg.post(tg_message(5004, text="AYUDA"))
    texts = [r.text for r in outbox(database)]
    assert texts[-1].startswith("Cedar Valley WBL: ") and "¿Dudas?" in texts[-1]


def test_duplicate_update_is_processed_once(tg, make, database, settings):
    student = make.student()
    link_chat(database, settings, student, 5005)
    update = tg_message(5005, text="HELP", update_id=900001)
    assert tg.post(update).status_code == 200
    assert tg.post(update).status_code == 200
    assert counts(database) == (1, 1)


def test_forged_callback_is_answered_and_refused_politely(tg, make, database, settings):
    student, other = make.student(), make.student()
    link_chat(database, settings, student, 5006)
    stolen = payloads.sign(settings.secret_key, other.id, "fa", 12)
    for data in (stolen, "fa|12|AAAAAAAAAAA", "garbage", "x" * 64):
        response = tg.post(tg_callback(5006, data))
        assert response.status_code == 200
        body = response.get_json()
        assert body["method"] == "answerCallbackQuery" and body["callback_query_id"]
    rows = outbox(database)
    assert len(rows) == 4
    assert all("expired or isn't for you" in r.text for r in rows)
    with database.transaction() as s:
        inbound = s.scalars(select(InboundMessage)).all()
        assert len(inbound) == 4 and {r.person_id for r in inbound} == {student.id}


def test_callback_from_a_stranger_is_still_answered(tg, database):
    response = tg.post(tg_callback(5007, "fa|1|AAAAAAAAAAA"))
    assert response.get_json()["method"] == "answerCallbackQuery"
    assert counts(database) == (1, 1)


def test_location_with_latitude_999_gets_a_polite_answer(tg, make, database, settings):
    student = make.student()
    link_chat(database, settings, student, 5008)
    update = tg_message(5008, location={"latitude": 999.0, "longitude": -119.4})
    assert tg.post(update).status_code == 200
    [row] = outbox(database)
    assert row.text.strip() and "Traceback" not in row.text
    with database.transaction() as s:
        assert s.scalar(select(InboundMessage)).payload == {"location": True}


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[]",
        b'"update"',
        b"{}",
        b'{"update_id": "x"}',
        b'{"update_id": 5, "message": 3}',
    ],
    ids=["broken", "list", "string", "empty", "bad-id", "bad-message"],
)
def test_malformed_json_is_acknowledged_and_kept_as_failed(tg, database, raw):
    """Telegram retries anything but a 2xx: an unusable update is acknowledged, kept, not run."""
    assert tg.post(None, raw=raw).status_code == 200
    assert tg.post(None, raw=raw).status_code == 200  # a retry keeps one row
    with database.transaction() as s:
        [row] = s.scalars(select(InboundMessage)).all()
        assert row.status == "failed" and row.text is None and row.channel == "telegram"
    assert counts(database) == (1, 0)


@pytest.mark.parametrize(
    "update",
    [
        {
            "update_id": 700001,
            "edited_message": {
                "message_id": 1,
                "date": 1795971600,
                "edit_date": 1795971700,
                "chat": {"id": 5009, "type": "private"},
                "text": "edited",
            },
        },
        {
            "update_id": 700002,
            "my_chat_member": {
                "chat": {"id": 5009, "type": "private"},
                "from": {"id": 5009, "is_bot": False, "first_name": "L"},
                "date": 1795971600,
                "old_chat_member": {
                    "user": {"id": 1, "is_bot": True, "first_name": "B"},
                    "status": "member",
                },
                "new_chat_member": {
                    "user": {"id": 1, "is_bot": True, "first_name": "B"},
                    "status": "kicked",
                    "until_date": 0,
                },
            },
        },
        {
            "update_id": 700003,
            "message": {
                "message_id": 2,
                "date": 1795971600,
                "chat": {"id": -100123, "type": "supergroup", "title": "Class 11B"},
                "from": {"id": 5009, "is_bot": False, "first_name": "L"},
                "text": "STATUS",
            },
        },
    ],
    ids=["edited", "blocked", "group"],
)
def test_updates_we_do_not_serve_are_acknowledged_and_ignored(tg, database, update):
    assert tg.post(update).status_code == 200
    assert counts(database) == (0, 0)


@pytest.mark.parametrize(
    "content",
    [
        {"text": ""},
        {"text": "🙂🎉👍"},
        {"text": "y" * 2000},
        {
            "sticker": {
                "file_id": "S1",
                "file_unique_id": "u",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
    ],
    ids=["empty", "emoji", "long", "sticker"],
)
def test_odd_messages_get_a_polite_answer_and_are_recorded(tg, make, database, settings, content):
    student = make.student()
    link_chat(database, settings, student, 5010)
    assert tg.post(tg_message(5010, **content)).status_code == 200
    inbound, replies = counts(database)
    assert inbound == 1 and replies == 1
    assert outbox(database)[0].text.strip()


def test_photo_and_document_are_recorded_as_attachments(tg, make, database, settings):
    student = make.student()
    link_chat(database, settings, student, 5011)
    photo = [
        {"file_id": "small", "file_unique_id": "a", "width": 90, "height": 90},
        {"file_id": "large", "file_unique_id": "b", "width": 1280, "height": 1280},
    ]
    tg.post(tg_message(5011, photo=photo, caption="my flyer"))
    doc = {"file_id": "D1", "file_unique_id": "c", "file_name": "audit.pdf"}
    tg.post(tg_message(5011, document=doc))
    with database.transaction() as s:
        rows = s.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        assert [r.payload for r in rows] == [{"attachment": "photo"}, {"attachment": "document"}]
        assert rows[0].text == "my flyer"


def test_sharing_ones_own_contact_links_by_roster_phone(tg, make, database):
    student = make.student(phone="+15595550177")
    contact = {"phone_number": "15595550177", "first_name": "Leah", "user_id": 5012}
    tg.post(tg_message(5012, contact=contact))
    [row] = outbox(database)
    assert "You're linked" in row.text
    with database.transaction() as s:
        assert (
            s.scalar(select(Contact).where(Contact.urn == "telegram:5012")).person_id == student.id
        )
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "link")) is not None


def test_sharing_someone_elses_contact_links_nothing(tg, make, database):
    make.student(phone="+15595550178")
    contact = {"phone_number": "+15595550178", "first_name": "Leah", "user_id": 999}
    tg.post(tg_message(5013, contact=contact))
    [row] = outbox(database)
    assert "your own contact" in row.text
    with database.transaction() as s:
        assert s.scalar(select(Contact).where(Contact.urn == "telegram:5013")) is None


def test_stop_on_telegram_confirms_once(tg, make, database, settings):
    student = make.student()
    link_chat(database, settings, student, 5014)
    tg.post(tg_message(5014, text="STOP"))
    tg.post(tg_message(5014, text="stop"))
    [row] = outbox(database)
    assert "unsubscribed" in row.text and row.extra.get("ignore_optout")


def _parse(update: dict) -> telegram.Update:
    return telegram.Update.de_json(update, None)


def test_update_to_inbound_maps_locations_faithfully():
    live = tg_message(
        42,
        update_id=1,
        location={
            "latitude": 36.6,
            "longitude": -119.4,
            "horizontal_accuracy": 12.5,
            "live_period": 900,
        },
    )
    inbound = update_to_inbound(_parse(live), NOW)
    assert inbound.urn == "telegram:42" and inbound.provider_id == "1"
    loc = inbound.location
    assert (loc.lat, loc.lon, loc.accuracy_m, loc.live, loc.forwarded, loc.via_bot) == (
        36.6,
        -119.4,
        12.5,
        True,
        False,
        False,
    )
    forwarded = tg_message(
        42,
        location={"latitude": 36.6, "longitude": -119.4},
        forward_origin={
            "type": "user",
            "date": 1795971000,
            "sender_user": {"id": 7, "is_bot": False, "first_name": "X"},
        },
        via_bot={"id": 8, "is_bot": True, "first_name": "GeoBot"},
    )
    loc = update_to_inbound(_parse(forwarded), NOW).location
    assert loc.forwarded and loc.via_bot and not loc.live and loc.accuracy_m is None


def test_update_to_inbound_maps_start_contact_and_callbacks():
    start = update_to_inbound(_parse(tg_message(42, text="/start K7P2QX9M")), NOW)
    assert start.text == "/start K7P2QX9M" and start.channel == "telegram"
    own = tg_message(42, contact={"phone_number": "+15595550100", "first_name": "L", "user_id": 42})
    assert update_to_inbound(_parse(own), NOW).contact_is_sender
    cb = update_to_inbound(_parse(tg_callback(42, "fa|3|abc", update_id=9)), NOW)
    assert (cb.payload, cb.message_ref, cb.provider_id, cb.text) == ("fa|3|abc", "42:77", "9", "")
    edited = {
        "update_id": 3,
        "edited_message": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": 42, "type": "private"},
            "text": "x",
        },
    }
    assert update_to_inbound(_parse(edited), NOW) is None


def test_translations_reach_the_telegram_channel(tg, make, database, settings):
    student = make.student(language="es")
    link_chat(database, settings, student, 5015)
    tg.post(tg_message(5015, text="qwerty"))
    [row] = outbox(database)
    assert row.text.startswith(translate("es", "Sorry, I didn't understand that."))
