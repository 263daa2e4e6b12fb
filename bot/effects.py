"""Effects: the writes a flow has decided on, as data. Pure types: no I/O here.

A flow reads through query functions and returns a Reply; the writes it wants go in
`Reply.effects`, in order. The engine applies them (bot.applier) through the services, in
the same transaction as the reply and the new conversation state. An effect only names
what to write: the flow has already decided from reads; the service re-checks and raises
WBLError on a race (someone took the last seat meanwhile), which the engine turns into a
polite answer and a rolled-back set of effects. An effect whose service cannot refuse
says so (`refusable = False`): a reply of only such effects needs no savepoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from bot.messages import Attachment
    from bot.rules.hours import LogLine
    from bot.services.clocking import Point
    from bot.services.consent import Signer


@dataclass(frozen=True)
class OptOut:
    """STOP (or a synonym): this address gets nothing more."""

    refusable: ClassVar[bool] = False  # its service never raises WBLError

    urn: str
    keyword: str


@dataclass(frozen=True)
class OptIn:
    refusable: ClassVar[bool] = False  # its service never raises WBLError

    urn: str


@dataclass(frozen=True)
class SetLanguage:
    refusable: ClassVar[bool] = False  # its service never raises WBLError

    person_id: int
    language: str


@dataclass(frozen=True)
class Apply:
    """A student applies; `approve` when the opportunity approves on its own."""

    student_id: int
    opportunity_id: int
    approve: bool = False


@dataclass(frozen=True)
class ConsentAnswer:
    """YES / NO / REVOKE from `signer` to one permission request."""

    request_id: int
    verb: str
    signer: Signer


@dataclass(frozen=True)
class ConsentReminder:
    """A due reminder to the family about one request (`last`: the final one)."""

    request_id: int
    last: bool


@dataclass(frozen=True)
class PaperCheck:
    """A due check whether a paper form came back for one request."""

    request_id: int


@dataclass(frozen=True)
class LogHours:
    """Hours a student did away from a site, pending the supervisor's review."""

    placement_id: int
    student_id: int
    line: LogLine


@dataclass(frozen=True)
class Submit:
    """A student's work (a link, text, photo or file), for the supervisor to review."""

    placement_id: int
    text: str
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Agree:
    """A student's OK to a placement's training agreement (answered in `language`)."""

    placement_id: int
    language: str


@dataclass(frozen=True)
class SaveCheckinLink:
    """Store a one-time check-in link the reply hands out (the raw token is its capability)."""

    refusable: ClassVar[bool] = False  # its service never raises WBLError

    token: str = field(repr=False)
    student_id: int
    placement_id: int
    action: str  # in | out


@dataclass(frozen=True)
class CloseForgotten:
    """Clock out a forgotten open time entry at its expected end (flagged for review)."""

    entry_id: int
    expected_end: datetime | None
    language: str


@dataclass(frozen=True)
class RatingComment:
    """A supervisor's optional comment on a rating round they finished."""

    supervisor_id: int
    request_id: int
    text: str


@dataclass(frozen=True)
class RedeemCode:
    """A stranger tried a link code: count the attempt (always) and, when the flow found
    the code good (`person_id`), link `urn` to that person. `admitted`: the flow read that
    the throttle would let this attempt through (its answer depends on it)."""

    code: str = field(repr=False)
    urn: str
    person_id: int | None
    admitted: bool


@dataclass(frozen=True)
class Link:
    """Point `urn` at `person_id` (a shared contact proved who it is)."""

    person_id: int
    urn: str
    how: str


@dataclass(frozen=True)
class ApproveHours:
    """A supervisor approves pending time entries (`note`: "bulk" for A ALL)."""

    supervisor_id: int
    entry_ids: tuple[int, ...]
    note: str = ""


@dataclass(frozen=True)
class RejectHours:
    """A supervisor rejects a pending entry with a reason the student is told."""

    supervisor_id: int
    entry_id: int
    reason: str


@dataclass(frozen=True)
class ReviewWork:
    """A supervisor accepts submitted work, or (`accept` False) sends it back with a comment."""

    supervisor_id: int
    work_id: int
    accept: bool
    comment: str = ""


@dataclass(frozen=True)
class Rate:
    """Scores for skills of an open rating round; `finish` closes the round."""

    supervisor_id: int
    request_id: int
    scores: tuple[tuple[str, int], ...]
    finish: bool = False


@dataclass(frozen=True)
class ClockIn:
    """Open a time entry at a placement (`point`: the fix, None without one)."""

    student_id: int
    placement_id: int
    point: Point | None
    language: str


@dataclass(frozen=True)
class ClockOut:
    """Close the student's open time entry (`note`: what a remote student did)."""

    student_id: int
    point: Point | None
    note: str | None = None


@dataclass(frozen=True)
class KindEffect:
    """A write an opportunity kind defines in its own package (`bot/kinds/<code>/effects.py`).

    Subclass it as a frozen dataclass and name the service that applies it:
    `service: ClassVar[str] = "bot.kinds.<code>.service:take_shift"`, called as
    `service(ctx, effect) -> list[Outbound]` in the turn's savepoint like every effect.
    """

    service: ClassVar[str] = ""


@dataclass(frozen=True)
class ToInbox:
    """File the person's message (`channel`, `provider_id`) in their coordinator's inbox
    (`kind`: safety, human or unplaced; a safety one alerts the coordinator at once)."""

    person_id: int
    kind: str
    channel: str
    provider_id: str


@dataclass(frozen=True)
class AlertStranger:
    """A safety message from someone not on the roster (`channel`, `provider_id`): alert an
    admin at once (there is no person, so no inbox item)."""

    channel: str
    provider_id: str


Effect = (
    KindEffect
    | AlertStranger
    | OptOut
    | OptIn
    | SetLanguage
    | Apply
    | ConsentAnswer
    | ConsentReminder
    | PaperCheck
    | LogHours
    | Submit
    | Agree
    | SaveCheckinLink
    | CloseForgotten
    | RatingComment
    | RedeemCode
    | Link
    | ApproveHours
    | RejectHours
    | ReviewWork
    | Rate
    | ClockIn
    | ClockOut
    | ToInbox
)
