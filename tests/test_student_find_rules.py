"""The pure rules behind FIND: eligibility, reachability, ranking and the equity order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from geopy.distance import geodesic
from sqlalchemy import select

from bot.context import Context
from bot.errors import WBLError
from bot.policy import Policy
from bot.rules.eligibility import OpportunityFacts, StudentFacts, old_enough, why_not
from bot.rules.reachability import exact_km, quick_km, reach
from bot.services import placements
from bot.services.opportunities import Query, parse_query, rank_for
from db.models import Application, AuditEntry, Placement

POLICY = Policy()
TODAY = date(2026, 12, 1)
HOME = (36.6000, -119.4500)


def opp(i: int = 1, **kw) -> OpportunityFacts:
    base = dict(
        id=i, external_id=f"opp-{i}", title=f"Opp {i}", employer="Emp", kind="micro",
        est_hours=Decimal("6"), seats=3, taken=0, career_cluster="it", min_age=14,
        starts_on=date(2026, 12, 1), due_on=date(2026, 12, 28), remote=True,
    )  # fmt: skip
    base.update(kw)
    return OpportunityFacts(**base)


def student(**kw) -> StudentFacts:
    base = dict(id=1, school_id=10, birth_date=date(2010, 1, 1), home=HOME)
    base.update(kw)
    return StudentFacts(**base)


@pytest.mark.parametrize(
    ("opp_kw", "student_kw", "reason"),
    [
        ({}, {}, None),
        ({"active": False}, {}, "inactive"),
        ({"due_on": date(2026, 11, 30)}, {}, "past_due"),
        ({"vetting_problems": ("insurance",)}, {}, "unvetted"),
        ({"min_age": 18}, {}, "too_young"),
        ({"seats": 2, "taken": 2}, {}, "full"),
        ({}, {"busy": ((date(2026, 12, 20), date(2027, 1, 10)),)}, "overlap"),
        ({}, {"busy": ((date(2026, 12, 29), date(2027, 1, 10)),)}, None),
        ({}, {"applied": frozenset({1})}, "applied"),
        ({"min_age": 15}, {"birth_date": None}, "too_young"),
        ({"min_age": 14}, {"birth_date": None}, None),
    ],
)
def test_why_not(opp_kw, student_kw, reason):
    assert why_not(student(**student_kw), opp(**opp_kw), TODAY, POLICY) == reason


def test_age_is_taken_on_the_start_date():
    birthday = date(2010, 12, 15)  # 16 on 15 Dec 2026
    assert not old_enough(birthday, 16, date(2026, 12, 1), TODAY, 14)
    assert old_enough(birthday, 16, date(2027, 1, 5), TODAY, 14)
    # already started: age today counts
    assert not old_enough(birthday, 16, date(2026, 11, 1), TODAY, 14)


def test_reach_modes_for_a_student_without_a_car():
    common = dict(transportation="none", origin=HOME, student_school_id=10, walk_km=1.5)
    site = (36.70, -119.60)  # ~17 km away
    assert (
        reach(**common, remote=True, site=None, site_school_id=None, site_transit=False).mode
        == "remote"
    )
    at_school = reach(**common, remote=False, site=site, site_school_id=10, site_transit=False)
    assert at_school.mode == "school" and at_school.reachable
    assert (
        reach(**common, remote=False, site=site, site_school_id=11, site_transit=True).mode
        == "transit"
    )
    far = reach(**common, remote=False, site=site, site_school_id=None, site_transit=False)
    assert far.mode == "ride" and not far.reachable and far.km == pytest.approx(17.4, abs=0.3)
    car = {**common, "transportation": "car"}
    assert (
        reach(**car, remote=False, site=site, site_school_id=None, site_transit=False).mode == "car"
    )


def test_walkable_boundary_is_decided_with_geodesic():
    # points just inside and just outside 1.5 km due north of home
    inside = (HOME[0] + 1.497 / 111.0, HOME[1])
    outside = (HOME[0] + 1.503 / 111.0, HOME[1])
    args = dict(transportation="none", origin=HOME, student_school_id=1, remote=False,
                site_school_id=None, site_transit=False, walk_km=1.5)  # fmt: skip
    for point in (inside, outside):
        expected = "walk" if geodesic(HOME, point).km <= 1.5 else "ride"
        assert reach(site=point, **args).mode == expected
    assert quick_km(HOME, (36.7, -119.6)) == pytest.approx(exact_km(HOME, (36.7, -119.6)), rel=0.01)


def test_no_home_point_measures_from_school():
    s = student(home=None, school_point=(36.60, -119.45))
    place = rank_for(s, [opp(remote=False, site=(36.605, -119.45))], TODAY, POLICY)[0][0].place
    assert place.mode == "walk" and place.km == pytest.approx(0.55, abs=0.05)


def test_ranking_prefers_reachable_then_interest_then_easy_trip_then_distance():
    s = student(interests=frozenset({"arts"}))
    catalog = [
        opp(1, remote=False, site=(36.70, -119.60), career_cluster="arts"),  # needs a ride
        opp(2, remote=False, site=(36.70, -119.60), site_transit=True),  # bus, no interest
        opp(3, remote=False, site=(36.62, -119.45), site_transit=True, career_cluster="arts"),
        opp(4, remote=True, career_cluster="arts"),
        opp(5, remote=False, site=(36.605, -119.45), career_cluster="arts"),  # walk
    ]
    ranked, _ = rank_for(s, catalog, TODAY, POLICY)
    assert [r.opp.id for r in ranked] == [4, 5, 3, 2, 1]


def test_equity_scarce_seats_go_after_for_experienced_students():
    scarce = opp(1, seats=3, taken=2, career_cluster="arts")
    plenty = opp(2, seats=9, career_cluster="it")
    first_timer = student(interests=frozenset({"arts"}))
    experienced = student(interests=frozenset({"arts"}), experienced=True)
    assert [r.opp.id for r in rank_for(first_timer, [scarce, plenty], TODAY, POLICY)[0]] == [1, 2]
    assert [r.opp.id for r in rank_for(experienced, [scarce, plenty], TODAY, POLICY)[0]] == [2, 1]


def test_left_out_reasons_are_counted():
    ranked, left_out = rank_for(
        student(), [opp(1, min_age=18), opp(2, seats=1, taken=1), opp(3)], TODAY, POLICY
    )
    assert [r.opp.id for r in ranked] == [3]
    assert left_out == {"too_young": 1, "full": 1}


@pytest.mark.parametrize(
    ("args", "query"),
    [
        ("", Query()),
        ("virtual", Query("virtual")),
        ("Micro-internship", Query("micro")),
        ("simulación", Query("simulation")),
        ("design", Query(None, ("DESIGN",))),
        ("virtual designs for kids", Query("virtual", ("DESIGN", "KID"))),
        ("🙂", Query()),
    ],
)
def test_parse_query(args, query):
    assert parse_query(args) == query


def test_applications_queue_puts_first_timers_first(make, database, clock, settings):
    scarce = make.opportunity(remote=True, seats=1)
    earlier = make.opportunity(remote=True, seats=5, starts_on=date(2026, 9, 1),
                               due_on=date(2026, 10, 1))  # fmt: skip
    veteran, newcomer, another = (make.student(given_name=n) for n in ("V", "N", "A"))
    with database.transaction() as s:
        past = Application(student_id=veteran.id, opportunity_id=earlier.id, status="approved",
                           created_at=clock.now())  # fmt: skip
        s.add(past)
        s.flush()
        s.add(Placement(application_id=past.id, student_id=veteran.id, opportunity_id=earlier.id,
                        status="completed", starts_on=earlier.starts_on, due_on=earlier.due_on,
                        created_at=clock.now()))  # fmt: skip
        for who in (veteran, newcomer, another):  # the veteran applied first
            s.add(Application(student_id=who.id, opportunity_id=scarce.id, created_at=clock.now()))
            s.flush()
    with database.transaction() as s:
        queue = placements.applications_queue(s, scarce.id)
        assert [a.student_id for a in queue] == [newcomer.id, another.id, veteran.id]


def test_approval_rechecks_seats_and_audits(make, database, clock, settings):
    opp_row = make.opportunity(remote=True, seats=1, title="Only seat")
    a, b = make.student(given_name="A"), make.student(given_name="B")
    with database.transaction() as s:
        apps = [Application(student_id=p.id, opportunity_id=opp_row.id, created_at=clock.now())
                for p in (a, b)]  # fmt: skip
        s.add_all(apps)
        s.flush()
        ids = [x.id for x in apps]
    with database.transaction() as s:
        ctx = Context(s, settings, clock.now(), actor="staff:7")
        out = placements.approve(ctx, ids[0])
        assert out[0].to == a.id and not out[0].urgent
        assert out[0].text.startswith("Approved! Only seat") and "To start:" in out[0].text
    with database.transaction() as s:
        ctx = Context(s, settings, clock.now(), actor="staff:7")
        with pytest.raises(WBLError) as err:
            placements.approve(ctx, ids[1])
        assert "no seats left" in err.value.msgid
        with pytest.raises(WBLError):
            placements.approve(ctx, ids[0])  # already decided
        [notice] = placements.decline(ctx, ids[1], "filled")
        assert notice.to == b.id and "wasn't approved" in notice.text
    with database.transaction() as s:
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.actor == "staff:7").order_by(AuditEntry.id)
        ).all()
        assert actions[:2] == ["application:approved", "placement:create"]
        assert "application:declined" in actions
        placement = s.scalar(select(Placement))
        assert (placement.status, placement.student_id) == ("paperwork", a.id)
        assert placement.starts_on == opp_row.starts_on and placement.due_on == opp_row.due_on


def test_a_student_who_left_cannot_be_approved(make, database, clock, settings):
    from db.models import Person

    opp_row = make.opportunity(remote=True)
    leaver = make.student()
    with database.transaction() as s:
        app = Application(student_id=leaver.id, opportunity_id=opp_row.id, created_at=clock.now())
        s.add(app)
        s.flush()
        s.get(Person, leaver.id).active = False
    with database.transaction() as s:
        with pytest.raises(WBLError) as err:
            placements.approve(Context(s, settings, clock.now(), "staff:1"), app.id)
        assert "no longer active" in err.value.msgid
