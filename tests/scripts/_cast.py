"""The people scripts share, and the things done outside the chat (`Act`s).

`family(world)`: a school with its coordinator, a student who takes the bus, one guardian
(both speaking the script's language), Sunrise Bakery with a site, a supervisor
(Gabriel) and an on-site opportunity. Facts: `title`, `short` (as cut in
short messages), `opp`.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.outbox import enqueue
from bot.runtime import Runtime
from bot.scheduler import run_jobs
from bot.services import linking, placements
from db.models import Application, Placement, TimeEntry
from tests.support.scripts import Act, World

SITE = (36.6031, -119.4488)  # the bakery; the student lives about 0.5 km away
TITLE = "Photograph the new holiday menu"
REMOTE_TITLE = "Design a flyer for our food drive"
ADULT = date(2008, 6, 1)  # 18 on T0


def family(world: World, *, birth_date: date = date(2009, 5, 1)) -> None:
    make, lang = world.make, world.lang
    school = make.school()
    world.people["coordinator"] = make.staff(school=school, given_name="Ava")
    student = make.student(
        school=school,
        transportation="transit",
        guardians=0,
        language=lang,
        given_name="Leah",
        birth_date=birth_date,
        home=(36.6075, -119.4488),
    )
    world.people["student"] = student
    world.people["guardian"] = make.guardian_of(student, language=lang, given_name="Rosa")
    employer = make.employer(name="Sunrise Bakery")
    site = make.site(employer, lat=SITE[0], lon=SITE[1], name="Sunrise Bakery Main St")
    world.people["supervisor"] = make.supervisor(employer, given_name="Gabriel", language=lang)
    opp = make.opportunity(
        employer, site=site, supervisor=world.people["supervisor"], title=TITLE, est_hours="6"
    )
    world.facts.update(title=TITLE, short=TITLE[:26], opp=opp.id)


def catalog(world: World) -> None:
    """`family` plus a remote opportunity from another partner (`remote_title`)."""
    family(world)
    employer = world.make.employer(kind="virtual_partner", name="Pixel Forge")
    boss = world.make.supervisor(employer, given_name="Mina")
    opp = world.make.opportunity(
        employer, supervisor=boss, remote=True, kind="virtual", title=REMOTE_TITLE
    )
    world.facts.update(remote_title=REMOTE_TITLE, remote_opp=opp.id)
    for title in ("Count the holiday stock", "Greet visitors at the fair"):
        world.make.opportunity(
            employer, supervisor=boss, remote=True, kind="virtual", title=title, est_hours="3"
        )


def placed(world: World, *, agreed: bool = True) -> None:
    """`family` with the student placed and ready to work (paperwork done); or, not
    `agreed`, waiting for the student's OK to the training agreement."""
    family(world)
    opp = world.facts["opp"]
    with world.database.transaction() as s:
        app = Application(
            student_id=world.people["student"].id,
            opportunity_id=opp,
            status="approved",
            created_at=world.clock.now(),
            decided_at=world.clock.now(),
        )
        s.add(app)
        s.flush()
        row = Placement(
            application_id=app.id,
            student_id=app.student_id,
            opportunity_id=opp,
            status="ready" if agreed else "paperwork",
            starts_on=date(2026, 12, 1),
            due_on=date(2026, 12, 28),
            agreement_ack_at=world.clock.now() if agreed else None,
            paper_consent=True,
            created_at=world.clock.now(),
        )
        s.add(row)
        s.flush()
        world.facts["placement"] = row.id


def unagreed(world: World) -> None:
    placed(world, agreed=False)


def placed_with_work(world: World) -> None:
    """`placed`, with 6 h logged (`entry`) and a piece of work submitted (`work`)."""
    placed(world)
    with world.database.transaction() as s:
        s.add(
            TimeEntry(
                placement_id=world.facts["placement"],
                student_id=world.people["student"].id,
                kind="manual",
                status="pending",
                hours=6,
                description="photographed the menu",
                created_at=world.clock.now(),
            )
        )
    with world.database.transaction() as s:
        world.facts["entry"] = s.scalar(select(TimeEntry.id))
    placement = Placement(id=world.facts["placement"], student_id=world.people["student"].id)
    work = world.make.deliverable(placement, text="Menu photos https://photos.example.org/menu")
    world.facts["work"] = work.id


def invite(world: World) -> None:
    """`family`, a link code for the student (`code`) and a Telegram chat nobody owns."""
    family(world)
    with world.staff() as ctx:
        world.facts["code"] = linking.create_invite(ctx, world.people["student"].id)
    world.strangers["newchat"] = "telegram:880000001"
    world.strangers["stranger"] = "tel:+12095550199"


# --- done outside the chat ---------------------------------------------------------------
def _approve(world: World) -> None:
    with world.staff() as ctx:
        app_id = ctx.session.scalar(
            select(Application.id)
            .where(Application.student_id == world.people["student"].id)
            .order_by(Application.id.desc())
        )
        for out in placements.approve(ctx, int(app_id or 0)):
            enqueue(ctx, out)


def _worker_pass(world: World) -> None:
    runtime = Runtime(world.settings, world.database, world.clock)
    summary = run_jobs(runtime, world.clock.now())
    assert summary.failed == summary.sweep_errors == 0, f"the worker's pass failed: {summary}"


APPROVE = Act(_approve, "the coordinator approves the newest application")
JOBS = Act(_worker_pass, "the worker runs due reminders and sweeps (not the outbox)")
LATER = timedelta(hours=2)
