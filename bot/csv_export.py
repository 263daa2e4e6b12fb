"""The one CSV writer every export uses: text that a spreadsheet would run is neutralised.

A text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
`'` (OWASP "CSV injection"), so a name like `=HYPERLINK(...)` stays text. Numbers are
written as numbers: a negative balance stays `-15000.00`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """One value as it goes into the file."""
    if type(value) is str:  # the common case first (a report writes hundreds of thousands)
        return "'" + value if value.startswith(TRIGGERS) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal | date | datetime):
        return value.isoformat() if isinstance(value, date | datetime) else value
    text = str(value)
    return "'" + text if text.startswith(TRIGGERS) else text


def render(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole file: a header line, then one line per row."""
    buf = io.StringIO()
    write(buf, header, rows)
    return buf.getvalue()


def write(out: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write to a text stream (a file, sys.stdout)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
