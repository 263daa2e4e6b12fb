"""Read users.csv and demographics.csv, skipping the rows an earlier import applied cleanly.

A users.csv row is skipped when the digest of its raw text (with its demographics row, the
active orgs, shift_days and the importer version) matches the one stored: no phone is
parsed, no value checked. What later steps still need of it (kind, status, guardians) is
kept in a small `Skipped` record.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.importers import digests
from bot.importers.csvio import Table
from bot.importers.fields import BadValue, parse_date
from bot.importers.report import ImportReport
from bot.importers.roster_rows import KIND_OF_ROLE, UserRow, split_ids, user_row

USERS = "users.csv"
DEMOGRAPHICS = "demographics.csv"
# demographics.csv columns that are not a group to compare (bookkeeping, the birth date)
NOT_GROUPS = frozenset({"sourcedId", "status", "dateLastModified", "birthDate", "metadata"})


@dataclass(slots=True)
class Skipped:
    """A users.csv row unchanged since it was last applied without problems."""

    line: int
    sourced_id: str
    kind: str  # from its role ("" when unknown)
    delete: bool
    agents_raw: str  # agentSourcedIds as written

    @property
    def agents(self) -> list[str]:
        return split_ids(self.agents_raw)


@dataclass
class Demographics:
    """demographics.csv rows by sourcedId: line and raw text (dates parsed on demand)."""

    table: Table | None
    raw: dict[str, tuple[int, str]] = field(default_factory=dict)
    # sourcedId -> the row's other non-blank values (sex, race flags...), for the equity view
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def scan(cls, table: Table | None, report: ImportReport) -> Demographics:
        """Index the rows; a missing or duplicate sourcedId is reported here."""
        found = cls(table)
        if table is None:
            return found
        at, birth = table.position("sourcedId") or 0, table.position("birthDate") or 0
        width = max(at, birth) + 1
        kept = [(i, c) for i, c in enumerate(table.header) if c not in NOT_GROUPS]
        for line, fields in table.records():
            fields += [""] * (width - len(fields))
            sid = fields[at].strip()
            if not sid:
                report.error(
                    DEMOGRAPHICS, line, "sourcedId", "required value missing; row rejected"
                )
            elif sid in found.raw:
                first = found.raw[sid][0]
                reason = f"duplicate of line {first}; row rejected"
                report.error(DEMOGRAPHICS, line, "sourcedId", reason)
            else:
                found.raw[sid] = (line, fields[birth].strip())
                found.values[sid] = {
                    c: v[:64] for i, c in kept if i < len(fields) and (v := fields[i].strip())
                }
        return found

    def text(self, sid: str) -> str:
        """What the person's digest covers of their demographics row ("" when none)."""
        row = self.raw.get(sid)
        if not row:
            return ""
        return digests.SEP.join([row[1], *(f"{c}={v}" for c, v in self.values[sid].items())])

    def births(
        self, sids: Container[str], report: ImportReport, shift_days: int, today: date
    ) -> dict[str, tuple[int, date | None]] | None:
        """sourcedId -> (line, birth date) for `sids`; a bad date is reported, row left out."""
        if self.table is None:
            return None
        found: dict[str, tuple[int, date | None]] = {}
        for sid, (line, raw) in self.raw.items():
            if sid not in sids:
                continue
            try:
                born = parse_date(raw, shift_days)
                if born is not None and not date(1900, 1, 1) <= born <= today:
                    raise BadValue(f"{raw[:20]} is not a plausible birth date")
            except BadValue as err:
                report.error(DEMOGRAPHICS, line, "birthDate", f"{err}; row rejected")
                continue
            found[sid] = (line, born)
        return found


@dataclass
class UsersScan:
    """users.csv read: rows checked in full, rows skipped, and each read row's digest."""

    rows: list[UserRow] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    read: dict[str, tuple[int, str]] = field(default_factory=dict)  # sid -> (line, digest)
    in_file: set[str] = field(default_factory=set)


class KnownPhones(Container[str]):
    """Stored numbers (a re-read unchanged number needs no parsing), loaded once it pays."""

    def __init__(self, load: Callable[[], set[str]], after: int = 1000) -> None:
        self._load, self._after = load, after
        self._numbers: set[str] | None = None

    def __contains__(self, raw: object) -> bool:
        if self._numbers is None:
            self._after -= 1
            if self._after > 0:
                return False
            self._numbers = self._load()
        return raw in self._numbers


def scan_users(
    table: Table,
    report: ImportReport,
    known_orgs: set[str],
    phones: Container[str],
    stored: Mapping[str, str],
    start: bytes,
    demographics: Demographics,
) -> UsersScan:
    """Skip the rows whose digest is stored; check the others as `parse_users` would."""
    scan = UsersScan()
    at_sid = table.position("sourcedId") or 0
    at = tuple(_index(table, c) for c in ("status", "role", "agentSourcedIds"))
    width = len(table.header)
    seen: dict[str, int] = {}
    for line, fields in table.records():
        if len(fields) < width:
            fields += [""] * (width - len(fields))
        sid = fields[at_sid].strip()
        scan.in_file.add(sid)
        mark = digests.digest(start, digests.SEP.join(fields), demographics.text(sid))
        if sid and sid not in seen and stored.get(sid) == mark:
            seen[sid] = line
            scan.skipped.append(_skipped(line, sid, fields, at))  # type: ignore[arg-type]
            continue
        user = user_row(table.row(line, fields), table, report, known_orgs, phones)
        if user is None:
            if sid and sid not in seen:
                scan.read[sid] = (line, "")
            continue
        if sid in seen:
            reason = f"duplicate of line {seen[sid]}; row rejected"
            report.error(USERS, line, "sourcedId", reason)
            continue
        seen[sid] = line
        scan.read[sid] = (line, mark)
        scan.rows.append(user)
    return scan


def _index(table: Table, column: str) -> int:
    found = table.position(column)
    return -1 if found is None else found


def _skipped(line: int, sid: str, fields: list[str], at: tuple[int, int, int]) -> Skipped:
    status, role, agents = (fields[i].strip() if i >= 0 else "" for i in at)
    kind = KIND_OF_ROLE.get(role.lower(), "")
    return Skipped(line, sid, kind, status.lower() == "tobedeleted", agents)
