"""NUL bytes and invalid Unicode at every door: cleaned, or refused with a 4xx, never a 500.

Findings 5 and 6 of the security review: on PostgreSQL a NUL in a filter, a decline reason
or an SMS's From/MessageSid was a 500; a Telegram update with a lone surrogate or 100k-deep
JSON was a 500 on both databases (and Telegram retries it forever).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.importers.roster import import_roster
from db.models import Application, InboundMessage, OutboxMessage, Person
from tests.support.district import copy_sample, edit_row, line_of
from tests.support.webhook_helpers import (
    Telegram,
    Twilio,
    build_app,
    channel_settings,
    count,
    counts,
    tg_message,
)
from tests.test_checkin import link
from tests.test_dashboard import _csrf, _pending_application, coordinator, login
from tests.test_student_work import onsite

__all__ = ["coordinator"]  # a fixture, imported for the dashboard tests


@pytest.fixture
def web(settings, database, clock):
    return build_app(channel_settings(settings), database, clock).test_client()


def test_a_lone_surrogate_from_telegram_is_cleaned_and_answered(web, make, database):
    make.student()
    raw = tg_message(5151, text="PLACEHOLDER")
    body = json.dumps(raw).replace("PLACEHOLDER", "hi\\ud800 there\\u0000")
    response = Telegram(web).post(None, raw=body.encode())
    assert response.status_code == 200
    with database.transaction() as s:
        row = s.scalar(select(InboundMessage))
        assert row.text == "hi\ufffd there" and row.status == "stranger"
        assert s.scalar(select(OutboxMessage.text)) is not None  # told how to join


def test_json_nested_100k_deep_is_acknowledged_and_kept_as_failed(web, database):
    deep = b'{"update_id": 7, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = Telegram(web).post(None, raw=deep)
    assert response.status_code == 200
    with database.transaction() as s:
        row = s.scalar(select(InboundMessage))
        assert row.status == "failed" and row.provider_id.startswith("body:")
        assert row.payload == {"error": "unreadable update"}


def test_a_telegram_chat_id_past_int64_is_kept_as_failed(web, database):
    response = Telegram(web).post(tg_message(10**30, update_id=31))
    assert response.status_code == 200
    with database.transaction() as s:
        row = s.scalar(select(InboundMessage))
        assert (row.provider_id, row.status) == ("31", "failed")
    assert count(database, OutboxMessage) == 0


def test_an_unsigned_telegram_update_is_still_refused_and_not_kept(settings, database, clock):
    client = build_app(channel_settings(settings), database, clock).test_client()
    assert Telegram(client, secret="wrong").post(None, raw=b"[" * 50_000).status_code == 403
    assert counts(database) == (0, 0)


@pytest.mark.parametrize("field", ["From", "MessageSid", "NumMedia", "To"])
def test_a_nul_in_an_sms_field_is_a_400_and_nothing_is_stored(web, make, database, field):
    student = make.student()
    twilio = Twilio(web)
    form = twilio.form(student.phone, "HELP")
    form[field] = form[field] + "\x00"
    assert twilio.post("/webhooks/twilio/sms", form).status_code == 400
    assert counts(database) == (0, 0)


def test_a_nul_in_the_sms_body_is_dropped_and_answered(web, make, database):
    student = make.student()
    response = Twilio(web).sms(student.phone, "HE\x00LP")
    assert response.status_code == 200 and b"<Message>" in response.data
    with database.transaction() as s:
        assert s.scalar(select(InboundMessage.text)) == "HELP"


def test_a_nul_in_a_status_callback_is_a_400(web):
    twilio = Twilio(web)
    assert twilio.status("SM\x00" + "1" * 32, "delivered").status_code == 400
    assert twilio.status("SM" + "1" * 32, "deliv\x00ered").status_code == 400


def test_check_in_and_slip_pages_refuse_a_nul(chat, make, web, database):
    student, _, _ = onsite(make)
    path = link(chat, student)
    assert web.get(path + "%00").status_code == 400
    assert web.post(path, data={"lat": "36.7\x00", "lon": "-119.7"}).status_code == 400
    assert web.get(path).status_code == 200  # the link was not spent
    assert web.get("/slip/1en%00abc").status_code == 400
    assert web.get("/consent/1/receipt?sig=%00").status_code == 400


def test_invalid_utf8_in_a_url_is_cleaned_not_a_500(web, chat, make):
    student, _, _ = onsite(make)
    assert web.get(link(chat, student) + "%ff%ed%a0%80").status_code == 404
    assert web.get("/slip/%ff%fe").status_code == 404


def test_dashboard_filter_and_decline_reason_refuse_a_nul(web, coordinator, make, database, clock):
    staff, school = coordinator
    student = make.student(school=school)
    opp = make.opportunity(remote=True)
    app_id = _pending_application(database, clock, student, opp)
    assert login(web).status_code == 302
    assert web.get("/dashboard/placements?status=%00").status_code == 400
    assert web.get("/dashboard/placements?status=%ff").status_code == 200
    token = _csrf(web, "/dashboard/applications")
    reason = {"decision": "decline", "reason": "no\x00", "csrf_token": token}
    assert web.post(f"/dashboard/applications/{app_id}", data=reason).status_code == 400
    login_form = {"email": "a@b.c\x00", "password": "x", "csrf_token": token}
    assert web.post("/dashboard/login", data=login_form).status_code == 400
    with database.transaction() as s:
        assert s.get(Application, app_id).status == "pending"


def test_a_nul_in_a_roster_cell_is_removed_and_reported(database, clock, tmp_path):
    folder = copy_sample(tmp_path / "nul")
    edit_row(folder, "users.csv", "student-6", givenName="Ma\x00ya")
    report = import_roster(database, folder, now=clock.now())
    line = line_of(folder, "users.csv", "student-6")
    assert f"users.csv:{line}: givenName: NUL character removed" in report.render()
    with database.transaction() as s:
        person = s.scalar(select(Person).where(Person.sourced_id == "student-6"))
        assert person is not None and person.given_name == "Maya"


def test_a_utf16_roster_is_read_as_utf16(database, clock, tmp_path):
    folder = copy_sample(tmp_path / "utf16")
    users = folder / "users.csv"
    users.write_bytes(users.read_text().encode("utf-16"))
    report = import_roster(database, folder, now=clock.now())
    assert "users.csv" not in report.render()
    with database.transaction() as s:
        assert s.scalar(select(Person).where(Person.sourced_id == "student-6")) is not None


def test_a_nan_location_from_telegram_is_an_impossible_point():
    import telegram

    from bot.handlers.telegram import update_to_inbound
    from tests.test_webhooks_telegram import NOW

    raw = json.dumps(tg_message(42, location={"latitude": 1.0, "longitude": 2.0}))
    for bad in ("NaN", "Infinity"):
        data = json.loads(raw.replace("1.0", bad))
        inbound = update_to_inbound(telegram.Update.de_json(data, None), NOW)
        assert (inbound.location.lat, inbound.location.lon) == (999.0, 999.0)
