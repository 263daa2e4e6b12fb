"""The student's journey: the declared states and a router to its two halves.

`student_find` owns finding and applying (FIND, MORE, a list number, APPLY);
`student_work` owns doing the work (AGREE, IN, OUT, LOG, SUBMIT, STATUS); an opportunity
kind's own commands and scheduled jobs go to its handlers (`Kind.commands`, `.triggers`).
Keywords work from any state, so a student is never stuck; MENU always goes home.
"""

from __future__ import annotations

from types import ModuleType

from bot import kinds
from bot.flows import consent, kind_hints, student_find, student_work
from bot.flows.base import Reply, Turn
from bot.i18n import N_
from bot.machine import machine as _machine
from bot.messages import Button, Outbound

name = "student"

machine = _machine(  # the commands work from any state, so each of them is an anywhere event
    name,
    "idle",
    [("browsing", "pick", "viewing"), ("viewing", "pick", "viewing")],
    finals=["idle"],
    anywhere=[
        ("find", "browsing"),  # FIND, MORE, a kind, an opportunity from an old list
        ("in", "await_in_location"),
        ("out", "await_out_location"),
        ("out_remote", "await_out_note"),
        ("log", "await_log"),
        ("submit", "await_submit"),
    ],
)
# the half that answers a message that is no command, by the state that asked for it
OWNER: dict[str, ModuleType] = {s: student_find for s in student_find.FIND_STATES} | {
    s: student_work for s in student_work.ANSWERS
}
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
        kind_hints.add(_(MENU, name=turn.person.first_name), turn),
        buttons=[
            [Button(_("Find"), "", "FIND"), Button(_("Status"), "", "STATUS")],
            [Button(_("Clock in"), "", "IN"), Button(_("Clock out"), "", "OUT")],
        ],
    )


def handle(turn: Turn) -> Reply | None:
    """Send the event to the half of the journey that owns it."""
    if turn.action is not None and turn.action[0] in kinds.actions():
        return kinds.actions()[turn.action[0]](turn)  # an opportunity kind's button
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
    more = turn.data.get("more")  # MORE after a kind's own list (SHIFTS) pages that list
    if keyword == "MORE" and turn.state == machine.initial and more in kinds.commands():
        return kinds.commands()[more](turn)
    if keyword in FIND_WORDS:
        return student_find.handle(turn)
    if keyword in WORK_WORDS:
        return student_work.handle(turn)
    command = kinds.commands().get(keyword or (turn.cmd.words[:1] or ("",))[0])
    command = command or kinds.commands().get(str(turn.data.get("kind_command", "")))
    if command is not None:  # a kind's own command (the words above win)
        return command(turn)
    inbound = turn.inbound
    half = OWNER.get(turn.state)
    if inbound is not None and (inbound.location or inbound.attachment or inbound.location_denied):
        half = student_work  # a location or a file, whatever was asked: the work half's
    return half.handle(turn) if half is not None else None
