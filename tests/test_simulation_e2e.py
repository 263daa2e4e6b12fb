"""Firm members trade over the real webhooks with the sample district, on the pinned
clock: Leah (CVO) by signed Twilio SMS in English, Samuel (RBT) by Telegram Update JSON
in Spanish — every member command, a refusal each way, and a repeated MessageSid that is
paid once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import OutboxMessage
from tests.support.economy import balances, journal_agrees
from tests.support.webhook_helpers import (
    Telegram,
    Twilio,
    build_app,
    channel_settings,
    new_sid,
    tg_message,
    twiml_messages,
)

LEAH_PHONE = "+15595550148"
SAMUEL_CHAT = 555_000_111


@pytest.fixture
def wire(settings, database, clock, economy, make):
    app = build_app(channel_settings(settings), database, clock)
    make.telegram_contact(economy.rbt[0], SAMUEL_CHAT)
    client = app.test_client()
    return Twilio(client), Telegram(client)


def sms(twilio: Twilio, text: str, sid: str | None = None) -> str:
    response = twilio.sms(LEAH_PHONE, text, sid)
    assert response.status_code == 200
    return "\n".join(twiml_messages(response))


def telegram(tg: Telegram, database, person_id: int, text: str) -> str:
    with database.transaction() as s:
        mark = s.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) or 0
    assert tg.post(tg_message(SAMUEL_CHAT, text=text)).status_code == 200
    with database.transaction() as s:
        rows = s.scalars(
            select(OutboxMessage.text).where(
                OutboxMessage.id > mark, OutboxMessage.person_id == person_id
            )
        )
        return "\n".join(rows)


def test_members_trade_by_sms_and_telegram(wire, database, economy) -> None:
    twilio, tg = wire
    samuel = economy.rbt[0].id
    assert "CVO has $5,000.00 in the bank" in sms(twilio, "balance")
    assert "Invoice #1 to RBT for $1,250.00" in sms(twilio, "Invoice rbt $1,250 tents")
    assert "#1 RBT $1,250.00 tents" in sms(twilio, "INVOICES")
    assert "Esperando pago" not in telegram(tg, database, samuel, "SALDO")
    listed = telegram(tg, database, samuel, "facturas")
    assert "Por pagar" in listed and "#1 CVO $1,250.00" in listed
    assert "Pagado: $1,250.00 a CVO" in telegram(tg, database, samuel, "Pagar 1")
    assert "ya está pagada" in telegram(tg, database, samuel, "PAGAR #1")
    assert "Enviado: $20.50" in telegram(tg, database, samuel, "pagar CVO 20,5 gracias")
    assert "No alcanza el dinero" in telegram(tg, database, samuel, "PAGAR CVO 9999,99 x")
    assert "No entendí 9.999,99" in telegram(tg, database, samuel, "PAGAR CVO 9.999,99 x")
    assert "Invoice #2" in sms(twilio, "INVOICE RBT 40 lamps")
    assert "Tu facilitador decidirá" in telegram(tg, database, samuel, "reclamar 2 no llegaron")
    sid = new_sid()
    assert "Sent: $100.00 to RBT" in sms(twilio, "PAY RBT 100 deposit", sid)
    assert "Sent: $100.00 to RBT" in sms(twilio, "PAY RBT 100 deposit", sid)  # Twilio retried
    assert "There is no invoice #9" in sms(twilio, "PAY 9")
    assert "DISPUTE n reason" in sms(twilio, "DISPUTE")
    held = balances(database)
    assert held["CVO"] == 500_000 + 125_000 + 2_050 - 10_000
    assert held["RBT"] == 500_000 - 125_000 - 2_050 + 10_000
    assert journal_agrees(database)


def test_a_student_of_no_firm_is_told_politely(settings, database, clock, district) -> None:
    twilio = Twilio(build_app(channel_settings(settings), database, clock).test_client())
    response = twilio.sms(LEAH_PHONE, "PAY RBT 5 x")  # Leah is placed on no firm's team
    assert "members of a class firm" in "\n".join(twiml_messages(response))


def test_the_members_words_belong_to_no_other_command() -> None:
    from bot import kinds
    from bot.flows import student
    from bot.keywords import SYNONYMS

    mine = set(kinds.get("simulation").commands)
    assert {"BALANCE", "INVOICES", "INVOICE", "PAY", "DISPUTE"} <= mine
    taken = set(SYNONYMS) | student.FIND_WORDS | student.SIGN_WORDS | set(student.WORK_WORDS)
    assert mine & taken == set()
