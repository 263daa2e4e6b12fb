"""The partner import: employers, sites, supervisors, opportunities and their vetting dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from bot.importers.partners import import_partners
from bot.policy import Policy
from bot.services.vetting import problems_by_opportunity
from db.models import Contact, Opportunity, VettingCheck
from db.session import Database
from tests.support.district import SAMPLE, District, copy_sample, edit_row, line_of
from tests.support.zone import DISTRICT

TODAY = date(2026, 12, 1)


def _problems(db: Database, today: date = TODAY) -> dict[str, list[str]]:
    with db.transaction() as s:
        names = dict(s.execute(select(Opportunity.id, Opportunity.external_id)).all())
        return {names[k]: v for k, v in problems_by_opportunity(s, today, Policy()).items()}


def _checks(db: Database) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(VettingCheck)) or 0


def test_sample_partners_land(district: District, database: Database) -> None:
    counts = district.partners.summary()
    for entity, n in (("employers", 15), ("sites", 12), ("supervisors", 15)):
        assert counts[entity] == {"created": n}
    assert counts["opportunities"] == {"created": 17}
    assert counts["vetting checks"] == {"created": 35}  # blanks are "not on file"
    remote = district.opportunity("opp-1")
    assert remote.remote and remote.site_id is None and remote.seats == 3
    assert remote.est_hours == Decimal("6.00") and remote.starts_on == date(2026, 12, 1)
    bakery = district.opportunity("opp-2")
    assert bakery.site_id == district.site("bakery-site").id
    sup = district.person("bakery-sup")
    assert (sup.kind, sup.source, sup.phone) == ("supervisor", "partners", "+16615550143")
    assert bakery.supervisor_id == sup.id
    with database.transaction() as s:
        assert (
            s.scalar(select(Contact.person_id).where(Contact.urn == "tel:+16615550143")) == sup.id
        )


def test_vetting_status_comes_from_the_dates(district: District, database: Database) -> None:
    problems = _problems(database)
    assert "insurance" in problems["opp-6"]  # the library's certificate expired 2026-11-08
    assert "background_check" in problems["opp-4"]  # the clinic supervisor's check is from 2023
    assert "agreement" in problems["opp-5"]  # the auto shop has not signed the agreement
    assert [k for k, v in problems.items() if v] == ["opp-4", "opp-5", "opp-6"]  # only these three
    assert problems["opp-3"] == []  # agcoop: agreement, insurance and a 2026 check
    assert problems["opp-11"] == []  # the school help desk needs no insurance
    assert problems["opp-14"] == []  # a class simulation needs no outside check
    before_expiry = _problems(database, date(2026, 11, 1))
    assert "insurance" not in before_expiry["opp-6"]


def test_campus_sites_find_their_school_and_locate_it(district: District) -> None:
    assert district.site("designagency-site").school_id == district.school("school-2").id
    assert district.site("ve-class-site").school_id == district.school("school-1").id
    assert district.site("helpdesk-site").school_id == district.school("school-1").id
    assert district.site("cafe-site").school_id == district.school("school-3").id
    assert district.site("bakery-site").school_id is None
    riverbend = district.school("school-2")
    assert (riverbend.lat, riverbend.lon) == (36.7012, -119.5533)


def test_reimport_changes_nothing(district: District, database: Database, clock) -> None:
    checks = _checks(database)
    report = import_partners(database, SAMPLE, now=clock.now(), tz=DISTRICT)
    assert report.clean and not report.changed
    assert report.summary()["opportunities"] == {"unchanged": 17}
    assert _checks(database) == checks


def test_a_renewed_certificate_adds_a_check_and_clears_the_problem(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "p")
    edit_row(folder, "employers.csv", "library", insurance_expires="2027-11-08")
    clock.advance(hours=1)
    report = import_partners(database, folder, now=clock.now(), tz=DISTRICT)
    assert report.summary()["vetting checks"] == {"created": 1}
    assert report.summary()["employers"] == {"unchanged": 15}
    assert "insurance" not in _problems(database)["opp-6"]
    with database.transaction() as s:
        library = district.employer("library").id
        dates = s.scalars(
            select(VettingCheck.expires_on).where(
                VettingCheck.employer_id == library, VettingCheck.kind == "insurance"
            )
        ).all()
    assert sorted(dates) == [date(2026, 11, 8), date(2027, 11, 8)]  # history kept
    again = import_partners(database, folder, now=clock.now(), tz=DISTRICT)
    assert not again.changed


def test_a_broken_partner_bundle_reports_rows_and_lands_the_rest(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "p")
    edit_row(folder, "sites.csv", "cafe-site", employer_id="nobody")
    edit_row(folder, "opportunities.csv", "opp-1", kind="internship")
    edit_row(folder, "opportunities.csv", "opp-2", due="2026-12-45")
    edit_row(folder, "opportunities.csv", "opp-3", seats="many")
    edit_row(folder, "opportunities.csv", "opp-4", supervisor_id="ghost")
    edit_row(folder, "opportunities.csv", "opp-5", site_id="", remote="no")
    edit_row(folder, "supervisors.csv", "cafe-sup", phone="555")
    edit_row(folder, "employers.csv", "fintech", agreement_signed="someday")
    report = import_partners(database, folder, now=clock.now(), tz=DISTRICT)
    opp = lambda key: line_of(folder, "opportunities.csv", key)  # noqa: E731
    expected = [
        f"employers.csv:{line_of(folder, 'employers.csv', 'fintech')}: agreement_signed: "
        "not a date (YYYY-MM-DD): 'someday'; row rejected",
        f"sites.csv:{line_of(folder, 'sites.csv', 'cafe-site')}: employer_id: "
        "unknown employer 'nobody'; row rejected",
        f"supervisors.csv:{line_of(folder, 'supervisors.csv', 'cafe-sup')}: phone: "
        "not a valid phone number; imported without it",
        f"opportunities.csv:{opp('opp-1')}: kind: 'internship' is not one of micro, "
        "enterprise, virtual, simulation; row rejected",
        f"opportunities.csv:{opp('opp-2')}: due: not a date (YYYY-MM-DD): '2026-12-45'; "
        "row rejected",
        f"opportunities.csv:{opp('opp-3')}: seats: not a whole number: 'many'; row rejected",
        f"opportunities.csv:{opp('opp-4')}: supervisor_id: unknown supervisor 'ghost'; "
        "row rejected",
        f"opportunities.csv:{opp('opp-5')}: site_id: no site_id: give one, or set remote=yes; "
        "row rejected",
    ]
    rendered = report.render().splitlines()
    for line in expected:
        assert line in rendered, report.render()
    assert report.summary()["opportunities"] == {"rejected": 5, "unchanged": 12}
    assert district.person("cafe-sup").phone is None


def test_partners_before_the_roster_say_so(database: Database, clock) -> None:
    report = import_partners(database, SAMPLE, now=clock.now(), tz=DISTRICT)
    campus = [p for p in report.problems if "import the roster first" in p.reason]
    assert [p.file for p in campus] == ["sites.csv"] * 6
    assert report.summary()["opportunities"] == {"created": 17}


def test_an_ambiguous_campus_name_is_a_warning(
    district: District, database: Database, clock, tmp_path: Path
) -> None:
    folder = copy_sample(tmp_path / "p")
    edit_row(folder, "sites.csv", "cafe-site", name="Cedar Valley and Orchard Hills Cafe")
    report = import_partners(database, folder, now=clock.now(), tz=DISTRICT)
    [problem] = report.problems
    assert problem.column == "name" and "ambiguous" in problem.reason
    assert problem.line == line_of(folder, "sites.csv", "cafe-site")
