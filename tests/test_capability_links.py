"""Capability links and invite codes (findings 7 and 8): slips expire when their request
closes; codes are throttled per chat and per code and stored with a keyed hash."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.context import Context
from bot.services import link_throttle, linking
from bot.services.consent_docs import slip_token
from db.models import Contact, LinkCode, LinkThrottle
from tests.support.webhook_helpers import Telegram, build_app, channel_settings, tg_message
from tests.test_consent_support import approve, family, guardians, request_of

WRONG = [f"WRNG{n:04d}" for n in range(1, 30)]


@pytest.fixture
def tg(settings, database, clock):
    return Telegram(build_app(channel_settings(settings), database, clock).test_client())


def invite(database, settings, clock, person) -> str:
    with database.transaction() as s:
        return linking.create_invite(Context(s, settings, clock.now()), person.id)


def replies(database, urn: str) -> list[str]:
    from db.models import OutboxMessage

    with database.transaction() as s:
        return list(
            s.scalars(
                select(OutboxMessage.text)
                .where(OutboxMessage.urn == urn)
                .order_by(OutboxMessage.id)
            )
        )


def linked(database, urn: str) -> int | None:
    with database.transaction() as s:
        return s.scalar(select(Contact.person_id).where(Contact.urn == urn))


def test_eleven_wrong_codes_then_the_right_one_is_refused_for_the_hour(
    tg, make, database, settings, clock
):
    student = make.student(given_name="Leah")
    code = invite(database, settings, clock, student)
    for wrong in WRONG[:11]:
        assert tg.post(tg_message(6001, text=f"/start {wrong}")).status_code == 200
    tg.post(tg_message(6001, text=f"/start {code}"))
    said = replies(database, "telegram:6001")
    assert all("didn't work" in t for t in said[:10])
    assert "Too many codes" in said[-1] and "demasiados" in said[-1]
    assert linked(database, "telegram:6001") is None
    clock.advance(minutes=59)
    tg.post(tg_message(6001, text=f"/start {code}"))
    assert "Too many codes" in replies(database, "telegram:6001")[-1]
    assert linked(database, "telegram:6001") is None
    clock.advance(minutes=2)  # the hour that began with the first wrong code is over
    tg.post(tg_message(6001, text=f"/start {code}"))
    assert "You're linked, Leah" in replies(database, "telegram:6001")[-1]
    assert linked(database, "telegram:6001") == student.id


def test_a_throttled_chat_does_not_block_another_chat(tg, make, database, settings, clock):
    student = make.student()
    for wrong in WRONG[:12]:
        tg.post(tg_message(6002, text=f"/start {wrong}"))
    tg.post(tg_message(6003, text=f"/start {invite(database, settings, clock, student)}"))
    assert linked(database, "telegram:6003") == student.id


def test_one_code_tried_from_many_chats_is_refused_after_ten(tg, make, database, settings, clock):
    from db.models import Person

    student = make.student()
    code = invite(database, settings, clock, student)
    with database.transaction() as s:
        s.get(Person, student.id).active = False  # the code fails while the student is away
    for chat_id in range(7001, 7011):
        tg.post(tg_message(chat_id, text=f"/start {code}"))
    with database.transaction() as s:
        s.get(Person, student.id).active = True
    tg.post(tg_message(7011, text=f"/start {code}"))
    assert linked(database, "telegram:7011") is None  # the code itself is over its limit


def test_codes_are_stored_with_a_keyed_hash_and_old_unkeyed_ones_still_work(
    tg, make, database, settings, clock
):
    student, other = make.student(given_name="Leah"), make.student(given_name="Maya")
    code = invite(database, settings, clock, student)
    with database.transaction() as s:
        stored = s.scalar(select(LinkCode.code_sha256).where(LinkCode.person_id == student.id))
        assert stored != hashlib.sha256(code.encode()).hexdigest()
        assert stored == link_throttle.keyed(settings.secret_key, "link-code", code)
        s.add(  # a code issued before migration 0003: plain SHA-256
            LinkCode(
                code_sha256=hashlib.sha256(b"OLDCODE7").hexdigest(),
                person_id=other.id,
                expires_at=clock.now() + timedelta(days=3),
                created_at=clock.now(),
            )
        )
    tg.post(tg_message(6101, text="/start oldcode7"))
    assert linked(database, "telegram:6101") == other.id
    tg.post(tg_message(6102, text=f"/start {code}"))
    assert linked(database, "telegram:6102") == student.id


def test_old_counts_are_swept(make, database, settings, clock):
    from bot.jobs import SWEEPS

    with database.transaction() as s:
        ctx = Context(s, settings, clock.now())
        assert link_throttle.admit(ctx, "telegram:1", "ABCDEFGH")
    with database.transaction() as s:
        SWEEPS["linking.throttle"](Context(s, settings, clock.now() + timedelta(minutes=61)))
    with database.transaction() as s:
        assert s.scalar(select(func.count()).select_from(LinkThrottle)) == 0


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_slip_link_expires_when_its_request_closes(
    database, settings, clock, make, client, chat, lang
):
    student, _c, opp = family(make)
    pid = approve(database, settings, clock, student, opp)
    req = request_of(database, pid)
    path = f"/slip/{slip_token(settings, req.id, lang)}"
    assert client.get(path).status_code == 200
    [guardian] = guardians(database, student.id)
    chat.send(guardian, f"YES {req.code}")
    assert request_of(database, pid).closed_at is not None
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 410 and page.headers["Cache-Control"] == "no-store"
    assert ("has expired" if lang == "en" else "ya venció") in html
    assert "Photograph" not in html and req.code not in html


def test_a_burst_of_parallel_guesses_gets_exactly_ten_tries(database, engine, clock):
    """300 wrong codes in 1.6 s was the finding: parallel attempts each get their own count."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.messages import Inbound

    def guess(n: int) -> str:
        inbound = Inbound(
            channel="telegram",
            urn="telegram:6500",
            provider_id=f"burst{n}",
            received_at=clock.now(),
            text=f"/start {WRONG[n % len(WRONG)]}",
        )
        [reply] = engine.receive(database, inbound).outbox
        return reply.text

    with ThreadPoolExecutor(max_workers=8) as pool:
        said = list(pool.map(guess, range(30)))
    assert sum("didn't work" in t for t in said) == link_throttle.LIMIT
    assert sum("Too many codes" in t for t in said) == 30 - link_throttle.LIMIT
