"""Student, working: IN with a location inside or outside the site's fence, OUT, LOG,
SUBMIT, STATUS; on SMS, IN answers with a one-time check-in link."""

from __future__ import annotations

from bot.messages import Attachment, Location
from tests.scripts._cast import LATER, SITE, placed, unagreed
from tests.support.script_checks import deliverables, entries, placement
from tests.support.scripts import Means, Press, Script, Step

AT_WORK = Location(SITE[0] + 0.0002, SITE[1], accuracy_m=15)  # about 20 m from the door
ACROSS_TOWN = Location(SITE[0] + 0.05, SITE[1], accuracy_m=15)  # about 5.5 km away
TG = "telegram"

SCRIPTS = [
    Script(
        "a day at work on telegram",
        placed,
        lang="en",
        steps=[
            Step("student", "IN", Means(asks_location=True, lang="en"), TG, "await_in_location"),
            Step(
                "student",
                AT_WORK,
                Means("{short}", "OUT", lacks=("far",)),
                TG,
                "idle",
                db=entries(1, status="open", in_verdict="verified"),
            ),
            Step("student", "IN", Means("clocked in since", "OUT"), TG),
            Step(
                "student",
                Press("Clock out"),
                Means(asks_location=True),
                TG,
                "await_out_location",
                wait=LATER,
            ),
            Step(
                "student",
                AT_WORK,
                Means("{short}", "2 h"),
                TG,
                "idle",
                db=entries(1, status="approved", hours="2", out_verdict="verified"),
            ),
            Step(
                "student",
                "LOG 1.5 edited the photos at home",
                Means("1.5", "{short}", lang="en"),
                TG,
                db=entries(2, status="pending", hours="1.5", kind="manual"),
            ),
            Step(
                "student",
                "SUBMIT https://photos.example.org/menu",
                Means("{short}", "supervisor"),
                TG,
                db=deliverables(1, "submitted"),
            ),
            Step(
                "student",
                "STATUS",
                Means("{short}", "2 h approved", "1.5 h pending", "of 6 h", lang="en"),
                TG,
            ),
        ],
    ),
    Script(
        "clock in across town, log in two steps",
        placed,
        lang="es",
        steps=[
            Step("student", "ENTRADA", Means(asks_location=True, lang="es"), TG),
            Step(
                "student",
                ACROSS_TOWN,
                Means("{short}", lang="es"),
                TG,
                "idle",
                db=entries(1, status="open", in_verdict="outside"),
            ),
            Step("student", "SALIDA", Means(asks_location=True, lang="es"), TG, wait=LATER),
            Step(
                "student",
                ACROSS_TOWN,
                Means("{short}", "2 h", lang="es"),
                TG,
                "idle",
                db=entries(1, status="pending", hours="2", out_verdict="outside"),
            ),
            Step("student", "LOG", Means("horas", lang="es"), state="await_log"),
            Step("student", "muchas horas", Means(lang="es"), state="await_log"),
            Step(
                "student",
                "1 edité las fotos",
                Means("1", "{short}", lang="es"),
                state="idle",
                db=entries(2, hours="1", kind="manual"),
            ),
            Step("student", "ESTADO", Means("{short}", "3 h", lang="es")),
        ],
    ),
    Script(
        "clock in by sms gets a check-in link",
        placed,
        lang="es",
        steps=[
            Step(
                "student",
                "ENTRADA",
                Means("https://wbl.example.test/checkin/", "{short}", lang="es"),
            ),
            Step("student", "SALIDA", Means("ENTRADA", lang="es"), db=entries(0)),
            Step(
                "student",
                "ENTREGAR",
                Means(lang="es"),
                state="await_submit",
            ),
            Step(
                "student",
                "Fotografié todo el menú y lo subí a https://photos.example.org/menu",
                Means("{short}", lang="es"),
                state="idle",
                db=deliverables(1, "submitted"),
            ),
        ],
    ),
    Script(
        "clock in by sms gets a check-in link",
        placed,
        lang="en",
        steps=[
            Step("student", "IN", Means("https://wbl.example.test/checkin/", "{short}", lang="en")),
            Step("student", "OUT", Means("IN", lang="en"), db=entries(0)),
        ],
    ),
    Script(
        "hours with a decimal comma are answered with a decimal comma",
        placed,
        lang="es",
        steps=[
            Step(
                "student",
                "HORAS 1,5 investigué la competencia",
                Means("1,5 h", lang="es", lacks=("1.5",)),
                db=entries(1, hours="1.5"),
            ),
        ],
    ),
]

SCRIPTS += [
    Script(
        "a photo sent as the work, paperwork blocks clocking in",
        placed,
        lang="en",
        steps=[
            Step("student", Attachment("photo", "file-123"), Means("SUBMIT"), TG),
            Step("student", "SUBMIT", Means(lang="en"), TG, "await_submit"),
            Step(
                "student",
                Attachment("photo", "file-123"),
                Means("{short}"),
                TG,
                "idle",
                db=deliverables(1, "submitted"),
            ),
            Step(
                "student",
                Location(SITE[0], SITE[1], forwarded=True),
                Means("IN", lang="en"),
                TG,
            ),
            Step("student", "IN", Means(asks_location=True), TG, "await_in_location"),
            Step(
                "student",
                Location(SITE[0], SITE[1], forwarded=True),
                Means(asks_location=True, lang="en"),
                TG,
                "await_in_location",
            ),
        ],
    ),
    Script(
        "paperwork missing blocks clocking in until the student agrees",
        unagreed,
        lang="es",
        steps=[
            Step("student", "ENTRADA", Means("{short}", "ACEPTO", lang="es"), TG),
            Step("student", "HORAS 2 edité fotos", Means("{short}", lang="es"), TG),
            Step("student", "ACEPTO", Means("{short}", lang="es"), db=placement("ready")),
            Step("student", "ENTRADA", Means(asks_location=True, lang="es"), TG),
        ],
    ),
]

SCRIPTS += [
    Script(
        "hours logged while clocked in are not counted twice",
        placed,
        lang="en",
        steps=[
            Step("student", "IN", Means(asks_location=True), TG),
            Step("student", AT_WORK, Means("{short}"), TG, db=entries(1, status="open")),
            Step(
                "student",
                "LOG 3 edited photos at the bakery",
                Means("OUT", lang="en"),
                TG,
                db=entries(1, status="open"),
            ),
        ],
    ),
]
