"""The engine every message and every due reminder goes through.

receive: one transaction per message. handle_inbound, inside it: find the person (their
row locked) → record the message (deduplicated on the provider id) → route to a flow →
apply the flow's effects (bot.applier) → save the new state and the outbox rows. Flows
only decide; the engine writes. It sends nothing; the dispatcher does, after commit.
`receive` is the one boundary that turns errors into polite replies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from bot import applier, outbox, payloads
from bot import engine_sql as sql
from bot.context import Context, PersonInfo
from bot.errors import MachineError, WBLError
from bot.flows import registry
from bot.flows.base import Flow, Reply, Turn
from bot.i18n import N_, normalize_language
from bot.machine import Machine
from bot.messages import Inbound, Outbound, Trigger
from bot.outbox import enqueue
from bot.read_only import read_only
from bot.services import contacts
from bot.settings import Settings
from bot.statuses import InboundStatus
from db.locks import lock_person
from db.models import Contact, Conversation, OutboxMessage, Person
from db.session import Database

log = logging.getLogger("wbl.engine")

MAX_TEXT = 1600  # longer texts are kept whole in the log but cut for the flows
CONTACT_TOUCH = timedelta(minutes=5)  # refresh "last wrote from" at most this often
SORRY = N_(
    "Sorry, something went wrong on our side. Your message was saved and a coordinator "
    "can see it. Reply MENU to continue."
)
BAD_BUTTON = N_("That button has expired or isn't for you. Reply MENU to see your options.")


@dataclass
class Outcome:
    """What handling one event did: whether it was a duplicate, and what it queued."""

    duplicate: bool = False
    inbound_id: int | None = None
    person_id: int | None = None
    outbox: list[OutboxMessage] = field(default_factory=list)
    language: str = "en"  # the sender's language after this event (ESPAÑOL may change it)
    opted_out: bool = False  # the sender's address is opted out after this event
    changed: bool = False  # the turn's effects ran (they may have changed language or opt-out)


class Engine:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # --- inbound -----------------------------------------------------------------
    def receive(
        self,
        database: Database,
        inbound: Inbound,
        settle: Callable[[Outcome], None] | None = None,
    ) -> Outcome:
        """Process one inbound event exactly once, in its own transaction.

        This is the one boundary that turns errors into polite replies: when handling
        fails (a bug in a flow, or the commit itself), that transaction is rolled back
        whole and a second one records the message as `failed` and queues an apology,
        so nothing the person sent is lost. `settle(outcome)` runs just before each
        commit, while the outbox rows are still unwritten (the SMS webhook takes its
        TwiML replies there, so each row is inserted once, already in its final state).
        """
        try:
            with database.transaction() as session:
                outcome = self.handle_inbound(session, inbound)
                if settle is not None:
                    settle(outcome)
                outbox.write(session, outcome.outbox)
            return outcome
        except Exception:  # the one broad catch: the boundary for one event
            log.exception("inbound failed channel=%s", inbound.channel)
        with database.transaction() as session:
            outcome = self.handle_inbound(session, inbound, failed=True)
            if settle is not None and not outcome.duplicate:
                settle(outcome)
            outbox.write(session, outcome.outbox)
        return outcome

    def handle_inbound(
        self, session: Session, inbound: Inbound, *, failed: bool = False
    ) -> Outcome:
        """Process one inbound event in the caller's transaction (errors propagate).

        failed=True is receive's second attempt: keep the message as `failed` and only
        apologise for it.
        """
        ctx = Context(session, self.settings, inbound.received_at)
        inbound = _clean(inbound)
        found = self._sender(session, inbound.urn, inbound.received_at)
        sender = found if found is not None and found.known else None
        inbound_id = self._record(session, inbound, sender, failed=failed)
        if inbound_id is None:  # a repeat delivery, or another one got through meanwhile
            log.info("duplicate inbound channel=%s", inbound.channel)
            return Outcome(duplicate=True)
        outcome = Outcome(inbound_id=inbound_id, person_id=sender.person_id if sender else None)
        if failed:
            _ = ctx.tr(sender.language or "en" if sender else "en")
            reply = Outbound(_(SORRY))
            outcome.outbox.append(
                enqueue(
                    ctx,
                    reply,
                    sender_urn=inbound.urn,
                    sender_id=outcome.person_id,
                    in_reply_to=inbound_id,
                )
            )
        elif sender is not None:
            self._process(ctx, _cut(inbound), inbound_id, sender, outcome)
        else:
            self._stranger(ctx, _cut(inbound), inbound_id, outcome)
        if sender is not None:  # as this event left them (ESPAÑOL, STOP change them)
            language, opted_out = (
                sql.read_reach(session, sender.contact_id)
                if outcome.changed
                else (sender.language, sender.opted_out)
            )
            outcome.language, outcome.opted_out = normalize_language(language), opted_out
        return outcome

    def _sender(self, session: Session, urn: str, now: datetime) -> sql.Sender | None:
        """The contact, person and conversation behind `urn`, locked, in one query.

        On PostgreSQL the three rows stay locked `FOR UPDATE` for the rest of the
        transaction: that is the per-person lock (db.locks). The lock is also what makes the
        read fresh: under READ COMMITTED a message that waited for another from the same
        person gets the newest version of the rows it locked, and only of those. So the
        conversation must exist to be locked: a person's first message creates it and
        reads again. SQLite serializes every writer anyway.
        """
        postgres = session.get_bind().dialect.name == "postgresql"
        sender = sql.read_sender(session, urn, postgres)
        if sender is None:  # a stranger, or a first message: make the conversation, read again
            contacts.adopt_phone_urn(session, urn, now)  # a known number on a new channel
            session.connection().execute(sql.first_conversation(postgres), {"urn": urn, "now": now})
            sender = sql.read_sender(session, urn, postgres)
        return sender

    def _record(
        self, session: Session, inbound: Inbound, sender: sql.Sender | None, *, failed: bool
    ) -> int | None:
        """Insert the inbound row unless its provider id was seen; its id, or None.

        On PostgreSQL the sender's "last wrote from" is refreshed in the same statement
        when it is older than CONTACT_TOUCH (elsewhere by `_touch`, when processed).
        """
        status = InboundStatus.PROCESSED if sender else InboundStatus.STRANGER
        values: dict[str, Any] = dict(
            channel=inbound.channel,
            provider_id=inbound.provider_id[:64],
            text=inbound.text,
            payload=_payload_summary(inbound),
            status=InboundStatus.FAILED if failed else status,
            contact_id=sender.contact_id if sender else None,
            person_id=sender.person_id if sender else None,
            received_at=inbound.received_at,
        )
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql" and sender is not None and _stale(sender, inbound):
            params = {f"m_{key}": values[key] for key in sql.RECORDED}
            params.update(touched=sender.contact_id, at=inbound.received_at)
            return session.connection().execute(sql.dedupe_insert_touching(), params).scalar()
        return session.connection().execute(sql.dedupe_insert(dialect), values).scalar()

    def _stranger(self, ctx: Context, inbound: Inbound, inbound_id: int, outcome: Outcome) -> None:
        with read_only(ctx.session, "link") if "link" in registry.PURE else nullcontext():
            decided = registry.link_flow().handle_stranger(ctx, inbound)
        reply = self._effects(ctx, decided, "en")
        for out in reply.messages:
            outcome.outbox.append(enqueue(ctx, out, sender_urn=inbound.urn, in_reply_to=inbound_id))

    def _process(
        self, ctx: Context, inbound: Inbound, inbound_id: int, sender: sql.Sender, outcome: Outcome
    ) -> None:
        session = ctx.session
        if session.get_bind().dialect.name != "postgresql" and _stale(sender, inbound):
            _touch(session, sender.contact_id, inbound.received_at)
        ctx.actor = f"person:{sender.person_id}"
        conv = sender.conv
        info = PersonInfo(
            sender.person_id,
            sender.kind,
            normalize_language(sender.language),
            sender.given_name,
            sender.active,
        )
        turn = Turn(info, conv.flow, conv.state, dict(conv.data), inbound, ctx)
        decided = self._route(turn, inbound)
        outcome.changed = bool(decided.effects)
        reply = self._effects(ctx, decided, turn.person.language)
        self._apply(ctx, conv, turn, reply, outcome, sender_urn=inbound.urn, in_reply_to=inbound_id)

    def _route(self, turn: Turn, inbound: Inbound) -> Reply:
        _ = turn._
        try:
            human = registry.human_flow()  # safety first, over every keyword and state
            first = (("human", human.safety), ("common", registry.common_flow().handle))
            for name, handle in (*first, ("human", human.human)):
                decided = _decide(turn, name, handle)
                if decided is not None:
                    return decided
            if inbound.payload is not None:
                return self._route_button(turn, inbound.payload)
            current = registry.flow(turn.flow) if turn.flow else None
            if current is not None and turn.state != current.machine.initial:
                reply = _run(current, turn)
                if reply is not None:
                    return reply
            home = registry.home_flow(turn.person.kind)
            turn.flow, turn.state = (
                home.name,
                (turn.state if turn.flow == home.name else home.machine.initial),
            )
            reply = _run(home, turn)
            if reply is not None:
                return reply
            menu = home.menu(turn)
            return _decide(turn, "human", lambda t: human.unplaced(t, menu)) or Reply()
        except WBLError as err:
            return Reply.say(Outbound(_(err.msgid, **err.params)))

    def _route_button(self, turn: Turn, payload: str) -> Reply:
        action = payloads.verify(self.settings.secret_key, turn.person.id, payload)
        flow = registry.flow_for_action(action[0], turn.person.kind) if action else None
        if action is None or flow is None:
            log.warning("refused button payload person=%s", turn.person.id)
            return Reply.say(Outbound(turn._(BAD_BUTTON)))
        turn.action = action
        if turn.flow != flow.name:
            turn.flow, turn.state = flow.name, flow.machine.initial
        reply = _run(flow, turn)
        return reply if reply is not None else Reply.say(Outbound(turn._(BAD_BUTTON)))

    # --- triggers ----------------------------------------------------------------
    def handle_trigger(self, session: Session, trigger: Trigger, now: object = None) -> Outcome:
        """Run one due reminder through its flow, like a message."""
        ctx = Context(session, self.settings, trigger.due_at if now is None else now)  # type: ignore[arg-type]
        outcome = Outcome(person_id=trigger.person_id)
        person = lock_person(session, trigger.person_id) if trigger.person_id else None
        flow = registry.flow_for_trigger(trigger.kind, person.kind if person else None)
        if flow is None:
            raise LookupError(f"no flow owns trigger kind {trigger.kind!r}")
        if person is not None:
            conv = sql.ConvState.of(self._lock_conversation(session, person.id, ctx))
            info = _info(person)
            turn = Turn(info, conv.flow or flow.name, conv.state, dict(conv.data), trigger, ctx)
        else:
            conv = None
            info = PersonInfo(0, "system", "en", "")
            turn = Turn(info, flow.name, flow.machine.initial, {}, trigger, ctx)
        try:
            reply = _run(flow, turn) or Reply()
            reply = self._effects(ctx, reply, turn.person.language, polite=False)
        except WBLError as err:
            log.info("trigger %s refused: %s", trigger.kind, err.msgid)
            reply = Reply()
        if conv is None:
            for out in reply.messages:
                outcome.outbox.append(enqueue(ctx, out))
            return outcome
        self._apply(ctx, conv, turn, reply, outcome, sender_urn=None, in_reply_to=None)
        return outcome

    # --- shared ------------------------------------------------------------------
    def _effects(self, ctx: Context, reply: Reply, language: str, *, polite: bool = True) -> Reply:
        """Apply the reply's effects in order, in this transaction (a savepoint of it,
        unless none of them can refuse: then there is nothing a WBLError could undo).

        Messages the services composed follow the flow's own. A WBLError (a service
        re-checking found the world changed since the flow read it) undoes every effect
        of this turn and, for a person, becomes the polite answer; polite=False re-raises.
        """
        if not reply.effects:
            return reply
        refusable = any(getattr(e, "refusable", True) for e in reply.effects)
        try:
            with ctx.session.begin_nested() if refusable else nullcontext():
                notices = applier.apply(ctx, reply.effects)
        except WBLError as err:
            if not polite:
                raise
            return Reply.say(Outbound(ctx.tr(language)(err.msgid, **err.params)))
        return replace(reply, messages=reply.messages + notices, effects=[])

    def _lock_conversation(self, session: Session, person_id: int, ctx: Context) -> Conversation:
        """The person's conversation, made on first use (the caller holds the person's lock)."""
        conv = session.get(Conversation, person_id)
        if conv is None:  # a first message may be making it too: whichever is first wins
            postgres = session.get_bind().dialect.name == "postgresql"
            session.connection().execute(
                sql.new_conversation(postgres), {"person_id": person_id, "updated_at": ctx.now}
            )
            conv = session.get(Conversation, person_id)
            assert conv is not None, "the conversation was just made"
        return conv

    def _apply(
        self,
        ctx: Context,
        conv: sql.ConvState,
        turn: Turn,
        reply: Reply,
        outcome: Outcome,
        *,
        sender_urn: str | None,
        in_reply_to: int | None,
    ) -> None:
        new_flow = reply.flow if reply.flow is not None else turn.flow
        flow = registry.flow(new_flow) if new_flow else None
        if flow is not None:
            source = turn.state if turn.flow == new_flow else flow.machine.initial
            target = source if reply.event is None else _resolve(flow.machine, source, turn, reply)
        else:
            target = "idle"
        data = reply.data if reply.data is not None else turn.data
        if (conv.flow, conv.state, conv.data) != (new_flow or "", target, data):
            _save(ctx, conv, flow=new_flow or "", state=target, data=data)
        for out in reply.messages:
            outcome.outbox.append(
                enqueue(
                    ctx,
                    out,
                    sender_urn=sender_urn,
                    sender_id=turn.person.id or None,
                    in_reply_to=in_reply_to,
                )
            )


def _resolve(machine: Machine, source: str, turn: Turn, reply: Reply) -> str:
    """Where the reply's event leads; an undeclared one is a bug, logged with ids and
    raised to `receive`, which rolls back and apologises."""
    assert reply.event is not None
    try:
        return machine.resolve(source, reply.event)
    except MachineError as err:
        log.error(
            "undeclared event flow=%s state=%s event=%s person=%s",
            err.flow,
            err.state,
            err.event,
            turn.person.id,
        )
        raise


def _run(flow: Flow, turn: Turn) -> Reply | None:
    return _decide(turn, flow.name, flow.handle)


def _decide(turn: Turn, name: str, handle: Callable[[Turn], Reply | None]) -> Reply | None:
    """Run a flow's handler; a flow declared pure runs where any write raises."""
    if name not in registry.PURE:
        return handle(turn)
    with read_only(turn.ctx.session, name):
        return handle(turn)


def _save(ctx: Context, conv: sql.ConvState, **values: Any) -> None:
    """Write the conversation's new state now with one Core UPDATE (cheaper than a flush).

    A loaded ORM copy of it (a trigger's) takes the same values as committed ones, so no
    flush repeats it.
    """
    values.update(version=conv.version + 1, updated_at=ctx.now)
    ctx.session.connection().execute(
        sql.SAVE_CONVERSATION, {"conversation": conv.person_id, **values}
    )
    conv.flow, conv.state, conv.data, conv.version = (
        values["flow"],
        values["state"],
        values["data"],
        values["version"],
    )
    loaded = ctx.session.identity_map.get(identity_key(Conversation, conv.person_id))
    for key, value in values.items() if loaded is not None else ():
        set_committed_value(loaded, key, value)


def _touch(session: Session, contact_id: int, at: datetime) -> None:
    """ "Last wrote from" = `at`, with one Core UPDATE now (no unit-of-work flush later)."""
    session.connection().execute(sql.TOUCH_CONTACT, {"contact": contact_id, "at": at})
    loaded = session.identity_map.get(identity_key(Contact, contact_id))
    if loaded is not None:
        set_committed_value(loaded, "last_inbound_at", at)


def _stale(sender: sql.Sender, inbound: Inbound) -> bool:
    """Whether the sender's "last wrote from" is worth refreshing (CONTACT_TOUCH)."""
    last = sender.last_inbound_at
    return last is None or inbound.received_at - last > CONTACT_TOUCH


def _info(person: Person) -> PersonInfo:
    return PersonInfo(
        person.id,
        person.kind,
        normalize_language(person.language),
        person.given_name,
        person.active,
    )


def _payload_summary(inbound: Inbound) -> dict[str, object]:
    out: dict[str, object] = {}
    if inbound.payload is not None:
        out["button"] = inbound.payload[:64]
    if inbound.location is not None:
        out["location"] = True  # coordinates are kept only on clock events
    if inbound.location_denied:
        out["location_denied"] = True
    if inbound.attachment is not None:
        out["attachment"] = inbound.attachment.kind
    if inbound.contact_phone is not None:
        out["contact"] = True
    return out


def _clean(inbound: Inbound) -> Inbound:
    """Drop NUL characters: PostgreSQL text cannot hold them."""
    text = inbound.text.replace("\x00", "")
    return inbound if text == inbound.text else replace(inbound, text=text)


def _cut(inbound: Inbound) -> Inbound:
    """The flows see at most MAX_TEXT characters (the log keeps the whole text)."""
    return (
        inbound if len(inbound.text) <= MAX_TEXT else replace(inbound, text=inbound.text[:MAX_TEXT])
    )
