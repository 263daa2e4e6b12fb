"""What an import found and did: problems as `file:line: column: reason`, and counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bot.i18n import ngettext
from db import trail

OUTCOMES = ("created", "updated", "deactivated", "removed", "unchanged", "rejected")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file; `line` 1 is the header, 0 means the file as a whole."""

    file: str
    line: int
    column: str
    reason: str
    severity: str = "error"  # error: the row was rejected | warning: the row still landed

    def render(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


@dataclass
class ImportReport:
    """Every problem found and, per entity, how many rows were created, updated, …"""

    source: str
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def error(self, file: str, line: int, column: str, reason: str) -> None:
        """Report a problem that rejected a row (or a whole file)."""
        self.problems.append(Problem(file, line, column, reason, "error"))

    def warn(self, file: str, line: int, column: str, reason: str) -> None:
        """Report a problem the row survived (e.g. imported without its phone)."""
        self.problems.append(Problem(file, line, column, reason, "warning"))

    def count(self, entity: str, outcome: str, n: int = 1) -> None:
        """Add `n` to the tally of `outcome` for `entity`."""
        if n:
            self.counts.setdefault(entity, Counter())[outcome] += n

    def total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.counts.values())

    @property
    def changed(self) -> bool:
        """True when the import wrote anything."""
        return any(self.total(o) for o in ("created", "updated", "deactivated", "removed"))

    @property
    def clean(self) -> bool:
        """No problems at all (no rejected rows, no warnings)."""
        return not self.problems

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts as plain dicts (for the audit trail and JSON)."""
        return {entity: dict(c) for entity, c in sorted(self.counts.items())}

    def render(self) -> str:
        """Problem lines, then one summary line per entity, then a verdict."""
        lines = [p.render() for p in self.problems]
        for entity, tally in self.counts.items():
            parts = [f"{tally[o]} {o}" for o in OUTCOMES if tally[o] or o != "removed"]
            lines.append(f"{entity}: " + ", ".join(parts))
        if not self.counts:
            lines.append(f"{self.source}: nothing imported")
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        if self.clean:
            lines.append(f"{self.source} import: clean, no problems")
        else:
            counted = ngettext("en", "{n} error", "{n} errors", errors) + ", "
            counted += ngettext("en", "{n} warning", "{n} warnings", warnings)
            lines.append(f"{self.source} import: {counted} reported")
        return "\n".join(lines)


def record_import(session: Session, report: ImportReport, folder: Path, now: datetime) -> None:
    """Audit one import that changed something: counts and how many problems, no names."""
    if report.changed:
        trail.record(
            session,
            at=now,
            actor="import",
            action=f"import:{report.source}",
            entity="import",
            entity_id=folder.name[:64],
            details={"counts": report.summary(), "problems": len(report.problems)},
        )
