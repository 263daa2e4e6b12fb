"""The whole student journey over the real webhooks, with the sample district.

A student finds an on-site opportunity, applies, is approved (`approve_by_ids`, what
`wbl approve` runs), the paperwork is completed (a guardian's YES, or the student's own
at 18+, and the student's AGREE), clocks in at the site, clocks out, logs remote hours,
submits a deliverable and sees it all in STATUS. SMS in English (signed Twilio posts,
TwiML replies, the check-in page); Telegram in Spanish (Update JSON, locations).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot import kinds
from bot.cli import approve_by_ids
from bot.kinds import Proof
from db.models import (
    Application,
    ConsentRequest,
    Deliverable,
    Opportunity,
    OutboxMessage,
    Placement,
    Site,
    TimeEntry,
)
from tests.support.webhook_helpers import (
    Telegram,
    Twilio,
    build_app,
    channel_settings,
    tg_message,
    twiml_messages,
)
from tests.test_student_work import away, rows


@pytest.fixture
def app(settings, database, clock):
    return build_app(channel_settings(settings), database, clock)


def sms(twilio: Twilio, phone: str, text: str) -> str:
    response = twilio.sms(phone, text)
    assert response.status_code == 200
    return "\n".join(twiml_messages(response))


def last_text(database, person_id: int) -> str:
    return rows_for(database, person_id)[-1].text


def rows_for(database, person_id: int) -> list[OutboxMessage]:
    with database.transaction() as s:
        found = list(
            s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.person_id == person_id)
                .order_by(OutboxMessage.id)
            )
        )
        s.expunge_all()
        return found


def onsite_number(database, listing: str) -> int | None:
    """The list number of the first opportunity in a FIND listing whose hours are clocked
    at a site whenever the student comes (a class firm's hours are approved by its
    facilitator instead; a school business clocks in only against a taken shift)."""
    with database.transaction() as s:
        titles = {
            o.title: o.site_id
            for o in s.scalars(select(Opportunity))
            if kinds.get(o.kind).proof(o.remote, o.site_id is not None) is Proof.GEOFENCE
            and kinds.get(o.kind).clock_slots is None
        }
    for n, shown in re.findall(r"^(\d+)\) (.+?) - ", listing, re.M):
        prefix = shown.removesuffix("...")
        if any(t.startswith(prefix) and site for t, site in titles.items()):
            return int(n)
    return None


def apply_onsite(database, say) -> None:
    """FIND (and MORE) until an on-site opportunity shows, then APPLY to it."""
    listing = say("FIND")
    for _ in range(5):
        n = onsite_number(database, listing)
        if n is not None:
            say(f"APPLY {n}")
            return
        listing = say("MORE")
    raise AssertionError("no on-site opportunity offered")


def approve_and_sign(app, database, district, sourced_id: str, twilio: Twilio) -> Placement:
    """The coordinator approves; the permission is signed by SMS (guardian, or self at 18+)."""
    runtime = app.extensions["wbl"]
    student = district.person(sourced_id)
    with database.transaction() as s:
        opp_id = s.scalar(select(Application.opportunity_id))
        external = s.get(Opportunity, opp_id).external_id
    assert approve_by_ids(runtime, sourced_id, external).startswith("approved")
    with database.transaction() as s:
        request = s.scalar(select(ConsentRequest))
        code, signer = request.code, request.signer
    phone = student.phone if signer == "self" else district.guardians_of(sourced_id)[0].phone
    sms(twilio, phone, f"YES {code}")
    with database.transaction() as s:
        placement = s.scalar(select(Placement))
        s.expunge(placement)
        return placement


def site_of(database, placement: Placement) -> tuple[float, float]:
    with database.transaction() as s:
        site = s.get(Site, s.get(Opportunity, placement.opportunity_id).site_id)
        return site.lat, site.lon


def test_sms_student_does_the_whole_journey(app, district, database, clock):
    twilio = Twilio(app.test_client())
    client = app.test_client()
    leah = district.person("student-1")
    apply_onsite(database, lambda text: sms(twilio, leah.phone, text))
    placement = approve_and_sign(app, database, district, "student-1", twilio)
    assert "can't start" in sms(twilio, leah.phone, "IN")  # the AGREE is still missing
    agreed = sms(twilio, leah.phone, "AGREE")
    assert "You're all set" in agreed
    site = site_of(database, placement)

    link = sms(twilio, leah.phone, "IN")
    path = re.search(r"https://wbl\.example\.test(/checkin/\S+)", link).group(1)
    assert "Clock in now" in client.get(path).get_data(as_text=True)
    lat, lon = away(20, origin=site)
    page = client.post(path, data={"lat": str(lat), "lon": str(lon), "accuracy": "9"})
    assert page.status_code == 200 and "Location checked" in page.get_data(as_text=True)
    assert "Location checked" in last_text(database, leah.id)  # the SMS receipt too

    clock.advance(hours=2, minutes=5)
    link = sms(twilio, leah.phone, "OUT")
    path = re.search(r"(/checkin/\S+)", link).group(1)
    page = client.post(path, data={"lat": str(site[0]), "lon": str(site[1]), "accuracy": "30"})
    assert ": 2 h. Location checked." in page.get_data(as_text=True)

    logged = sms(twilio, leah.phone, "LOG 1.5 researched competitors")
    assert "Logged 1.5 h" in logged
    submitted = sms(twilio, leah.phone, "SUBMIT https://docs.example.com/leah-photos")
    assert "sent to your supervisor" in submitted
    status = sms(twilio, leah.phone, "STATUS")
    assert "2 h approved, 1.5 h pending" in status
    assert "Work: sent, waiting for review." in status
    entries = rows(app.extensions["wbl"].database, TimeEntry)
    assert [(e.kind, e.status) for e in entries] == [("clock", "approved"), ("manual", "pending")]
    (d,) = rows(database, Deliverable)
    assert d.url == "https://docs.example.com/leah-photos" and d.supervisor_notified_at is None


def test_telegram_student_does_the_journey_in_spanish(app, district, database, clock, make):
    twilio = Twilio(app.test_client())
    telegram = Telegram(app.test_client())
    kai = district.person("student-3")  # Spanish
    chat_id = 5550185
    urn = f"telegram:{chat_id}"
    from db.models import Contact

    make._save(Contact(urn=urn, scheme="telegram", person_id=kai.id, created_at=make.now))

    def say(text: str, **content) -> str:
        payload = {"text": text} if text else {}
        response = telegram.post(tg_message(chat_id, **payload, **content))
        assert response.status_code == 200
        return last_text(database, kai.id)

    apply_onsite(database, say)
    placement = approve_and_sign(app, database, district, "student-3", twilio)
    assert "Todo listo" in say("ACEPTO")
    site = site_of(database, placement)

    ask = rows_for(database, kai.id)
    assert "Comparte tu ubicación" in say("ENTRADA")
    assert rows_for(database, kai.id)[-1].extra.get("request_location")
    assert len(ask) < len(rows_for(database, kai.id))
    forwarded = {
        "type": "user",
        "date": 1795971000,
        "sender_user": {"id": 42, "is_bot": False, "first_name": "Otro"},
    }
    refused = say(
        "",
        location={"latitude": site[0], "longitude": site[1]},
        forward_origin=forwarded,
    )
    assert "reenviada" in refused
    lat, lon = away(25, origin=site)
    receipt = say("", location={"latitude": lat, "longitude": lon, "horizontal_accuracy": 15})
    assert receipt.startswith("Entrada en ") and "Ubicación verificada" in receipt

    clock.advance(hours=3)
    say("SALIDA")
    out = say("", location={"latitude": site[0], "longitude": site[1], "horizontal_accuracy": 8})
    assert ": 3 h. Ubicación verificada." in out
    assert "Anotamos 1,5 h" in say("HORAS 1,5 investigué la competencia")
    assert "Envía tu trabajo" in say("ENTREGAR")
    doc = {"file_id": "BQACAgIAAxkBAAIC", "file_unique_id": "AgADx", "file_name": "menu.pdf"}
    assert say("", document=doc).startswith("¡Listo!")
    status = say("ESTADO")
    assert "3 h aprobadas, 1,5 h pendientes" in status
    assert "Trabajo: enviado, en revisión." in status
    (d,) = rows(database, Deliverable)
    assert d.file_ref == "document:BQACAgIAAxkBAAIC"
