"""Guardians: the permission request after approval, YES/NO with the code, a bare answer,
REVOKE with a code (withdraws), REVOKE alone (an opt-out), a code that is not theirs."""

from __future__ import annotations

from sqlalchemy import select

from bot.outbox import enqueue
from bot.services import placements
from db.models import Application, ConsentRequest, GuardianLink
from tests.scripts._cast import ADULT, APPROVE, family
from tests.support.script_checks import applications, consent, opted_out, placement
from tests.support.scripts import Means, Script, Step, World

CODE = r"(?:YES|SI) (\d{4})"


def _applied(lang: str) -> list[Step]:
    """The student finds and applies; the coordinator approves: the guardian is asked."""
    return [
        Step("student", "FIND" if lang == "en" else "BUSCAR", Means("{title}")),
        Step("student", "APPLY 1", Means("{title}"), db=applications(1, "pending")),
        Step(
            "coordinator",
            APPROVE,
            Means("Leah", "{title}", "Sunrise Bakery", "/slip/", to="guardian", lang=lang),
            grab={"code": CODE},
            db=(placement("paperwork"), consent("open", "request_sent")),
        ),
    ]


def siblings(world: World) -> None:
    """`family` plus Leah's brother Mateo on the same opportunity, one guardian for both;
    both approved, so two requests wait (facts `leah_code`, `mateo_code`)."""
    family(world)
    student = world.people["student"]
    mateo = world.make.student(
        school=None, guardians=0, given_name="Mateo", language=world.lang, transportation="transit"
    )
    world.people["mateo"] = mateo
    with world.staff() as ctx:
        ctx.session.add(GuardianLink(student_id=mateo.id, guardian_id=world.people["guardian"].id))
    for kid in (student, mateo):
        with world.staff() as ctx:
            app = Application(
                student_id=kid.id, opportunity_id=world.facts["opp"], created_at=ctx.now
            )
            ctx.session.add(app)
            ctx.session.flush()
            for out in placements.approve(ctx, app.id):
                enqueue(ctx, out)
            code = ctx.session.scalar(
                select(ConsentRequest.code).order_by(ConsentRequest.id.desc()).limit(1)
            )
        world.facts[f"{kid.given_name.lower()}_code"] = code


SCRIPTS = [
    Script(
        "yes with the code, revoke alone, start, revoke with the code",
        family,
        lang="en",
        steps=[
            *_applied("en"),
            Step("guardian", "YES 1111", Means("code", lang="en")),
            Step(
                "guardian",
                "Yes {code}",
                (Means("REVOKE {code}", lang="en"), Means("{title}", to="student")),
                state="consent:idle",
                db=consent("granted", "request_sent", "grant"),
            ),
            Step(
                "guardian",
                "REVOKE",
                Means("START", lang="en"),
                db=(opted_out("guardian"), consent("granted")),
            ),
            Step("guardian", "START", Means("MENU", lang="en"), db=opted_out("guardian", False)),
            Step("student", "AGREE", Means("{title}"), db=placement("ready")),
            Step(
                "guardian",
                "revoke {code}",
                Means("{title}", lang="en"),
                db=(consent("revoked", "request_sent", "grant", "revoke"), placement("paused")),
            ),
        ],
    ),
    Script(
        "no with the code declines",
        family,
        lang="es",
        steps=[
            *_applied("es"),
            Step(
                "guardian",
                "no {code}",
                Means("{title}", lang="es"),
                db=consent("declined", "request_sent", "decline"),
            ),
            Step("guardian", "sí {code}", Means(lang="es")),
        ],
    ),
    Script(
        "a bare si grants the one waiting, revocar alone explains",
        family,
        lang="es",
        steps=[
            *_applied("es"),
            Step("guardian", "Sí", Means("REVOCAR {code}", lang="es"), db=consent("granted")),
            Step("guardian", "REVOCAR", Means("REVOCAR {code}", lang="es")),
            Step("guardian", "INICIO", Means(lang="es")),
        ],
    ),
    Script(
        "a student of 18 signs their own permission",
        lambda world: family(world, birth_date=ADULT),
        lang="en",
        steps=[
            Step("student", "FIND", Means("{title}")),
            Step("student", "APPLY 1", Means("{title}"), db=applications(1, "pending")),
            Step(
                "coordinator",
                APPROVE,
                Means("{title}", "YES", "/slip/", to="student"),
                grab={"code": CODE},
                db=(placement("paperwork"), consent("open")),
            ),
            Step(
                "student",
                "YES {code}",
                (Means("signature", "{title}", "recorded"), Means("AGREE")),
                db=(consent("granted", "request_sent", "grant"), placement("paperwork")),
            ),
            Step("student", "AGREE", Means("{title}"), db=placement("ready")),
        ],
    ),
    Script(
        "one guardian, two children: a bare yes asks which",
        siblings,
        lang="en",
        steps=[
            Step(
                "guardian",
                "yes",
                Means("Leah", "Mateo", "{leah_code}", "{mateo_code}", "YES 1", lang="en"),
                state="consent:choosing",
            ),
            Step(
                "guardian",
                "2",
                Means("Mateo", "REVOKE {mateo_code}"),
                state="consent:idle",
                db=(consent("granted", of="mateo"), consent("open")),
            ),
            Step("guardian", "NO", Means("Leah", "{title}"), db=consent("declined")),
            Step("guardian", "NO", Means(lang="en")),
        ],
    ),
]
