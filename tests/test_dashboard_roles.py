"""Roles on every dashboard route (table-driven over the app's url_map, so a new route
without a rule fails here) and caseload limits on records and actions (finding 10)."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import select

from bot.dashboard.access import RULES
from db.models import Application, ConsentRecord, Student
from tests.support.staff import add_account, csrf, sign_in

ROLES = ("admin", "coordinator", "facilitator")


def dashboard_routes(app):
    """(endpoint, method, path) for every dashboard route, ids filled in with 1."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("dashboard."):
                continue
            args = {a: ("x" * 43 if a == "token" else 1) for a in rule.arguments}
            path = url_for(rule.endpoint, **args)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, path))
    return found


def test_every_dashboard_route_has_a_role_rule(app):
    missing = {e for e, _, _ in dashboard_routes(app)} - set(RULES)
    assert missing == set(), f"routes without a rule in bot/dashboard/access.py: {missing}"


def test_a_route_without_a_rule_is_refused():
    """The guard consults RULES by endpoint: an endpoint without a rule is never allowed."""
    from bot.dashboard.access import allowed
    from bot.dashboard.sessions import Viewer
    from bot.dashboard.views import bp

    assert allowed("dashboard.brand_new_page", Viewer(1, 1, frozenset(ROLES))) is False
    assert bp.before_request_funcs  # the guard is installed on the blueprint


@pytest.mark.parametrize("role", ROLES)
def test_a_wrong_role_gets_403_on_every_route(app, database, clock, role):
    add_account(database, clock, f"{role}@example.org", roles=(role,))
    client = app.test_client()
    assert sign_in(client, f"{role}@example.org").status_code == 302
    token = csrf(client, "/dashboard/")
    checked = 0
    for endpoint, method, path in dashboard_routes(app):
        rule = RULES[endpoint]
        if not rule or role in rule:
            continue
        if method == "POST":
            response = client.post(path, data={"csrf_token": token})
        else:
            response = client.get(path)
        assert response.status_code == 403, (role, method, path)
        checked += 1
    assert checked > 0 or role == "admin"  # an admin has no wrong route


def test_visitors_are_sent_to_sign_in_on_every_staff_route(app):
    client = app.test_client()
    token = csrf(client)
    for endpoint, method, path in dashboard_routes(app):
        if not RULES[endpoint]:
            continue
        response = (
            client.post(path, data={"csrf_token": token}) if method == "POST" else client.get(path)
        )
        assert response.status_code == 302, (method, path)
        assert "/dashboard/login" in response.headers["Location"]


@pytest.fixture
def two_caseloads(make, database, clock):
    """Ava's student Leah and Ben's student Omar, each with a placement and an application."""
    school = make.school()
    opp = make.opportunity(remote=True)
    other_opp = make.opportunity(remote=True, title="Sort the food bank shelves")
    out = {}
    for name, email, student_name in (
        ("ava", "ava@example.org", "Leah"),
        ("ben", "ben@example.org", "Omar"),
    ):
        person = make.staff(school=school, email=email)
        add_account(database, clock, email)
        student = make.student(school=school, given_name=student_name, guardians=1)
        with database.transaction() as s:
            s.get(Student, student.id).coordinator_id = person.id
        placement = make.placement(student, opp)
        with database.transaction() as s:
            app_row = Application(
                student_id=student.id,
                opportunity_id=other_opp.id,
                status="pending",
                created_at=clock.now(),
            )
            s.add(app_row)
            s.flush()
            out[name] = {"student": student, "placement": placement.id, "application": app_row.id}
    return out


def test_a_coordinator_cannot_act_on_another_caseload(client, two_caseloads, database):
    ben = two_caseloads["ben"]
    assert sign_in(client, "ava@example.org").status_code == 302
    token = csrf(client, "/dashboard/")
    approve = client.post(
        f"/dashboard/applications/{ben['application']}",
        data={"decision": "approve", "csrf_token": token},
    )
    assert approve.status_code == 403
    assert client.get(f"/dashboard/placements/{ben['placement']}").status_code == 403
    paper = client.post(
        f"/dashboard/placements/{ben['placement']}/paper-consent",
        data={"csrf_token": token, "signed_on": "2026-12-01", "granted": "yes"},
    )
    assert paper.status_code == 403
    with database.transaction() as s:
        assert s.get(Application, ben["application"]).status == "pending"
        assert s.scalars(select(ConsentRecord)).all() == []
    # lists: my caseload only; the whole district's list is an admin's
    for path in ("/dashboard/applications", "/dashboard/placements", "/dashboard/flags"):
        page = client.get(path).get_data(as_text=True)
        assert "Omar" not in page
        assert client.get(path + "?all=1").status_code == 403
    assert "Omar" not in client.get("/dashboard/export/placements.csv").get_data(as_text=True)
    assert client.get("/dashboard/export/placements.csv?all=1").status_code == 403
    # district aggregates stay readable
    assert client.get("/dashboard/?all=1").status_code == 200
    # and my own student is in reach
    ava = two_caseloads["ava"]
    assert client.get(f"/dashboard/placements/{ava['placement']}").status_code == 200
    assert "Leah" in client.get("/dashboard/placements").get_data(as_text=True)


def test_an_admin_reaches_every_caseload(client, two_caseloads, database, clock):
    add_account(database, clock, "it@example.org", roles=("admin",))
    assert sign_in(client, "it@example.org").status_code == 302
    ben = two_caseloads["ben"]
    assert client.get(f"/dashboard/placements/{ben['placement']}").status_code == 200
    page = client.get("/dashboard/placements?all=1").get_data(as_text=True)
    assert "Omar" in page and "Leah" in page
    token = csrf(client, "/dashboard/")
    client.post(
        f"/dashboard/applications/{ben['application']}",
        data={"decision": "decline", "reason": "full", "csrf_token": token},
    )
    with database.transaction() as s:
        assert s.get(Application, ben["application"]).status == "declined"
