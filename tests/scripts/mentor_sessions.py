"""Virtual internships: a Toronto mentor schedules with MEET (repeated back, YES sends
it), the Los Angeles intern is invited and reminded in their own time, MOVE/CANCEL n,
attendance after the session (numbers by SMS, toggles on Telegram) becomes approved
hours, the rating and comment reach the intern, and the weekly pulse (a digit, one tap)."""

from __future__ import annotations

from datetime import timedelta

from tests.scripts._cast import JOBS, family
from tests.support.mentors import set_zone
from tests.support.script_checks import entries
from tests.support.scripts import Means, Press, Script, Silent, Step, World

TG = "telegram"
LINK = "https://meet.example.org/maple"
DAY_BEFORE = timedelta(days=1, hours=4, minutes=1)  # T0 Tue 17:00 UTC -> Wed 21:01 UTC
TO_THE_END = timedelta(days=1, minutes=45)  # Thu 21:46 UTC: the 45-minute session ended
PULSE_DAY = timedelta(hours=7, minutes=5)  # Tue 16:05 in Los Angeles, the placement's weekday


def mentored(world: World) -> None:
    """`family`, plus a virtual partner's mentor in Toronto (`mentor`) with the student placed."""
    family(world)
    make = world.make
    employer = make.employer(kind="virtual_partner", name="Maple Ledger")
    mentor = make.supervisor(employer, given_name="Lucia", language=world.lang)
    set_zone(world.database, mentor.id, "America/Toronto")
    opp = make.opportunity(
        employer, supervisor=mentor, remote=True, kind="virtual", title="Test our new app"
    )
    make.placement(world.people["student"], opp)
    world.people["mentor"] = mentor


WORDS = {
    "en": dict(
        meet="MEET thu 4pm 45", yes="YES", all="ALL", rate="5 Great questions",
        mentor_when="Thu Dec 3, 4:00 PM (Toronto time)", when="Thu Dec 3, 1:00 PM",
        move="MOVE 1 fri 11am", moved="Fri Dec 4, 8:00 AM", cancel="CANCEL 1",
        done="Done", tomorrow="tomorrow", who="Who joined", thanks="Thank", pulse="1 (not well)",
        low="check in", comment="Great questions", tap="Tap each intern",
    ),
    "es": dict(
        meet="REUNION el jueves a las 4pm 45", yes="SI", all="TODOS", rate="5 Muy buenas preguntas",
        mentor_when="jue 3 dic, 16:00 (hora de Toronto)", when="jue 3 dic, 13:00",
        move="MOVER 1 viernes 11:00", moved="vie 4 dic, 8:00", cancel="CANCELAR 1",
        done="Listo", tomorrow="mañana", who="Quién se unió", thanks="Gracias", pulse="1 (mal)",
        low="coordinador", comment="Muy buenas preguntas", tap="Toque a cada pasante",
    ),
}  # fmt: skip


def _meet(w: dict[str, str], lang: str, channel: str = "sms") -> list[Step]:
    return [
        Step("mentor", w["meet"], Means(w["mentor_when"], "45 min", "Leah", "https://", lang=lang), channel),
        Step("mentor", LINK, Means(w["mentor_when"], LINK, w["yes"], lang=lang), channel),
        Step(
            "mentor",
            w["yes"],
            (
                Means("Leah", lang=lang),
                Means("Lucia", w["when"], LINK, "/calendar/", to="student", lang=lang),
            ),
            channel,
        ),
    ]  # fmt: skip


def _sms(lang: str) -> Script:
    w = WORDS[lang]
    return Script(
        "mentor session by sms: meet, remind, attendance, feedback",
        mentored,
        lang=lang,
        steps=[
            *_meet(w, lang),
            Step(
                "coordinator",
                JOBS,
                (
                    Means(w["tomorrow"], w["when"], LINK, to="student", lang=lang),
                    Means(w["tomorrow"], w["mentor_when"], to="mentor", lang=lang),
                ),
                wait=DAY_BEFORE,
            ),
            Step("coordinator", JOBS, Means(w["who"], "1. Leah", to="mentor", lang=lang), wait=TO_THE_END),
            Step("mentor", w["all"], Means("1/1", "Leah", lang=lang), db=entries(1, status="approved", hours="0.75")),
            Step(
                "mentor",
                w["rate"],
                (Means(w["thanks"], lang=lang), Means("Lucia", "5/5", w["comment"], to="student", lang=lang)),
                state="supervisor:idle",
            ),
        ],
    )  # fmt: skip


def _move(lang: str) -> Script:
    w = WORDS[lang]
    return Script(
        "mentor moves and cancels a session",
        mentored,
        lang=lang,
        steps=[
            *_meet(w, lang),
            Step("mentor", w["move"], (Means(lang=lang), Means(w["moved"], LINK, to="student", lang=lang))),
            Step("mentor", w["cancel"], (Means(lang=lang), Means("Lucia", to="student", lang=lang))),
        ],
    )  # fmt: skip


def _telegram(lang: str) -> Script:
    w = WORDS[lang]
    return Script(
        "mentor marks attendance with toggles on telegram",
        mentored,
        lang=lang,
        steps=[
            *_meet(w, lang, TG),
            Step("coordinator", JOBS, Means(w["tap"], "Leah", to="mentor", buttons=True, lang=lang), wait=DAY_BEFORE + TO_THE_END),
            Step("mentor", Press("Leah"), Means(w["tap"], buttons=True, lang=lang), TG),
            Step(
                "mentor", Press(w["done"]), (Means("Leah"), Means("1/1", lang=lang)), TG,
                db=entries(1, status="approved", hours="0.75"),
            ),
            Step("mentor", "4", Means(w["thanks"], lang=lang), TG),
        ],
    )  # fmt: skip


def _pulse(lang: str, channel: str) -> Script:
    w = WORDS[lang]
    answer = Press("2") if channel == TG else "2"
    return Script(
        f"weekly pulse by {channel}",
        mentored,
        lang=lang,
        steps=[
            Step("student", "MENU", Means(), channel),
            Step("coordinator", JOBS, Silent(to="student"), wait=PULSE_DAY),
            Step("coordinator", JOBS, Means(w["pulse"] if channel != TG else "5", to="student", lang=lang), wait=timedelta(minutes=1)),
            Step(
                "student", answer,
                (Means(w["low"], lang=lang), Means("Leah", "2", to="coordinator")),
                channel,
            ),
        ],
    )  # fmt: skip


SCRIPTS = [
    s
    for lang in ("en", "es")
    for s in (_sms(lang), _move(lang), _telegram(lang), _pulse(lang, "sms"), _pulse(lang, TG))
]
