"""`wbl import-partners DIR`: employers, sites, supervisors, opportunities and vetting dates.

Import after the roster: a school enterprise's sites are matched to their school. Same
reporting rules as the roster (`file:line: column: reason`, the good rows land), and
re-importing the same files changes nothing and writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import kinds
from bot.importers import partner_rows as rows
from bot.importers.csvio import read_table
from bot.importers.partner_rows import COLUMNS, OPTIONAL, Parser, Record, resolve
from bot.importers.partner_sync import sync_checks, sync_keyed, sync_supervisors
from bot.importers.report import ImportReport, record_import
from bot.importers.schools import match_school
from db.models import Employer, Opportunity, Org, Person, Site
from db.session import Database

log = logging.getLogger(__name__)


def import_partners(
    db: Database, folder: Path, *, now: datetime, tz: ZoneInfo, shift_days: int = 0
) -> ImportReport:
    """Import `folder`'s partner CSV files in one transaction and report what happened;
    `tz` is the district's zone, for a kind's files with local times (`shifts.csv`)."""
    report = ImportReport("partners")
    folder = Path(folder)
    if not folder.is_dir():
        report.error(str(folder), 0, "-", "not a folder; nothing imported")
        return report
    parsers = {}
    for name, required in COLUMNS.items():
        table = read_table(folder, name, required, report, optional=OPTIONAL[name])
        parsers[name] = Parser(table, report, shift_days) if table else None
    with db.transaction() as session:
        _Import(session, report, now, parsers).run()
        for name, hook in kinds.importers().items():  # a kind's own files (shifts.csv…)
            if (folder / name).is_file():
                hook(session, folder, report, now, shift_days, tz)
        record_import(session, report, folder, now)
    log.info("partner import: %s problems, counts %s", len(report.problems), report.summary())
    return report


class _Import:
    def __init__(
        self,
        session: Session,
        report: ImportReport,
        now: datetime,
        parsers: Mapping[str, Parser | None],
    ) -> None:
        self.session, self.report, self.now, self.parsers = session, report, now, parsers

    def _records(self, name: str, key: str, build: Any) -> tuple[Parser | None, dict[str, Record]]:
        parser = self.parsers[name]
        return parser, (parser.records(key, build) if parser else {})

    def run(self) -> None:
        """Employers, then sites, supervisors and the opportunities that name them."""
        p, employers = self._records("employers.csv", "employer_id", rows.employer)
        emp_ids = sync_keyed(self.session, Employer, "employers", employers, self.report, self.now)
        sync_checks(
            self.session,
            "employer_id",
            {emp_ids[k]: r.checks for k, r in employers.items()},
            self.report,
            self.now,
        )
        site_ids = self._sites(emp_ids)
        p, sups = self._records("supervisors.csv", "supervisor_id", rows.supervisor)
        if p:
            resolve(p, sups, "employer", emp_ids, "employer_id")
        sup_ids = sync_supervisors(self.session, sups, self.report, self.now)
        checks = {sup_ids[k]: r.checks for k, r in sups.items()}
        sync_checks(self.session, "supervisor_id", checks, self.report, self.now)
        p, opps = self._records("opportunities.csv", "opportunity_id", rows.opportunity)
        if p:
            resolve(p, opps, "employer", emp_ids, "employer_id")
            resolve(p, opps, "site", site_ids, "site_id", required=False)
            resolve(p, opps, "supervisor", sup_ids, "supervisor_id", required=False)
            self._same_employer(p, opps)
            self._facilitators(p, opps)
        sync_keyed(self.session, Opportunity, "opportunities", opps, self.report, self.now)

    def _sites(self, emp_ids: dict[str, int]) -> dict[str, int]:
        p, sites = self._records("sites.csv", "site_id", rows.site)
        if p:
            resolve(p, sites, "employer", emp_ids, "employer_id")
            self._campus(p, sites)
        site_ids = sync_keyed(self.session, Site, "sites", sites, self.report, self.now)
        self._locate_schools(sites)
        return site_ids

    def _campus(self, p: Parser, sites: dict[str, Record]) -> None:
        """Set `school_id` of school-enterprise sites: the school_id column, else the name."""
        schools = dict(
            self.session.execute(
                select(Org.id, Org.name).where(Org.type == "school", Org.active.is_(True))
            ).all()
        )
        by_sid = dict(self.session.execute(select(Org.sourced_id, Org.id)).all())
        kinds = dict(self.session.execute(select(Employer.id, Employer.kind)).all())
        name = p.table.name
        for rec in sites.values():
            rec.values["school_id"] = None
            given = rec.refs.get("school", "")
            if given:
                if given in by_sid:
                    rec.values["school_id"] = by_sid[given]
                    continue
                self.report.warn(name, rec.line, "school_id", f"unknown school {given!r}")
            if kinds.get(rec.values["employer_id"]) != "school_enterprise":
                continue
            if not schools:
                why = "no schools loaded: import the roster first"
                self.report.warn(
                    name, rec.line, "name", f"campus site not matched to a school ({why})"
                )
                continue
            school, reason = match_school(rec.values["name"], schools)
            if school is None:
                self.report.warn(
                    name, rec.line, "name", f"campus site not matched to a school ({reason})"
                )
            rec.values["school_id"] = school

    def _locate_schools(self, sites: dict[str, Record]) -> None:
        """Give a school without a location the centroid of its campus sites."""
        points: dict[int, list[tuple[float, float]]] = {}
        for rec in sites.values():
            if rec.values.get("school_id"):
                points.setdefault(rec.values["school_id"], []).append(
                    (rec.values["lat"], rec.values["lon"])
                )
        missing = set(
            self.session.scalars(select(Org.id).where(Org.id.in_(points), Org.lat.is_(None)))
        )
        for school in sorted(missing):
            pts = points[school]
            lat = round(sum(p[0] for p in pts) / len(pts), 6)
            lon = round(sum(p[1] for p in pts) / len(pts), 6)
            self.session.execute(
                update(Org).where(Org.id == school).values(lat=lat, lon=lon, updated_at=self.now)
            )
            self.report.count("school locations", "updated")

    def _facilitators(self, p: Parser, opps: dict[str, Record]) -> None:
        """`facilitator_sourced_id`: a roster staff member (an unknown one is warned, left empty)."""
        staff = dict(
            self.session.execute(
                select(Person.sourced_id, Person.id).where(Person.kind == "staff")
            ).all()
        )
        for rec in opps.values():
            sid = rec.refs.get("facilitator", "")
            rec.values["facilitator_id"] = staff.get(sid)
            if sid and sid not in staff:
                p.report.warn(
                    p.table.name, rec.line, "facilitator_sourced_id", f"unknown staff {sid[:40]!r}"
                )

    def _same_employer(self, p: Parser, opps: dict[str, Record]) -> None:
        """Reject an opportunity whose site belongs to another employer."""
        owners = dict(self.session.execute(select(Site.id, Site.employer_id)).all())
        for key, rec in list(opps.items()):
            site = rec.values.get("site_id")
            if site is not None and owners.get(site) != rec.values["employer_id"]:
                p.report.error(
                    p.table.name,
                    rec.line,
                    "site_id",
                    "site belongs to another employer; row rejected",
                )
                p.report.count("opportunities", "rejected")
                del opps[key]
