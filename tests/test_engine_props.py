"""Property test: random event sequences from a few people never break the engine.

Invariants after every event: handle_inbound never raises (so `Engine.receive` never needs
its catch-all, and no inbound ends `failed`); each inbound is recorded exactly once; every
conversation sits in a declared state of its flow's machine; every outbox row has an
address and a non-empty text; a repeated provider id queues nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot import payloads
from bot.flows import registry
from bot.keywords import SYNONYMS
from bot.messages import Attachment, Inbound, Location
from db.models import Conversation, InboundMessage, OutboxMessage

_ids = itertools.count(1)
WHO = ("student", "guardian", "supervisor", "stranger")
PHRASES = [
    *SYNONYMS,
    "APPLY 2",
    "APPLY 99",
    "YES 4821",
    "NO 4821",
    "REVOKE 4821",
    "545434",
    "A 3",
    "R 3 late twice",
    "LOG 1.5 made the flyer",
    "SUBMIT https://docs.example.org/flyer",
    "FIND virtual",
    "Español",
    "/start ABCD2345",
    "sí",
    "¿qué?",
]
# No NUL (PostgreSQL text cannot hold it; the adapters strip it) and no lone surrogates.
TEXT_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
texts = st.one_of(
    st.sampled_from(PHRASES),
    st.sampled_from(PHRASES).map(str.lower),
    st.integers(-10, 10**12).map(str),
    st.text(TEXT_CHARS, max_size=40),
    st.sampled_from(["🙂", "👍🏽🎉", "🇲🇽 hola", "x" * 2000, "ñ" * 1700, "", "   "]),
)
coords = st.floats(allow_nan=True, allow_infinity=True, width=64)
locations = st.builds(
    Location,
    lat=st.one_of(st.floats(-90, 90), st.sampled_from([999.0, -999.0, 0.0]), coords),
    lon=st.one_of(st.floats(-180, 180), st.sampled_from([-160.0, 999.0]), coords),
    accuracy_m=st.one_of(st.none(), st.floats(0, 100_000)),
    live=st.booleans(),
    forwarded=st.booleans(),
    via_bot=st.booleans(),
)
ACTIONS = ["fa", "fd", "r", "c", "ts", "x", ""]


@dataclass
class Event:
    who: str
    text: str = ""
    payload: str | None = None
    forge_for: str | None = None  # sign a payload for someone else (or for the sender)
    location: Location | None = None
    denied: bool = False
    attachment: Attachment | None = None
    repeat: bool = False  # re-deliver the previous provider id


events = st.builds(
    Event,
    who=st.sampled_from(WHO),
    text=texts,
    payload=st.one_of(st.none(), st.text(TEXT_CHARS, max_size=70)),
    forge_for=st.one_of(st.none(), st.sampled_from(WHO[:3])),
    location=st.one_of(st.none(), locations),
    denied=st.booleans(),
    attachment=st.one_of(
        st.none(),
        st.builds(
            Attachment,
            kind=st.sampled_from(["photo", "document", "file"]),
            ref=st.text(TEXT_CHARS, min_size=1, max_size=80),
            name=st.one_of(st.none(), st.text(TEXT_CHARS, max_size=40)),
        ),
    ),
    repeat=st.booleans(),
)


@pytest.fixture
def people(make):
    school = make.school()
    student = make.student(school=school, guardians=0)
    guardian = make.guardian_of(student)
    employer = make.employer()
    make.staff(school=school)
    opp = make.opportunity(employer)
    return {"student": student.id, "guardian": guardian.id, "supervisor": opp.supervisor_id}


def urn_of(make_db, people, who: str) -> str:
    if who == "stranger":
        return "tel:+15595550999"
    from db.models import Contact

    with make_db.transaction() as s:
        return s.scalar(select(Contact.urn).where(Contact.person_id == people[who]))


def to_inbound(event: Event, urn: str, people, secret: str, now, provider_id: str) -> Inbound:
    payload = event.payload
    if event.forge_for is not None and payload is not None:
        action = ACTIONS[len(payload) % len(ACTIONS)] or "fa"
        payload = payloads.sign(secret, people[event.forge_for], action, len(payload))
    return Inbound(
        channel="sms",
        urn=urn,
        provider_id=provider_id,
        received_at=now,
        text=event.text,
        payload=payload,
        location=event.location,
        location_denied=event.denied,
        attachment=event.attachment,
    )


def check_invariants(session, provider_id: str) -> None:
    recorded = session.scalar(
        select(func.count())
        .select_from(InboundMessage)
        .where(InboundMessage.channel == "sms", InboundMessage.provider_id == provider_id)
    )
    assert recorded == 1
    status = session.scalar(
        select(InboundMessage.status).where(InboundMessage.provider_id == provider_id)
    )
    assert status != "failed", "an unexpected error was caught by the engine's boundary"
    for conv in session.scalars(select(Conversation)):
        flow = registry.flow(conv.flow) if conv.flow else None
        if flow is None:
            assert conv.flow == "" and conv.state == "idle", (conv.flow, conv.state)
        else:
            assert conv.state in flow.machine.states, (conv.flow, conv.state)
    for row in session.scalars(select(OutboxMessage)):
        assert row.urn and row.urn != "none:" and ":" in row.urn
        assert row.text and row.text.strip()


@hypothesis_settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(events, min_size=1, max_size=8))
def test_random_event_sequences_keep_the_engine_invariants(
    sequence, people, database, engine, clock, settings
):
    last_id = None
    for event in sequence:
        urn = urn_of(database, people, event.who)
        provider_id = last_id if (event.repeat and last_id) else f"P{next(_ids)}"
        inbound = to_inbound(event, urn, people, settings.secret_key, clock.now(), provider_id)
        with database.transaction() as s:
            outcome = engine.handle_inbound(s, inbound)
            if provider_id == last_id:
                assert outcome.duplicate and outcome.outbox == []
            else:
                assert not outcome.duplicate and outcome.inbound_id is not None
            s.flush()
            check_invariants(s, provider_id)
        last_id = provider_id
        clock.advance(minutes=7)
