"""The equity view, report downloads, the student record and outreach on the dashboard:
district aggregates for every coordinator, lists and records held to the caseload."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from bot.statuses import OutboxStatus
from db.models import (
    Application,
    AuditEntry,
    Contact,
    Opportunity,
    OutboxMessage,
    OutreachCampaign,
    OutreachRecipient,
)
from tests.conftest import T0
from tests.support.equity_district import AVA, HIRO, equity  # noqa: F401
from tests.support.staff import csrf, sign_in


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_equity_view_shows_coverage_gaps_lists_and_charts(client, equity):  # noqa: F811
    sign_in(client, HIRO)
    html = page(client, "/dashboard/equity")
    assert "2 of 5 students (40.0%)" in html
    assert html.count("too small to compare") >= 5  # every group here is under 10
    assert "<svg" in html and "<script" not in html and "style=" not in html
    # Hiro's caseload: stu-5 (grade 10) only has no experience; no senior or junior of his
    assert "Seniors (grade 12) with no experience: 0" in html
    assert "Samuel" not in html  # stu-2 is Ava's
    assert "2026-W48" in html and "7.00" in html


def test_an_admin_sees_the_district_list_one_click_from_outreach(client, equity):  # noqa: F811
    sign_in(client, AVA)
    html = page(client, "/dashboard/equity")
    assert "Seniors (grade 12) with no experience: 1" in html
    assert "Juniors (grade 11) with no experience: 1" in html  # stu-6 is inactive
    assert 'href="/dashboard/outreach?grade=12"' in html


def test_report_downloads(client, equity):  # noqa: F811
    sign_in(client, HIRO)
    response = client.get("/dashboard/reports/coverage.csv?by=sex")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines == [
        "group,students,with_experience,percent",
        "female,2,2,100.0",
        "male,2,0,0.0",
        "(blank),1,0,0.0",
    ]
    hours = client.get("/dashboard/reports/hours.csv?from=2026-11-30")
    found = list(csv.DictReader(io.StringIO(hours.get_data(as_text=True))))
    assert [(r["student_sourced_id"], r["hours_verified"]) for r in found] == [("stu-4", "4.50")]
    assert client.get("/dashboard/reports/hours.csv?from=nope").status_code == 400
    assert client.get("/dashboard/reports/coverage.csv?by=nope").status_code == 404
    records = client.get("/dashboard/reports/records.csv").get_data(as_text=True)
    ids = {r["student_sourced_id"] for r in csv.DictReader(io.StringIO(records))}
    assert ids == {"stu-4", "stu-5", "stu-6"}  # Hiro's caseload only


def test_the_student_record_is_within_the_caseload(client, equity):  # noqa: F811
    sign_in(client, HIRO)
    mine = equity.students["stu-4"].id
    html = page(client, f"/dashboard/students/{mine}/record")
    assert "Work-based learning record" in html and "4.50" in html and "Valley Clinic" in html
    theirs = equity.students["stu-1"].id
    assert client.get(f"/dashboard/students/{theirs}/record").status_code == 403
    assert client.get("/dashboard/students/999999/record").status_code == 403


def test_outreach_preview_and_send(client, equity, database):  # noqa: F811
    sign_in(client, AVA)
    with database.transaction() as s:  # stu-3 texted STOP
        stop = select(Contact).where(Contact.person_id == equity.students["stu-3"].id)
        s.scalar(stop).opted_out_at = T0
    html = page(client, "/dashboard/outreach")
    # no experience: stu-2, stu-3 and stu-5; stu-3 opted out
    assert re.search(
        r"<strong>3</strong> students with no experience match;\s*<strong>2</strong>", html
    )
    assert "Reply FIND" in html and "Responde BUSCAR" in html
    html = page(client, "/dashboard/outreach?grade=12")
    assert re.search(r"<strong>1</strong> student with no experience match", html)
    token = csrf(client, "/dashboard/outreach")
    response = client.post("/dashboard/outreach", data={"csrf_token": token, "grade": "12"})
    assert response.status_code == 302
    with database.transaction() as s:
        (campaign,) = s.scalars(select(OutreachCampaign)).all()
        (recipient,) = s.scalars(select(OutreachRecipient)).all()
        row = s.get(OutboxMessage, recipient.outbox_id)
        assert (campaign.matched, campaign.queued, campaign.audience) == (1, 1, {"grade": "12"})
        assert recipient.student_id == equity.students["stu-2"].id
        assert row.urgent is False and row.category == "outreach"
        assert row.status == OutboxStatus.PENDING and "BUSCAR" in row.text  # stu-2 reads Spanish
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "outreach:send"))
    html = page(client, "/dashboard/outreach")
    assert "pending 1" in html and re.search(r'<td class="num">0</td></tr>', html)
    with database.transaction() as s:  # stu-2 answers FIND and applies an hour later
        opp = s.scalar(select(Opportunity.id).where(Opportunity.external_id == "opp-1"))
        s.add(
            Application(
                student_id=recipient.student_id,
                opportunity_id=opp,
                created_at=T0 + timedelta(hours=1),
            )
        )
    html = page(client, "/dashboard/outreach")
    assert re.search(r'<td class="num">1</td></tr>', html)  # applied since: 1


def test_the_sample_districts_equity_view(client, district, database, clock):
    """The demo's district: every demographics.csv column it carries is a coverage field."""
    from tests.support.staff import add_account

    add_account(database, clock, "admin@example.org", roles=("admin",))
    sign_in(client, "admin@example.org")
    html = page(client, "/dashboard/equity")
    for field in ("school", "grade", "transportation", "language", "sex",
                  "hispanicOrLatinoEthnicity"):  # fmt: skip
        assert f"Coverage by {field}</h2>" in html
    assert "0 of 40 students (0.0%)" in html  # nobody has verified hours yet
    assert "Open seats within reach" in html
