"""Turn employers, sites, supervisors and opportunities CSV rows into checked column dicts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot import kinds, zones
from bot.importers.csvio import Row, Table
from bot.importers.fields import (
    BadValue,
    parse_bool,
    parse_choice,
    parse_coordinate,
    parse_date,
    parse_decimal,
    parse_int,
    parse_phone,
)
from bot.importers.report import ImportReport

EMPLOYER_KINDS = ("business", "nonprofit", "public_agency", "virtual_partner", "school_enterprise")
COLUMNS = {
    "employers.csv": ("employer_id", "name", "kind"),
    "sites.csv": ("site_id", "employer_id", "name", "lat", "lon", "radius_m"),
    "supervisors.csv": ("supervisor_id", "employer_id", "given_name"),
    "opportunities.csv": ("opportunity_id", "employer_id", "kind", "title", "starts", "due"),
}
# till: known and ignored here (its kind's own importer reads it)
OPTIONAL = {
    "employers.csv": ("contact_name", "contact_phone", "contact_email", "insurance_expires")
    + ("agreement_signed", "status"),
    "sites.csv": ("address", "transit", "school_id"),
    "supervisors.csv": ("family_name", "phone", "email", "background_check_date", "timezone"),
    "opportunities.csv": ("site_id", "supervisor_id", "description", "deliverables", "est_hours")
    + ("seats", "career_cluster", "min_age", "remote", "status", "till", "facilitator_sourced_id"),
}


@dataclass(slots=True)
class Record:
    """One accepted row: its key, line, columns for the table, and the ids it refers to."""

    line: int
    key: str
    values: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)
    checks: dict[str, Any] = field(default_factory=dict)


class Parser:
    """Shared row checks; `shift_days` moves every date (the demo keeps its term current)."""

    def __init__(self, table: Table, report: ImportReport, shift_days: int) -> None:
        self.table, self.report, self.shift = table, report, shift_days

    def records(self, key: str, build: Callable[[Row, Parser], Record | None]) -> dict[str, Record]:
        """Accepted rows by key; missing values, duplicates and bad values are reported."""
        found: dict[str, Record] = {}
        for row in self.table:
            missing = next((c for c in COLUMNS[self.table.name] if not row.get(c)), None)
            if missing:
                self.reject(row, missing, "required value missing")
                continue
            if row.get(key) in found:
                self.reject(row, key, f"duplicate of line {found[row.get(key)].line}")
                continue
            try:
                record = build(row, self)
            except BadValue as err:
                self.reject(row, err.args[1] if len(err.args) > 1 else "-", err.args[0])
                continue
            if record is not None:
                found[record.key] = record
        return found

    def reject(self, row: Row, column: str, reason: str) -> None:
        self.report.error(self.table.name, row.line, column, f"{reason}; row rejected")
        self.report.count(self.table.name.removesuffix(".csv"), "rejected")

    def value(self, row: Row, column: str, parse: Callable[[str], Any]) -> Any:
        """Parse one column; a BadValue carries the column name out."""
        try:
            return parse(row.get(column))
        except BadValue as err:
            raise BadValue(str(err), column) from None

    def date(self, row: Row, column: str) -> Any:
        return self.value(row, column, lambda r: parse_date(r, self.shift))

    def phone(self, row: Row, column: str) -> str | None:
        """E.164, or None with a warning (the row still lands)."""
        try:
            return parse_phone(row.get(column))
        except BadValue as err:
            self.report.warn(self.table.name, row.line, column, str(err))
            return None

    def active(self, row: Row) -> bool:
        status = row.get("status").lower()
        if status not in ("", "active", "tobedeleted"):
            raise BadValue(f"unknown status {status[:20]!r}", "status")
        return status != "tobedeleted"


def employer(row: Row, p: Parser) -> Record:
    values = {
        "name": row.get("name")[:255],
        "kind": p.value(row, "kind", lambda r: parse_choice(r, EMPLOYER_KINDS)),
        "contact_name": row.get("contact_name")[:255] or None,
        "contact_phone": p.phone(row, "contact_phone"),
        "contact_email": row.get("contact_email")[:255] or None,
        "active": p.active(row),
    }
    checks = {
        "insurance": p.date(row, "insurance_expires"),
        "agreement": p.date(row, "agreement_signed"),
    }
    return Record(row.line, row.get("employer_id"), values, checks=checks)


def site(row: Row, p: Parser) -> Record:
    values = {
        "name": row.get("name")[:255],
        "address": row.get("address")[:512] or None,
        "lat": p.value(row, "lat", lambda r: parse_coordinate(r, 90)),
        "lon": p.value(row, "lon", lambda r: parse_coordinate(r, 180)),
        "radius_m": p.value(row, "radius_m", lambda r: parse_int(r, low=10, high=10_000)),
        "transit": p.value(row, "transit", parse_bool),
    }
    refs = {"employer": row.get("employer_id"), "school": row.get("school_id")}
    return Record(row.line, row.get("site_id"), values, refs)


def parse_zone(raw: str) -> str | None:
    """An IANA time zone (`America/Toronto`); blank: the district's."""
    if raw and not zones.valid(raw):
        raise BadValue(f"{raw[:40]!r} is not a time zone such as America/Toronto")
    return raw or None


def supervisor(row: Row, p: Parser) -> Record:
    values = {
        "given_name": row.get("given_name")[:255],
        "family_name": row.get("family_name")[:255],
        "email": row.get("email")[:255] or None,
        "phone": p.phone(row, "phone"),
        "timezone": p.value(row, "timezone", parse_zone),
    }
    checks = {"background_check": p.date(row, "background_check_date")}
    refs = {"employer": row.get("employer_id")}
    return Record(row.line, row.get("supervisor_id"), values, refs, checks)


def opportunity(row: Row, p: Parser) -> Record:
    starts, due = p.date(row, "starts"), p.date(row, "due")
    if due < starts:
        raise BadValue("due date is before the start date", "due")
    remote = p.value(row, "remote", parse_bool)
    if not row.get("site_id") and not remote:
        raise BadValue("no site_id: give one, or set remote=yes", "site_id")
    values = {
        "kind": p.value(row, "kind", lambda r: parse_choice(r, kinds.codes())),
        "title": row.get("title")[:255],
        "description": row.get("description"),
        "deliverables": row.get("deliverables"),
        "est_hours": p.value(row, "est_hours", lambda r: parse_decimal(r or "0")),
        "seats": p.value(row, "seats", lambda r: parse_int(r or "1", low=0, high=10_000)),
        "career_cluster": row.get("career_cluster").lower()[:64] or None,
        "min_age": p.value(row, "min_age", lambda r: parse_int(r or "14", low=0, high=99)),
        "starts_on": starts,
        "due_on": due,
        "remote": remote,
        "active": p.active(row),
    }
    refs = {k: row.get(f"{k}_id") for k in ("employer", "site", "supervisor")}
    refs["facilitator"] = row.get("facilitator_sourced_id")
    return Record(row.line, row.get("opportunity_id"), values, refs)


def resolve(
    p: Parser,
    records: dict[str, Record],
    ref: str,
    known: Mapping[str, int],
    column: str,
    required: bool = True,
) -> None:
    """Replace `refs[ref]` by the id it names; reject records naming an unknown one."""
    for key, rec in list(records.items()):
        name = rec.refs.get(ref, "")
        if not name and not required:
            rec.values[column] = None
            continue
        if name not in known:
            p.report.error(
                p.table.name, rec.line, f"{ref}_id", f"unknown {ref} {name!r}; row rejected"
            )
            p.report.count(p.table.name.removesuffix(".csv"), "rejected")
            del records[key]
            continue
        rec.values[column] = known[name]
