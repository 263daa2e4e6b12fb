"""Keep each imported person's text-message contact (`tel:+1…`) in line with their phone.

The scheme is the roster-phone channel's (bot/channels/specs.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.channels.specs import phone_specs, roster_phone
from bot.importers.bulk import delete_rows, fetch, insert_values
from bot.importers.report import ImportReport
from db.models import Contact, InboundMessage


class PhoneOf(NamedTuple):
    file: str
    line: int
    column: str
    person_id: int
    phone: str | None


def stored_tel(session: Session) -> dict[str, tuple[int, int]]:
    """urn -> (contact id, person id) for every SMS contact in use (not retired)."""
    rows = fetch(
        session,
        select(Contact.urn, Contact.id, Contact.person_id).where(
            Contact.scheme == roster_phone().scheme, Contact.retired_at.is_(None)
        ),
    )
    return {urn: (cid, pid) for urn, cid, pid in rows}


def retired_tel(session: Session) -> dict[str, tuple[int, int]]:
    """urn -> (contact id, person id) for SMS contacts the roster replaced."""
    rows = fetch(
        session,
        select(Contact.urn, Contact.id, Contact.person_id).where(
            Contact.scheme == roster_phone().scheme, Contact.retired_at.is_not(None)
        ),
    )
    return {urn: (cid, pid) for urn, cid, pid in rows}


def sync_contacts(
    session: Session,
    report: ImportReport,
    wanted: Sequence[PhoneOf],
    now: datetime,
    tel: dict[str, tuple[int, int]] | None = None,
) -> None:
    """Add a contact per new number; a replaced number's contact is deleted when it has no
    history, else retired (kept for the record, but it no longer reaches or speaks for the
    person); a number that comes back is brought back."""
    tel = stored_tel(session) if tel is None else tel
    retired = retired_tel(session)
    revive: list[int] = []
    owned: dict[int, list[str]] = {}
    for held, (_cid, pid) in tel.items():
        owned.setdefault(pid, []).append(held)
    new: list[tuple[str, str, int, datetime]] = []
    stale: list[int] = []
    for item in wanted:
        urn: str | None = roster_phone().urn(item.phone) if item.phone else None
        stale += [tel[u][0] for u in owned.get(item.person_id, ()) if u != urn and tel[u][0]]
        if urn is None:
            continue
        holder = tel.get(urn)
        if holder is None and urn in retired and retired[urn][1] == item.person_id:
            revive.append(retired.pop(urn)[0])
            tel[urn] = (0, item.person_id)
        elif holder is None and urn in retired:
            reason = f"number was used by person id {retired[urn][1]}; no text contact added"
            report.warn(item.file, item.line, item.column, reason)
        elif holder is None:
            new.append((urn, roster_phone().scheme, item.person_id, now))
            tel[urn] = (0, item.person_id)
        elif holder[1] != item.person_id:
            reason = f"number already belongs to person id {holder[1]}; no text contact added"
            report.warn(item.file, item.line, item.column, reason)
    insert_values(session, Contact, ("urn", "scheme", "person_id", "created_at"), new)
    report.count("contacts", "created", len(new))
    _retire_same_number(session, stale, now)
    report.count("contacts", "removed", _drop(session, stale, now))
    if revive:
        session.execute(update(Contact).where(Contact.id.in_(revive)).values(retired_at=None))
        report.count("contacts", "updated", len(revive))
    _revive_same_number(session, {u: p for u, _s, p, _t in new} | _urns(session, revive))
    report.count("contacts", "unchanged", sum(1 for w in wanted if w.phone) - len(new))


def _retire_same_number(session: Session, contact_ids: list[int], now: datetime) -> None:
    """Retire the same numbers on the other phone channels (`whatsapp:+1…` of a `tel:+1…`):
    a replaced number speaks for the person nowhere."""
    if not contact_ids:
        return
    others = [o for urn in _urns(session, contact_ids) for o in _same_number(urn)]
    if others:
        session.execute(
            update(Contact)
            .where(Contact.urn.in_(others), Contact.retired_at.is_(None))
            .values(retired_at=now)
        )


def _revive_same_number(session: Session, roster_urns: dict[str, int]) -> None:
    """A number back with the person it was retired from is theirs on every channel again."""
    others = {o: pid for urn, pid in roster_urns.items() for o in _same_number(urn)}
    schemes = [s.scheme for s in phone_specs() if s is not roster_phone()]
    retired = fetch(
        session,
        select(Contact.id, Contact.urn, Contact.person_id).where(
            Contact.scheme.in_(schemes), Contact.retired_at.is_not(None)
        ),
    )
    back = [cid for cid, urn, pid in retired if others.get(urn) == pid]
    if back:
        session.execute(update(Contact).where(Contact.id.in_(back)).values(retired_at=None))


def _urns(session: Session, contact_ids: list[int]) -> dict[str, int]:
    """urn -> person id of these contacts."""
    if not contact_ids:
        return {}
    rows = session.execute(
        select(Contact.urn, Contact.person_id).where(Contact.id.in_(contact_ids))
    )
    return {urn: pid for urn, pid in rows}


def _same_number(roster_urn: str) -> list[str]:
    roster = roster_phone()
    phone = roster.phone_of(roster_urn)
    return [s.urn(phone) for s in phone_specs() if s is not roster] if phone else []


def _drop(session: Session, contact_ids: list[int], now: datetime) -> int:
    """Delete contacts with no history (no messages received, no opt-out) and retire the
    others; returns how many."""
    if not contact_ids:
        return 0
    kept = set(
        session.scalars(
            select(InboundMessage.contact_id).where(InboundMessage.contact_id.in_(contact_ids))
        )
    )
    kept |= set(
        session.scalars(
            select(Contact.id).where(
                Contact.id.in_(contact_ids),
                Contact.opted_out_at.is_not(None) | Contact.last_inbound_at.is_not(None),
            )
        )
    )
    if kept:
        session.execute(update(Contact).where(Contact.id.in_(kept)).values(retired_at=now))
    return len(kept) + delete_rows(
        session, Contact, [{"id": c} for c in contact_ids if c not in kept]
    )
