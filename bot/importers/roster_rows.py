"""Turn OneRoster `orgs.csv` and `users.csv` rows into checked records."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

from bot.i18n import LANGUAGES
from bot.importers.csvio import Row, Table
from bot.importers.fields import (
    BadValue,
    parse_choice,
    parse_coordinate,
    parse_phone,
)
from bot.importers.report import ImportReport

ORG_COLUMNS = ("sourcedId", "name", "type")
ORG_OPTIONAL = ("status", "dateLastModified", "identifier", "parentSourcedId")
USER_COLUMNS = ("sourcedId", "orgSourcedIds", "role", "givenName", "familyName")
META = "metadata.wbl."
USER_OPTIONAL = (
    "status",
    "dateLastModified",
    "enabledUser",
    "username",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    *(META + c for c in ("language", "transportation", "homeLat", "homeLon", "interests")),
)
DEMOGRAPHIC_COLUMNS = ("sourcedId", "birthDate")
KIND_OF_ROLE = {"student": "student", "parent": "guardian", "guardian": "guardian"}
KIND_OF_ROLE.update(relative="guardian", teacher="staff")
SKIPPED_ROLES = ("administrator", "aide", "proctor")
TRANSPORT = ("car", "transit", "none")
STATUSES = ("active", "tobedeleted", "")


@dataclass(slots=True)
class OrgRow:
    line: int
    sourced_id: str
    name: str
    type: str
    identifier: str | None
    parent: str
    active: bool


@dataclass(slots=True)
class UserRow:
    """One accepted users.csv row. `delete`: status=tobedeleted (only the id is trusted)."""

    line: int
    sourced_id: str
    kind: str
    delete: bool
    orgs: list[str] = field(default_factory=list)
    person: dict[str, Any] = field(default_factory=dict)
    language: str = "en"
    student: dict[str, Any] = field(default_factory=dict)
    agents: list[str] = field(default_factory=list)
    phone_column: str = "sms"


def split_ids(raw: str, sep: str = ",") -> list[str]:
    """The non-blank parts of a `sep`-separated list."""
    if not raw:
        return []
    if sep not in raw:
        return [raw]
    return [part.strip() for part in raw.split(sep) if part.strip()]


def _status(row: Row, table: Table, report: ImportReport) -> str | None:
    status = row.get("status").lower()
    if status not in STATUSES:
        report.error(
            table.name, row.line, "status", f"unknown status {status[:20]!r}; row rejected"
        )
        return None
    return status


def parse_orgs(table: Table, report: ImportReport) -> list[OrgRow]:
    """Checked orgs.csv rows (duplicates and rows missing a value are rejected)."""
    seen: dict[str, int] = {}
    rows: list[OrgRow] = []
    for row in table:
        sid, status = row.get("sourcedId"), _status(row, table, report)
        missing = next((c for c in ORG_COLUMNS if not row.get(c)), None)
        if status is None:
            continue
        if missing:
            report.error(table.name, row.line, missing, "required value missing; row rejected")
            continue
        if sid in seen:
            report.error(
                table.name, row.line, "sourcedId", f"duplicate of line {seen[sid]}; row rejected"
            )
            continue
        seen[sid] = row.line
        rows.append(
            OrgRow(
                row.line,
                sid,
                row.get("name"),
                row.get("type").lower(),
                row.get("identifier") or None,
                row.get("parentSourcedId"),
                status != "tobedeleted",
            )
        )
    return rows


def _metadata(
    row: Row, table: Table, report: ImportReport, student: bool
) -> tuple[str, dict[str, Any]]:
    """language and (students only) the WBL facts; a bad value is reported and left out."""
    name = table.name

    def checked(column: str, parse: Any, default: Any) -> Any:
        raw = row.get(META + column)
        if not raw:
            return default
        try:
            return parse(raw)
        except BadValue as err:
            report.warn(name, row.line, META + column, f"{err}; left blank")
            return default

    language = checked("language", lambda r: parse_choice(r[:2], LANGUAGES), "en")
    if not student:
        return language, {}
    lat = checked("homeLat", lambda r: parse_coordinate(r, 90), None)
    lon = checked("homeLon", lambda r: parse_coordinate(r, 180), None)
    if (lat is None) != (lon is None):
        report.warn(
            name, row.line, META + "homeLat", "home point needs both lat and lon; left blank"
        )
        lat = lon = None
    facts = {
        "grade": row.get("grades").split(",")[0].strip() or None,
        "transportation": checked("transportation", lambda r: parse_choice(r, TRANSPORT), "none"),
        "home_lat": lat,
        "home_lon": lon,
        "interests": ";".join(i.lower() for i in split_ids(row.get(META + "interests"), ";"))[:512],
    }
    return language, facts


def _phone(
    row: Row, table: Table, report: ImportReport, known: Container[str]
) -> tuple[str | None, str]:
    """The sms number, else the phone number (and its column); bad ones reported, skipped."""
    for column in ("sms", "phone"):
        try:
            phone = parse_phone(row.get(column), known=known)
        except BadValue as err:
            report.warn(table.name, row.line, column, str(err))
            continue
        if phone:
            return phone, column
    return None, "sms"


def user_row(
    row: Row, table: Table, report: ImportReport, known_orgs: set[str], phones: Container[str]
) -> UserRow | None:
    """The checked record of one users.csv row; None (reported) when it is rejected."""
    name, sid = table.name, row.get("sourcedId")
    status = _status(row, table, report)
    if status is None or not sid:
        if status is not None:
            report.error(name, row.line, "sourcedId", "required value missing; row rejected")
        return None
    role = row.get("role").lower()
    kind = KIND_OF_ROLE.get(role)
    if status == "tobedeleted":
        return UserRow(row.line, sid, kind or "", delete=True)
    if kind is None:
        reason = "role is not imported" if role in SKIPPED_ROLES else "unknown role"
        report.error(name, row.line, "role", f"{reason}: {role[:20]!r}; row rejected")
        return None
    missing = next((c for c in ("orgSourcedIds", "givenName") if not row.get(c)), None)
    if missing:
        report.error(name, row.line, missing, "required value missing; row rejected")
        return None
    orgs = split_ids(row.get("orgSourcedIds"))
    unknown = [o for o in orgs if o not in known_orgs]
    if unknown:
        report.error(name, row.line, "orgSourcedIds", f"unknown org {unknown[0]!r}; row rejected")
        return None
    language, facts = _metadata(row, table, report, student=kind == "student")
    phone, column = _phone(row, table, report, phones)
    person = {
        "given_name": row.get("givenName")[:255],
        "family_name": row.get("familyName")[:255],
        "email": row.get("email")[:255] or None,
        "phone": phone,
    }
    agents = split_ids(row.get("agentSourcedIds"))
    return UserRow(row.line, sid, kind, False, orgs, person, language, facts, agents, column)
