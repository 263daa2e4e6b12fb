"""The writes of mentor sessions, applied by bot.kinds.virtual.service in the turn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.effects import KindEffect

SERVICE = "bot.kinds.virtual.service"


@dataclass(frozen=True)
class Schedule(KindEffect):
    """A mentor's confirmed MEET: the session, for every current intern of theirs."""

    service: ClassVar[str] = f"{SERVICE}:schedule"
    mentor_id: int
    starts: datetime
    minutes: int
    link: str


@dataclass(frozen=True)
class Move(KindEffect):
    service: ClassVar[str] = f"{SERVICE}:move"
    mentor_id: int
    session_id: int
    starts: datetime


@dataclass(frozen=True)
class Cancel(KindEffect):
    service: ClassVar[str] = f"{SERVICE}:cancel"
    mentor_id: int
    session_id: int


@dataclass(frozen=True)
class MarkAttendance(KindEffect):
    """Who of a session's invited interns attended (their invite ids); the rest did not."""

    service: ClassVar[str] = f"{SERVICE}:mark_attendance"
    mentor_id: int
    session_id: int
    attended: tuple[int, ...]


@dataclass(frozen=True)
class Feedback(KindEffect):
    """The mentor's 1-5 rating and comment for one intern's session; the intern is told."""

    service: ClassVar[str] = f"{SERVICE}:feedback"
    mentor_id: int
    invite_id: int
    score: int
    comment: str


@dataclass(frozen=True)
class Pulse(KindEffect):
    """An intern's answer to the weekly "how is it going" (1-5)."""

    service: ClassVar[str] = f"{SERVICE}.pulse:answer"
    student_id: int
    answer_id: int
    score: int


@dataclass(frozen=True)
class Escalate(KindEffect):
    """Attendance still unmarked: the interns' coordinators are told."""

    service: ClassVar[str] = f"{SERVICE}:escalate_unmarked"
    session_id: int
