"""The student's journey: the declared states and a router to its two halves.

`student_find` owns finding and applying (FIND, MORE, a list number, APPLY);
`student_work` owns doing the work (AGREE, IN, OUT, LOG, SUBMIT, STATUS); an opportunity
kind's own commands and scheduled jobs go to its handlers (`Kind.commands`, `.triggers`).
Keywords work from any state, so a student is never stuck; MENU always goes home.
"""

from __future__ import annotations

from bot import kinds
from bot.flows import consent, student_find, student_work
from bot.flows.base import Reply, Turn
from bot.i18n import N_
from bot.machine import machine as _machine
from bot.messages import Button, Outbound

name = "student"

FIND_STATES = ("browsing", "viewing")
WORK_STATES = (
    "await_in_location",
    "await_out_location",
    "await_out_note",
    "await_log",
    "await_submit",
)
_HOME = ("idle", *FIND_STATES)
_moves: list[tuple[str, str, str]] = []
for _src in _HOME:
    _moves += [
        (_src, "find", "browsing"),
        (_src, "in", "await_in_location"),
        (_src, "out", "await_out_location"),
        (_src, "out_remote", "await_out_note"),
        (_src, "log", "await_log"),
        (_src, "submit", "await_submit"),
    ]
for _src in WORK_STATES:
    _moves += [(_src, "find", "browsing"), (_src, "done", "idle")]
_moves += [
    ("browsing", "pick", "viewing"),
    ("viewing", "back", "browsing"),
    ("browsing", "apply", "idle"),
    ("viewing", "apply", "idle"),
    ("await_in_location", "other_command", "await_out_location"),
    ("await_out_location", "location", "await_out_note"),
    ("await_out_location", "other_command", "await_in_location"),
]
for _src in WORK_STATES:
    for _dst in WORK_STATES:
        if _src != _dst:
            _moves.append((_src, "other_command", _dst))
machine = _machine(name, "idle", _moves, finals=["idle"])
actions = student_find.actions | student_work.actions
triggers = student_find.triggers | student_work.triggers

FIND_WORDS = {"FIND", "MORE", "APPLY"}
SIGN_WORDS = {"YES", "NO", "REVOKE"}  # a student of 18+ signs their own permission
WORK_WORDS = student_work.WORDS
MENU = N_(
    "Hi {name}! What next?\nFIND: opportunities for you\nSTATUS: your hours and next step\n"
    "IN / OUT: clock in or out\nLOG: hours done remotely\nSUBMIT: send your work"
)


def menu(turn: Turn) -> Outbound:
    """The student's home menu."""
    _ = turn._
    return Outbound(
        _(MENU, name=turn.person.first_name),
        buttons=[
            [Button(_("Find"), "", "FIND"), Button(_("Status"), "", "STATUS")],
            [Button(_("Clock in"), "", "IN"), Button(_("Clock out"), "", "OUT")],
        ],
    )


def handle(turn: Turn) -> Reply | None:
    """Send the event to the half of the journey that owns it."""
    if turn.action is not None:
        owner = student_find if turn.action[0] in student_find.actions else student_work
        return owner.handle(turn)
    if turn.trigger is not None:
        job = kinds.triggers().get(turn.trigger.kind)
        if job is not None:
            return job(turn)
        owner = student_find if turn.trigger.kind in student_find.triggers else student_work
        return owner.handle(turn)
    keyword = turn.cmd.keyword
    if keyword in SIGN_WORDS:
        return consent.handle(turn)
    if keyword in FIND_WORDS:
        return student_find.handle(turn)
    if keyword in WORK_WORDS:
        return student_work.handle(turn)
    command = kinds.commands().get(keyword or (turn.cmd.words[:1] or ("",))[0])
    if command is not None:  # a kind's own command (the words above win)
        return command(turn)
    inbound = turn.inbound
    if turn.state in WORK_STATES:
        return student_work.handle(turn)
    if inbound is not None and (inbound.location or inbound.attachment or inbound.location_denied):
        return student_work.handle(turn)
    if turn.state in FIND_STATES:
        return student_find.handle(turn)
    return None
