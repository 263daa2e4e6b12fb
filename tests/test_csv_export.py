"""One CSV writer for every export: formula-looking text neutralised, numbers kept (finding 9)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from bot import csv_export
from db.models import Student
from tests.support.staff import add_account, sign_in


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x.test","hi")', '\'=HYPERLINK("http://x.test","hi")'),
        ("+1 209 555 0100", "'+1 209 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Sunrise Bakery", "Sunrise Bakery"),
        ("", ""),
        (None, ""),
    ],
)
def test_text_cells(value, written):
    assert csv_export.cell(value) == written


def test_numbers_stay_numbers():
    body = csv_export.render(
        ["balance", "hours", "n", "on"],
        [[Decimal("-15000.00"), -1.5, -3, date(2026, 12, 3)]],
    )
    assert body.splitlines() == ["balance,hours,n,on", "-15000.00,-1.5,-3,2026-12-03"]


def test_the_dashboard_export_neutralises_names(client, make, database, clock):
    school = make.school()
    staff = make.staff(school=school, email="ava@example.org")
    add_account(database, clock, "ava@example.org")
    student = make.student(
        school=school, given_name="=cmd|' /C calc'!A0", family_name="@Rivera", guardians=0
    )
    with database.transaction() as s:
        s.get(Student, student.id).coordinator_id = staff.id
    employer = make.employer(name="+Sunrise Bakery")
    placement = make.placement(student, make.opportunity(employer, title="-Inventory"))
    sign_in(client, "ava@example.org")
    response = client.get("/dashboard/export/placements.csv")
    assert response.status_code == 200
    (row,) = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert row["student"] == "'=cmd|' /C calc'!A0 @Rivera"
    assert row["employer"] == "'+Sunrise Bakery" and row["opportunity"] == "'-Inventory"
    assert row["placement_id"] == str(placement.id)
