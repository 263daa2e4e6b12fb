"""Every lifecycle's values, one StrEnum each: the type checker and the database's CHECK
constraints (db/models, migration 0007_statuses) both read them from here.

The members are strings, so the stored values stay the plain words they always were;
`ALLOWED` maps each constrained column to its enum and `check_sql` spells the CHECK.
"""

from __future__ import annotations

from enum import StrEnum


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class PlacementStatus(StrEnum):
    """The lifecycle machine is rules.placement.PLACEMENT."""

    PAPERWORK = "paperwork"
    READY = "ready"
    PAUSED = "paused"
    COMPLETED = "completed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class ConsentStatus(StrEnum):
    """A consent request."""

    OPEN = "open"
    GRANTED = "granted"
    DECLINED = "declined"
    REVOKED = "revoked"
    PAPER_NEEDED = "paper_needed"
    CANCELLED = "cancelled"


class ConsentAction(StrEnum):
    """One append-only consent record."""

    REQUEST_SENT = "request_sent"
    GRANT = "grant"
    DECLINE = "decline"
    REVOKE = "revoke"
    PAPER_GRANT = "paper_grant"
    PAPER_DECLINE = "paper_decline"


class EntryStatus(StrEnum):
    """A time entry: open while clocked in, pending until reviewed."""

    OPEN = "open"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class EntryKind(StrEnum):
    CLOCK = "clock"
    MANUAL = "manual"


class Verdict(StrEnum):
    """Where a clock-in or clock-out was, against the site's geofence."""

    VERIFIED = "verified"
    OUTSIDE = "outside"
    UNVERIFIED = "unverified"
    REMOTE = "remote"


class DeliverableStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    CHANGES_REQUESTED = "changes_requested"


class RatingStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class InboundStatus(StrEnum):
    """An inbound message: stranger when no person is behind the address; failed when it
    could not be processed (kept, answered with an apology)."""

    RECEIVED = "received"
    PROCESSED = "processed"
    STRANGER = "stranger"
    FAILED = "failed"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDELIVERED = "undelivered"
    SUPPRESSED = "suppressed"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


class ShiftTakeStatus(StrEnum):
    """A student's place on a school business's shift."""

    TAKEN = "taken"
    DROPPED = "dropped"
    MISSED = "missed"  # no IN by 15 minutes after the start
    WORKED = "worked"  # clocked in against it


class WorkOrderStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"


class InvoiceStatus(StrEnum):
    """A class firm's invoice to another firm (open until paid, disputed or cancelled)."""

    OPEN = "open"
    PAID = "paid"
    DISPUTED = "disputed"
    CANCELLED = "cancelled"


class InboxKind(StrEnum):
    """Why a message waits for a person: harm or feeling unsafe, a request for a person
    (HUMAN / PERSONA), or a message the bot could not place."""

    SAFETY = "safety"
    HUMAN = "human"
    UNPLACED = "unplaced"


class InboxStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class ProposalStatus(StrEnum):
    """An employer's proposal: link sent, submitted, then decided."""

    OPEN = "open"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    DECLINED = "declined"


# (table, column) -> the enum its values come from; every pair has a CHECK constraint
class SessionStatus(StrEnum):
    """A mentor session: `new`/`moved`/`cancel` wait for the worker (an import changed
    them), then `scheduled` or `cancelled`."""

    NEW = "new"
    MOVED = "moved"
    CANCEL = "cancel"
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


ALLOWED: dict[tuple[str, str], type[StrEnum]] = {
    ("applications", "status"): ApplicationStatus,
    ("placements", "status"): PlacementStatus,
    ("consent_requests", "status"): ConsentStatus,
    ("consent_records", "action"): ConsentAction,
    ("time_entries", "status"): EntryStatus,
    ("time_entries", "kind"): EntryKind,
    ("time_entries", "in_verdict"): Verdict,
    ("time_entries", "out_verdict"): Verdict,
    ("deliverables", "status"): DeliverableStatus,
    ("rating_requests", "status"): RatingStatus,
    ("inbound_messages", "status"): InboundStatus,
    ("outbox", "status"): OutboxStatus,
    ("reminders", "status"): ReminderStatus,
    ("enterprise_shift_takes", "status"): ShiftTakeStatus,
    ("enterprise_work_orders", "status"): WorkOrderStatus,
    ("mentor_sessions", "status"): SessionStatus,
    ("sim_invoices", "status"): InvoiceStatus,
    ("inbox_items", "kind"): InboxKind,
    ("inbox_items", "status"): InboxStatus,
    ("opportunity_proposals", "status"): ProposalStatus,
}


def check_sql(column: str, values: type[StrEnum]) -> str:
    """The CHECK expression: `column IN ('a', 'b')` (NULL passes, as SQL has it)."""
    return f"{column} IN ({', '.join(repr(str(v.value)) for v in values)})"
