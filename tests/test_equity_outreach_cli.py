"""`wbl outreach --no-experience` as pinned, and the roster's demographics.csv values kept
for coverage by group (imported, updated, blanked, unchanged on a re-import)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.importers.roster import import_roster
from db.models import Contact, OutboxMessage, OutreachCampaign, Person, StudentDemographic
from tests.conftest import T0
from tests.support.district import copy_sample, edit_row
from tests.support.equity_district import equity  # noqa: F401
from tests.test_cli_approve import wbl  # noqa: F401


def outbox(database) -> list[tuple[int, bool, str]]:
    with database.transaction() as s:
        rows = s.execute(
            select(OutboxMessage.person_id, OutboxMessage.urgent, OutboxMessage.category)
        )
        return sorted(tuple(r) for r in rows)


def test_outreach_queues_the_reachable_students_with_no_experience(wbl, equity, database):  # noqa: F811
    ids = {sid: p.id for sid, p in equity.students.items()}
    with database.transaction() as s:
        stop = select(Contact).where(Contact.person_id == ids["stu-3"])
        s.scalar(stop).opted_out_at = T0
    code, out, _ = wbl("outreach", "--no-experience", "--dry-run")
    assert code == 0 and out.startswith("would queue: 2 of 3 students")
    assert outbox(database) == [] and _campaigns(database) == 0
    code, out, _ = wbl("outreach", "--no-experience", "--school", "sch-b")
    assert code == 0 and out.startswith("queued: 1 of 1 students")
    assert outbox(database) == [(ids["stu-5"], False, "outreach")]
    code, out, _ = wbl("outreach", "--no-experience", "--grade", "12", "--group", "sex=male")
    assert out.startswith("queued: 1 of 1")
    code, out, _ = wbl("outreach", "--no-experience", "--group", "sex")  # no value: the blank
    assert out.startswith("queued: 0 of 1")  # stu-3, opted out
    assert _campaigns(database) == 3


def test_outreach_refuses_unknown_filters(wbl, equity):  # noqa: F811
    code, _, err = wbl("outreach", "--no-experience", "--school", "sch-zz")
    assert code == 2 and "unknown school 'sch-zz'" in err
    code, _, err = wbl("outreach", "--no-experience", "--group", "shoe=42")
    assert code == 2 and "unknown field 'shoe'" in err


def _campaigns(database) -> int:
    with database.transaction() as s:
        return s.scalar(select(func.count()).select_from(OutreachCampaign)) or 0


def values(database, sid: str) -> dict[str, str]:
    with database.transaction() as s:
        rows = s.execute(
            select(StudentDemographic.field, StudentDemographic.value)
            .join(Person, Person.id == StudentDemographic.person_id)
            .where(Person.sourced_id == sid)
        )
        return dict(rows.all())


def test_demographics_are_kept_updated_and_blanked(database, clock, tmp_path):
    folder = copy_sample(tmp_path / "bundle")
    import_roster(database, folder, now=clock.now())
    assert values(database, "student-1") == {"sex": "male", "hispanicOrLatinoEthnicity": "true"}
    with database.transaction() as s:
        before = s.scalar(select(func.count()).select_from(StudentDemographic))
    assert before and before >= 2 * 39
    edit_row(folder, "demographics.csv", "student-1", sex="female", hispanicOrLatinoEthnicity="")
    edit_row(folder, "demographics.csv", "student-2", asian="true")
    import_roster(database, folder, now=clock.now())
    assert values(database, "student-1") == {"sex": "female"}
    assert values(database, "student-2")["asian"] == "true"
    import_roster(database, folder, now=clock.now())  # unchanged: nothing moves
    assert values(database, "student-1") == {"sex": "female"}
