"""Read the CSV files real exports produce: BOM, CRLF, quoted commas, blank lines, stray columns.

Line numbers are physical lines: line 1 is the header, so the first data row is line 2
(a quoted value spanning lines counts every line it spans).

Nothing a database cannot store gets through: undecodable bytes are read as
Windows-1252 (a warning), a UTF-16 file is read as UTF-16, and a NUL character
(PostgreSQL text cannot hold one) is dropped from its cell with a warning
`file:line: column: NUL character removed`.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.importers.report import ImportReport

DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Table:
    """One CSV file whose header holds every required column."""

    name: str
    header: list[str]
    text: str
    delimiter: str
    report: ImportReport

    def __iter__(self) -> Iterator[Row]:
        """Yield the non-blank data rows, values stripped, keyed by canonical column names."""
        for line, fields in self.records():
            yield self.row(line, fields)

    def row(self, line: int, fields: list[str]) -> Row:
        """The Row of raw `fields` read at `line`."""
        return Row(line, {col: f.strip() for col, f in zip(self.header, fields, strict=False)})

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """Yield (line, raw fields) of the non-blank data rows: no dicts, nothing stripped."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        end = 0
        try:
            for fields in reader:
                start, end = end + 1, reader.line_num
                if start == 1 or not "".join(fields).strip():
                    continue
                yield start, self._without_nul(start, fields)
        except csv.Error as err:
            self.report.error(
                self.name, end + 1, "-", f"unreadable CSV ({err}); rest of file skipped"
            )

    def _without_nul(self, line: int, fields: list[str]) -> list[str]:
        if not any("\x00" in f for f in fields):
            return fields
        for i, f in enumerate(fields):
            if "\x00" in f:
                column = self.header[i] if i < len(self.header) else "-"
                self.report.warn(self.name, line, column, "NUL character removed")
        return [f.replace("\x00", "") for f in fields]

    def position(self, column: str) -> int | None:
        """The index of `column` in the header (None when the file has no such column)."""
        return self.header.index(column) if column in self.header else None


def _decode(data: bytes, name: str, report: ImportReport) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        report.warn(name, line, "-", "not valid UTF-8; read as Windows-1252")
        return data.decode("cp1252", errors="replace")


def _delimiter(first_line: str) -> str:
    return max(DELIMITERS, key=lambda d: (first_line.count(d), d == ","))


def _canonical(header: list[str], known: Sequence[str]) -> list[str]:
    by_lower = {k.lower(): k for k in known}
    return [by_lower.get(h.strip().lower(), h.strip()) for h in header]


def read_table(
    folder: Path,
    name: str,
    required: Sequence[str],
    report: ImportReport,
    *,
    optional: Sequence[str] = (),
    must_exist: bool = True,
) -> Table | None:
    """Open `folder/name`; None (with the reason reported) when it is absent or unusable."""
    path = folder / name
    if not path.is_file():
        if must_exist:
            report.error(name, 0, "-", "file not found; nothing imported from it")
        return None
    text = _decode(path.read_bytes(), name, report)
    first = text.split("\n", 1)[0].replace("\x00", "")
    if not first.strip():
        report.error(name, 1, "-", "empty file or no header line; file refused")
        return None
    delimiter = _delimiter(first)
    header = _canonical(
        next(csv.reader([first.rstrip("\r")], delimiter=delimiter)), [*required, *optional]
    )
    missing = [c for c in required if c not in header]
    for column in missing:
        report.error(name, 1, column, "required column missing from the header; file refused")
    if missing:
        return None
    return Table(name, header, text, delimiter, report)
