"""The café over the real webhooks with the sample district: SMS (signed Twilio posts,
TwiML replies) in English, Telegram (Update JSON, a shared location) in Spanish — SHIFTS,
TAKE, IN against the shift at the school's geofence, OUT asking for SALES, SALES, STOCK."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Contact, OutboxMessage, Sale, ShiftTake, Site, StockCount
from tests.support.webhook_helpers import Telegram, Twilio, tg_message, twiml_messages
from tests.test_student_work_e2e import app  # noqa: F401 - the webhooks with channels on


def _last(database, person_id: int) -> str:
    with database.transaction() as s:
        return str(
            s.scalars(
                select(OutboxMessage.text)
                .where(OutboxMessage.person_id == person_id)
                .order_by(OutboxMessage.id.desc())
            ).first()
        )


def test_sms_student_takes_a_cafe_shift_in_english(
    app,  # noqa: F811
    district,
    make,
    database,
):
    twilio = Twilio(app.test_client())
    rosa = district.person("student-1")
    make.placement(rosa, district.opportunity("opp-13"))

    def sms(text: str) -> str:
        response = twilio.sms(rosa.phone, text)
        assert response.status_code == 200
        return "\n".join(twiml_messages(response))

    listing = sms("shifts")
    assert "Open shifts" in listing and "1) Tue Dec 1 12:10 PM" not in listing  # the help desk's
    assert "Wed Dec 2 7:15 AM" in listing
    assert "You're on Morning cafe" in sms("TAKE 1")
    assert "Your shifts:\n1) Wed Dec 2 7:15 AM" in sms("SHIFTS")
    assert "IN opens 15 minutes before" in sms("IN")
    assert "overlaps" not in sms("TAKE 2")
    with database.transaction() as s:
        assert list(s.scalars(select(ShiftTake.status))) == ["taken", "taken"]


def test_telegram_student_works_a_till_shift_in_spanish(
    app,  # noqa: F811
    district,
    make,
    database,
    clock,
):
    telegram = Telegram(app.test_client())
    kai = district.person("student-3")  # Spanish
    assert kai.language == "es"
    opp = district.opportunity("opp-13")
    make.placement(kai, opp)
    chat_id = 5550186
    make._save(
        Contact(urn=f"telegram:{chat_id}", scheme="telegram", person_id=kai.id, created_at=make.now)
    )

    def say(text: str = "", **content) -> str:  # type: ignore[no-untyped-def]
        payload = {"text": text} if text else {}
        assert telegram.post(tg_message(chat_id, **payload, **content)).status_code == 200
        return _last(database, kai.id)

    assert "Turnos libres" in say("TURNOS")
    assert "mié 2 dic 7:15" in say("TOMAR 1")
    clock.advance(hours=22, minutes=5)  # Wed 07:05
    assert "ubicación" in say("ENTRADA")
    with database.transaction() as s:
        site = s.get(Site, opp.site_id)
        door = {"latitude": site.lat, "longitude": site.lon, "horizontal_accuracy": 10}
    assert "Morning cafe" in say(location=door)
    clock.advance(hours=1, minutes=5)
    assert "ubicación" in say("SALIDA")
    receipt = say(location=door)
    assert "VENTAS" in receipt and "1 h" in receipt
    assert "$98.40" in say("VENTAS 98,40")
    assert "muffins" in say("INVENTARIO muffins 8")
    assert "mínimo" in say("INVENTARIO muffins 8")
    with database.transaction() as s:
        assert [str(a) for a in s.scalars(select(Sale.amount))] == ["98.40"]
        assert len(list(s.scalars(select(StockCount.id)))) == 2
        assert list(s.scalars(select(ShiftTake.status))) == ["worked"]
