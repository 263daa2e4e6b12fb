"""A sample-district student finds, applies and is approved over the real webhooks.

SMS: signed Twilio posts in, TwiML out. Telegram: Update JSON with the secret header in,
inline buttons (signed payloads) in the outbox. Approval: the real `wbl approve` command.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.cli import main
from db.models import Application, OutboxMessage, Placement
from tests.support.webhook_helpers import (
    Telegram,
    Twilio,
    build_app,
    channel_settings,
    tg_callback,
    tg_message,
    twiml_messages,
)


@pytest.fixture
def app(settings, database, clock):
    return build_app(channel_settings(settings), database, clock)


@pytest.fixture
def wbl(monkeypatch, database, clock, capsys):
    """`wbl ...` on the test database, on the test clock (the sample term is Dec 2026)."""
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    monkeypatch.setattr("bot.runtime.SystemClock", lambda: clock)

    def run(*argv: str) -> tuple[int, str]:
        code = main(list(argv))
        return code, capsys.readouterr().out.strip()

    return run


def _outbox(database, person_id):
    with database.transaction() as s:
        rows = s.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.person_id == person_id)
            .order_by(OutboxMessage.id)
        ).all()
        s.expunge_all()
        return rows


def _sms(twilio, phone, text):
    response = twilio.sms(phone, text)
    assert response.status_code == 200
    return "\n".join(twiml_messages(response))


def test_sms_student_finds_applies_and_is_told_what_is_missing(app, district, database, wbl):
    twilio = Twilio(app.test_client())
    leah = district.person("student-1")  # no car, lives in Cedar Valley, likes marketing
    listing = _sms(twilio, leah.phone, "FIND")
    assert listing.startswith("Opportunities for you (1-3 of ")
    assert "needs a ride" not in listing  # the best three are ones she can reach
    details = _sms(twilio, leah.phone, "1")
    assert details.startswith("1) ") and "APPLY 1" in details
    applied = _sms(twilio, leah.phone, "APPLY 1")
    assert applied.startswith("Applied for ")
    with database.transaction() as s:
        application = s.scalar(select(Application).where(Application.student_id == leah.id))
        opp_id = application.opportunity_id
    opp = next(o for o in district.opportunities if o.id == opp_id)

    code, out = wbl("approve", "student-1", opp.external_id)
    assert code == 0 and out.startswith("approved: student-1 for ")
    notice = next(m for m in _outbox(database, leah.id) if m.text.startswith("Approved!"))
    assert notice.urn == f"tel:{leah.phone}"
    assert f"Approved! {opp.title}" in notice.text
    assert "To start: permission from a parent or guardian" in notice.text
    assert "reply AGREE" in notice.text
    with database.transaction() as s:
        assert s.scalar(select(Placement.status)) == "paperwork"
    # her guardian is asked for permission (the consent service's message)
    guardian = district.guardians_of("student-1")[0]
    assert _outbox(database, guardian.id), "the guardian gets the permission request"
    # and STATUS/FIND keep working afterwards
    again = _sms(twilio, leah.phone, "FIND")
    assert "already have a placement" in again


def test_spanish_sms_student_finds_applies_and_is_approved(app, district, database, wbl):
    twilio = Twilio(app.test_client())
    kai = district.person("student-3")  # metadata.wbl.language = es, no car
    listing = _sms(twilio, kai.phone, "buscar")
    assert listing.startswith("Oportunidades para ti (1-3 de ")
    assert "Responde 1-3 para detalles" in listing and "MAS" in listing
    assert "Entrega:" in _sms(twilio, kai.phone, "2")
    assert _sms(twilio, kai.phone, "aplicar 2").startswith("Solicitaste ")
    with database.transaction() as s:
        opp_id = s.scalar(select(Application.opportunity_id))
    opp = next(o for o in district.opportunities if o.id == opp_id)
    code, out = wbl("approve", "student-3", opp.external_id)
    assert code == 0, out
    notice = next(m for m in _outbox(database, kai.id) if "Aprobado" in m.text)
    assert notice.text.startswith(f"¡Aprobado! {opp.title}")
    assert "Para empezar falta:" in notice.text and "ACEPTO" in notice.text.upper()


def test_telegram_student_uses_buttons(app, district, database, make):
    telegram = Telegram(app.test_client())
    leah = district.person("student-1")
    make.telegram_contact(leah, 5550148)
    assert telegram.post(tg_message(5550148, text="FIND")).status_code == 200
    listing = _outbox(database, leah.id)[-1]
    assert listing.channel == "telegram" and listing.text.startswith("Opportunities for you")
    labels = {b["label"]: b["payload"] for row in listing.buttons for b in row}
    assert telegram.post(tg_callback(5550148, labels["2: details"])).status_code == 200
    details = _outbox(database, leah.id)[-1]
    assert details.text.startswith("2) ")
    apply = {b["label"]: b["payload"] for row in details.buttons for b in row}["Apply 2"]
    assert telegram.post(tg_callback(5550148, apply)).status_code == 200
    assert _outbox(database, leah.id)[-1].text.startswith("Applied for ")
    with database.transaction() as s:
        assert s.scalar(select(Application.status)) == "pending"
    # a replayed button press applies nothing twice
    telegram.post(tg_callback(5550148, apply))
    assert "already applied" in _outbox(database, leah.id)[-1].text
