"""Conversation scripts as data: a journey is a table of steps run against the real engine.

    Script("find and apply", catalog, lang="en", steps=[
        Step("student", "FIND", Means("{title}", "APPLY 1", lang="en"), state="browsing"),
        Step("student", "APPLY 1", Means("{title}"), db=applications(1, "pending")),
    ])

A step is who acts, on which channel (`sms`, `telegram`), what they send (a text, a
`Press` of a button from a message they got, a `Location`, an `Attachment`, a `Tap`
signed by the runner, a raw `Payload`, or an `Act` done outside the chat such as a
coordinator's approval), what the reply must mean (`Means`: key facts, keywords it invites, its
language; or `Silent`), the conversation state after, and what the database holds after
(`db=`, tests/support/script_checks.py; a step without one asserts nothing changed).
`{name}` in any text is replaced by `world.facts[name]`; `grab=` reads facts out of a
reply (the consent code a guardian is sent, say). The clock is pinned (tests/conftest.py
T0) and moves only by `wait=`. `SCRIPT_TRACE=1 pytest -s -k <script>` prints the
conversation as it runs.

Every step also checks what must always hold: the engine did not fall back to its
apology, and a reply exists unless `Silent` says otherwise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text

from bot import payloads
from bot.clock import FixedClock
from bot.context import Context
from bot.engine import Engine
from bot.messages import Attachment, Inbound, Location
from bot.settings import Settings
from db.models import Contact, Conversation, InboundMessage, OutboxMessage, Person
from db.session import Database
from tests.support.factories import Factory
from tests.support.meaning import fold, language_of

SCHEME = {"sms": "tel", "telegram": "telegram"}  # channel -> URN scheme (add new channels here)


# --- what a person sends -----------------------------------------------------------------
@dataclass(frozen=True)
class Press:
    """Press the button whose label contains `label` on the newest message that has one
    (scrolling up, as a person would); `row` (from 1) when rows repeat labels (ratings).

    Telegram sends its signed payload; SMS types the button's keyword (`sms`)."""

    label: str
    row: int | None = None


@dataclass(frozen=True, init=False)
class Tap:
    """A button payload the runner signs: `Tap("fa", "{opp}")`, for the sender or for
    `signed_for` another role (a button taken from someone else's chat)."""

    action: str
    args: tuple[str, ...]
    signed_for: str | None

    def __init__(self, action: str, *args: object, signed_for: str | None = None) -> None:
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "args", tuple(str(a) for a in args))
        object.__setattr__(self, "signed_for", signed_for)


@dataclass(frozen=True)
class Payload:
    """Raw button data, exactly as given (a forged or garbled payload)."""

    data: str


@dataclass(frozen=True)
class Act:
    """Something done outside the chat (a coordinator's approval, the worker's pass): fn(world)."""

    fn: Callable[[World], Any]
    what: str = ""


Send = str | Press | Tap | Payload | Location | Attachment | Act


# --- what the reply must mean ------------------------------------------------------------
@dataclass(frozen=True, init=False)
class Means:
    """One message to `to` (default: the sender) holding every fragment in `has`.

    Fragments match case-, accent- and spacing-insensitively after `{fact}` substitution.
    `lang` checks the message's language by its function words; `lacks` must not appear;
    `asks_location` / `buttons` check the message's shape."""

    has: tuple[str, ...] = ()
    to: str | None = None
    lang: str | None = None
    lacks: tuple[str, ...] = ()
    asks_location: bool | None = None
    buttons: bool | None = None

    def __init__(self, *has: str, **kw: Any) -> None:
        object.__setattr__(self, "has", has)
        for name in ("to", "lang", "asks_location", "buttons"):
            object.__setattr__(self, name, kw.pop(name, None))
        object.__setattr__(self, "lacks", tuple(kw.pop("lacks", ())))
        if kw:
            raise TypeError(f"Means: unknown {sorted(kw)}")


@dataclass(frozen=True)
class Silent:
    """No message at all to `to` (default: the sender)."""

    to: str | None = None


Check = Callable[["World"], Any]


@dataclass(frozen=True)
class Step:
    who: str
    send: Send = ""
    expect: Means | Silent | tuple[Means | Silent, ...] = ()
    channel: str = "sms"
    state: str | None = None  # "browsing", or "flow:state"
    db: Check | tuple[Check, ...] = ()  # none given: nothing in the domain may change
    grab: dict[str, str] = field(default_factory=dict)  # fact -> regex (group 1) on the reply
    wait: timedelta | None = None  # move the pinned clock first


@dataclass(frozen=True)
class Script:
    name: str
    cast: Callable[[World], None]  # makes the people (world.people) and facts
    steps: Sequence[Step]
    lang: str = "en"
    xfail: str | None = None  # a known bug: the reason (the runner marks it strict)

    @property
    def id(self) -> str:
        return f"{self.lang}-{self.name.replace(' ', '-')}"


# --- the world a script runs in ----------------------------------------------------------
@dataclass
class World:
    database: Database
    settings: Settings
    clock: FixedClock
    engine: Engine
    make: Factory
    lang: str
    people: dict[str, Person] = field(default_factory=dict)
    strangers: dict[str, str] = field(default_factory=dict)  # role -> URN nobody owns (yet)
    facts: dict[str, Any] = field(default_factory=dict)
    seen: dict[str, list[OutboxMessage]] = field(default_factory=dict)  # role -> all they got
    before: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)  # domain snapshot
    provider_ids: int = 0

    def person(self, role: str) -> Person:
        return self.people[role]

    def fill(self, value: str) -> str:
        """Replace `{fact}` by its value; other braces are left alone."""
        return re.sub(
            r"\{(\w+)\}",
            lambda m: str(self.facts[m.group(1)]) if m.group(1) in self.facts else m.group(0),
            value,
        )

    @contextmanager
    def staff(self) -> Iterator[Context]:
        """A coordinator's unit of work at the pinned instant (one transaction)."""
        with self.database.transaction() as session:
            yield Context(session, self.settings, self.clock.now(), actor="staff:script")


# --- matching ----------------------------------------------------------------------------
def _fails(means: Means, world: World, msg: OutboxMessage) -> list[str]:
    body = fold(msg.text + " " + " ".join(_labels(msg)))
    why = [f"missing {f!r}" for f in means.has if fold(world.fill(f)) not in body]
    why += [f"has {f!r}" for f in means.lacks if fold(world.fill(f)) in body]
    if means.lang is not None and language_of(msg.text) != means.lang:
        why.append(f"language {language_of(msg.text)} != {means.lang}")
    asked = bool((msg.extra or {}).get("request_location"))
    if means.asks_location is not None and asked != means.asks_location:
        why.append(f"asks_location != {means.asks_location}")
    if means.buttons is not None and bool(msg.buttons) != means.buttons:
        why.append(f"buttons != {means.buttons}")
    return why


def _labels(msg: OutboxMessage) -> list[str]:
    return [b.get("label", "") for row in msg.buttons or [] for b in row]


# --- running -----------------------------------------------------------------------------
def run_script(script: Script, world: World) -> None:
    script.cast(world)
    for number, step in enumerate(script.steps, start=1):
        try:
            run_step(world, step)
        except AssertionError as err:
            raise AssertionError(f"step {number} ({step.who}: {_show(step.send)}): {err}") from err


def run_step(world: World, step: Step) -> None:
    if step.wait:
        world.clock.advance(seconds=step.wait.total_seconds())
    world.before = snapshot(world.database)
    with world.database.transaction() as s:
        mark = s.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) or 0
    inbound_id = _perform(world, step)
    if inbound_id is not None:
        status = _inbound_status(world, inbound_id)
        assert status != "failed", "the engine apologised: a flow raised"
    queued = _queued_since(world, mark)
    if os.environ.get("SCRIPT_TRACE"):  # pytest -s: see the conversation while writing one
        print(f"\n>> {step.who}/{step.channel}: {world.fill(_show(step.send))}")
        for m in queued:
            print(f"<< to {m.person_id} {m.urn}: {m.text!r} {_labels(m) or ''}")
    for role in [*world.people, *world.strangers]:
        world.seen.setdefault(role, []).extend(_to(world, queued, role))
    expects = step.expect if isinstance(step.expect, tuple) else (step.expect,)
    silent = any(isinstance(e, Silent) and e.to in (None, step.who) for e in expects)
    if not silent and not isinstance(step.send, Act):
        assert _to(world, queued, step.who), "no reply at all"
    for expect in expects:
        _check_expect(world, step, expect, queued)
    for fact, pattern in step.grab.items():
        texts = "\n".join(m.text for m in queued)
        found = re.search(pattern, texts)
        assert found, f"grab {fact}: {pattern!r} not in {texts!r}"
        world.facts[fact] = found.group(1)
    if step.state is not None:
        _check_state(world, step.who, step.state)
    checks = step.db if isinstance(step.db, tuple) else (step.db,)
    for check in checks or (unchanged(),):
        result = check(world)
        assert result is None or result is True, f"db check {getattr(check, '__name__', check)}"


def _perform(world: World, step: Step) -> int | None:
    send = step.send
    if isinstance(send, Act):
        send.fn(world)
        return None
    urn = world.strangers.get(step.who) or _urn(world, world.person(step.who), step.channel)
    kw: dict[str, Any] = {}
    if isinstance(send, str):
        kw["text"] = world.fill(send)
    elif isinstance(send, Location):
        kw["location"] = send
    elif isinstance(send, Attachment):
        kw["attachment"] = send
    elif isinstance(send, Payload):
        kw["payload"] = send.data
    elif isinstance(send, Tap):
        signer = world.person(send.signed_for or step.who)
        args = [world.fill(str(a)) for a in send.args]
        kw["payload"] = payloads.sign(world.settings.secret_key, signer.id, send.action, *args)
    elif isinstance(send, Press):
        kw.update(_press(world, step, send))
    world.provider_ids += 1
    inbound = Inbound(
        channel=step.channel,
        urn=urn,
        provider_id=f"S{world.provider_ids}",
        received_at=world.clock.now(),
        message_ref="1:1" if step.channel == "telegram" else None,
        **kw,
    )
    return world.engine.receive(world.database, inbound).inbound_id


def _press(world: World, step: Step, press: Press) -> dict[str, Any]:
    for msg in reversed(world.seen.get(step.who, [])):
        rows = msg.buttons or []
        if press.row is not None:
            rows = rows[press.row - 1 : press.row]
        for row in rows:
            for button in row:
                if fold(world.fill(press.label)) in fold(button.get("label", "")):
                    if step.channel == "telegram" and button.get("payload"):
                        return {"payload": button["payload"]}
                    assert button.get("sms"), f"button {button['label']!r} has nothing to type"
                    return {"text": button["sms"]}
    raise AssertionError(f"no button {press.label!r} in any message {step.who} got")


def _urn(world: World, person: Person, channel: str) -> str:
    scheme = SCHEME[channel]
    with world.database.transaction() as s:
        urn = s.scalar(
            select(Contact.urn).where(Contact.person_id == person.id, Contact.scheme == scheme)
        )
    if urn is None and channel == "telegram":
        urn = world.make.telegram_contact(person)
    assert urn is not None, f"{person.kind} has no {scheme} contact"
    return urn


def _inbound_status(world: World, inbound_id: int) -> str:
    with world.database.transaction() as s:
        return str(s.scalar(select(InboundMessage.status).where(InboundMessage.id == inbound_id)))


def _queued_since(world: World, mark: int) -> list[OutboxMessage]:
    with world.database.transaction() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.id > mark)))
        s.expunge_all()
    return sorted(rows, key=lambda m: m.id)


def _to(world: World, queued: list[OutboxMessage], role: str) -> list[OutboxMessage]:
    if role in world.strangers:
        return [m for m in queued if m.urn == world.strangers[role] and m.person_id is None]
    return [m for m in queued if m.person_id == world.person(role).id]


def _check_expect(
    world: World, step: Step, expect: Means | Silent, queued: list[OutboxMessage]
) -> None:
    role = expect.to or step.who
    mine = _to(world, queued, role)
    if isinstance(expect, Silent):
        assert not mine, f"expected silence to {role}, got {[m.text for m in mine]}"
        return
    assert mine, f"nothing to {role}"
    reasons = [_fails(expect, world, m) for m in mine]
    if not any(not r for r in reasons):
        shown = "\n".join(
            f"  {m.text!r}: {', '.join(r)}" for m, r in zip(mine, reasons, strict=True)
        )
        raise AssertionError(f"no message to {role} means {expect}:\n{shown}")


def _check_state(world: World, role: str, wanted: str) -> None:
    with world.database.transaction() as s:
        conv = s.get(Conversation, world.person(role).id)
        flow, state = (conv.flow, conv.state) if conv else ("", "idle")
    want_flow, _, want_state = wanted.rpartition(":")
    assert state == want_state, f"{role} is in state {state!r}, not {want_state!r}"
    assert not want_flow or flow == want_flow, f"{role} is in flow {flow!r}, not {want_flow!r}"


def _show(send: Send) -> str:
    shown = f"[{send.what or send.fn.__name__}]" if isinstance(send, Act) else repr(send)
    return shown if len(shown) < 60 else shown[:56] + "...'"


# --- the database after ------------------------------------------------------------------
DOMAIN = (
    "applications",
    "placements",
    "consent_requests",
    "consent_records",
    "time_entries",
    "deliverables",
    "rating_requests",
    "ratings",
)


def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the domain tables, and who is opted out (for `unchanged`)."""
    with database.transaction() as s:
        rows = {
            t: [tuple(r) for r in s.execute(text(f"SELECT * FROM {t} ORDER BY id"))] for t in DOMAIN
        }
        rows["opt_outs"] = [
            tuple(r)
            for r in s.execute(
                select(Contact.id).where(Contact.opted_out_at.is_not(None)).order_by(Contact.id)
            )
        ]
        rows["languages"] = [
            tuple(r) for r in s.execute(select(Person.id, Person.language).order_by(Person.id))
        ]
    return rows


def unchanged() -> Check:
    """No domain row (application, placement, consent, hours, work, rating, opt-out,
    language) differs from before the step."""

    def unchanged(world: World) -> None:
        after = snapshot(world.database)
        changed = [t for t in after if after[t] != world.before.get(t)]
        assert not changed, f"changed: {changed}"

    return unchanged
