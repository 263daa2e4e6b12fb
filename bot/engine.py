"""The engine every message and every due reminder goes through.

handle_inbound: record the message (deduplicated on the provider id) → find the person →
lock their conversation → route to a flow → save the new state and the outbox rows, all
in the caller's one transaction. The engine sends nothing; the dispatcher does, after
commit. This is the one boundary that turns errors into polite replies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import payloads
from bot.addressing import contact_for_urn
from bot.context import Context, PersonInfo
from bot.errors import WBLError
from bot.flows import registry
from bot.flows.base import Reply, Turn
from bot.i18n import N_, normalize_language
from bot.messages import Inbound, Outbound, Trigger
from bot.outbox import enqueue
from bot.settings import Settings
from db.models import Contact, Conversation, InboundMessage, OutboxMessage, Person

log = logging.getLogger("wbl.engine")

MAX_TEXT = 1600  # longer texts are kept whole in the log but cut for the flows
SORRY = N_(
    "Sorry, something went wrong on our side. Your message was saved and a coordinator "
    "can see it. Reply MENU to continue."
)
BAD_BUTTON = N_("That button has expired or isn't for you. Reply MENU to see your options.")
NOT_UNDERSTOOD = N_("Sorry, I didn't understand that.")


@dataclass
class Outcome:
    """What handling one event did: whether it was a duplicate, and what it queued."""

    duplicate: bool = False
    inbound_id: int | None = None
    person_id: int | None = None
    outbox: list[OutboxMessage] = field(default_factory=list)


class Engine:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # --- inbound -----------------------------------------------------------------
    def handle_inbound(self, session: Session, inbound: Inbound) -> Outcome:
        """Process one inbound event exactly once, in the caller's transaction."""
        ctx = Context(session, self.settings, inbound.received_at)
        record = self._record(session, inbound)
        if record is None:
            log.info("duplicate inbound channel=%s", inbound.channel)
            return Outcome(duplicate=True)
        outcome = Outcome(inbound_id=record.id)
        try:
            with session.begin_nested():
                self._process(ctx, inbound, record, outcome)
                record.status = "processed"
        except Exception:  # the one broad catch: the boundary for one event
            log.exception("inbound %s failed", record.id)
            outcome.outbox.clear()
            record.status = "failed"
            _ = ctx.tr(self._language_for(session, record.person_id))
            outcome.outbox.append(
                enqueue(
                    ctx,
                    Outbound(_(SORRY)),
                    sender_urn=inbound.urn,
                    sender_id=record.person_id,
                    in_reply_to=record.id,
                )
            )
        return outcome

    def _record(self, session: Session, inbound: Inbound) -> InboundMessage | None:
        row = InboundMessage(
            channel=inbound.channel,
            provider_id=inbound.provider_id[:64],
            text=inbound.text,
            payload=_payload_summary(inbound),
            status="received",
            received_at=inbound.received_at,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            return None
        return row

    def _process(
        self, ctx: Context, inbound: Inbound, record: InboundMessage, outcome: Outcome
    ) -> None:
        session = ctx.session
        if len(inbound.text) > MAX_TEXT:
            inbound = _replace_text(inbound, inbound.text[:MAX_TEXT])
        contact = contact_for_urn(session, inbound.urn)
        person = session.get(Person, contact.person_id) if contact else None
        if contact is None or person is None or not person.active:
            record.status = "stranger"
            reply = registry.link_flow().handle_stranger(ctx, inbound)
            for out in reply.messages:
                outcome.outbox.append(
                    enqueue(ctx, out, sender_urn=inbound.urn, in_reply_to=record.id)
                )
            return
        record.contact_id = contact.id
        record.person_id = person.id
        outcome.person_id = person.id
        contact.last_inbound_at = inbound.received_at
        ctx.actor = f"person:{person.id}"
        conv = self._lock_conversation(session, person.id, ctx)
        turn = Turn(_info(person), conv.flow, conv.state, dict(conv.data or {}), inbound, ctx)
        reply = self._route(turn, inbound)
        self._apply(ctx, conv, turn, reply, outcome, sender_urn=inbound.urn, in_reply_to=record.id)

    def _route(self, turn: Turn, inbound: Inbound) -> Reply:
        _ = turn._
        try:
            common = registry.common_flow().handle(turn)
            if common is not None:
                return common
            if inbound.payload is not None:
                return self._route_button(turn, inbound.payload)
            current = registry.flow(turn.flow) if turn.flow else None
            if current is not None and turn.state != current.machine.initial:
                reply = current.handle(turn)
                if reply is not None:
                    return reply
            home = registry.home_flow(turn.person.kind)
            turn.flow, turn.state = (
                home.name,
                (turn.state if turn.flow == home.name else home.machine.initial),
            )
            reply = home.handle(turn)
            if reply is not None:
                return reply
            return Reply.say(
                Outbound(
                    _(NOT_UNDERSTOOD) + " " + home.menu(turn).text, buttons=home.menu(turn).buttons
                )
            )
        except WBLError as err:
            return Reply.say(Outbound(_(err.msgid, **err.params)))

    def _route_button(self, turn: Turn, payload: str) -> Reply:
        action = payloads.verify(self.settings.secret_key, turn.person.id, payload)
        flow = registry.flow_for_action(action[0]) if action else None
        if action is None or flow is None:
            log.warning("refused button payload person=%s", turn.person.id)
            return Reply.say(Outbound(turn._(BAD_BUTTON)))
        turn.action = action
        if turn.flow != flow.name:
            turn.flow, turn.state = flow.name, flow.machine.initial
        reply = flow.handle(turn)
        return reply if reply is not None else Reply.say(Outbound(turn._(BAD_BUTTON)))

    # --- triggers ----------------------------------------------------------------
    def handle_trigger(self, session: Session, trigger: Trigger, now: object = None) -> Outcome:
        """Run one due reminder through its flow, like a message."""
        ctx = Context(session, self.settings, trigger.due_at if now is None else now)  # type: ignore[arg-type]
        outcome = Outcome(person_id=trigger.person_id)
        flow = registry.flow_for_trigger(trigger.kind)
        if flow is None:
            raise LookupError(f"no flow owns trigger kind {trigger.kind!r}")
        person = session.get(Person, trigger.person_id) if trigger.person_id else None
        if person is not None:
            conv = self._lock_conversation(session, person.id, ctx)
            info = _info(person)
            turn = Turn(
                info, conv.flow or flow.name, conv.state, dict(conv.data or {}), trigger, ctx
            )
        else:
            conv = None
            info = PersonInfo(0, "system", "en", "")
            turn = Turn(info, flow.name, flow.machine.initial, {}, trigger, ctx)
        try:
            reply = flow.handle(turn) or Reply()
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
    def _lock_conversation(self, session: Session, person_id: int, ctx: Context) -> Conversation:
        stmt = select(Conversation).where(Conversation.person_id == person_id)
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        conv = session.scalar(stmt)
        if conv is None:
            try:
                with session.begin_nested():
                    conv = Conversation(
                        person_id=person_id,
                        flow="",
                        state="idle",
                        data={},
                        version=0,
                        updated_at=ctx.now,
                    )
                    session.add(conv)
                    session.flush()
            except IntegrityError:
                conv = session.scalar(stmt)
                assert conv is not None
        return conv

    def _apply(
        self,
        ctx: Context,
        conv: Conversation,
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
            target = reply.state if reply.state is not None else source
            flow.machine.check(source, target)
        else:
            target = reply.state or "idle"
        conv.flow = new_flow or ""
        conv.state = target
        conv.data = reply.data if reply.data is not None else turn.data
        conv.version = (conv.version or 0) + 1
        conv.updated_at = ctx.now
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

    def _language_for(self, session: Session, person_id: int | None) -> str:
        person = session.get(Person, person_id) if person_id else None
        return person.language if person else "en"


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


def _replace_text(inbound: Inbound, text: str) -> Inbound:
    from dataclasses import replace

    return replace(inbound, text=text)


def contact_person(session: Session, urn: str) -> Person | None:
    contact = session.scalar(select(Contact).where(Contact.urn == urn))
    return session.get(Person, contact.person_id) if contact else None
