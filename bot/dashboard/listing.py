"""What every dashboard list shares: paging, a search box, times in the district's zone
(Babel), plural forms, and the scope the viewer is looking at (caseload or district).

Registered on the blueprint as Jinja filters and globals: `{{ dt|when }}`,
`{{ d|day }}`, `{{ plural(n, "placement", "placements") }}`, `{{ pager(page) }}` via the
`dashboard/_pager.html` include, `scope_label()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date, format_datetime
from flask import request, session
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.i18n import ngettext

SIZE = 50
MAX_PAGE = 100_000
SCOPE_KEY = "scope"  # the viewer's choice, kept in their server-side session


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, where it is, and how many there are in all."""

    rows: list[Any]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.size)

    def url(self, number: int) -> str:
        """This list's address at page `number`, keeping the search and filters."""
        args = {k: v for k, v in request.args.items() if k != "page" and v}
        args["page"] = str(number)
        return f"{request.path}?{urlencode(args)}"


def page_number() -> int:
    raw = request.args.get("page", "1")
    return min(MAX_PAGE, max(1, int(raw))) if raw.isdigit() and len(raw) < 7 else 1


def search_term() -> str:
    """The search box's text, trimmed (at most 100 characters)."""
    return " ".join(request.args.get("q", "").split())[:100]


def like(term: str) -> str:
    """A LIKE pattern matching `term` anywhere (its own % and _ taken literally)."""
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def paginate(session: Session, stmt: Select[Any], size: int = SIZE) -> Page:
    """Count `stmt`'s rows and read one page of them (the page from `?page=`)."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    number = min(page_number(), max(1, -(-total // size)))
    rows = list(session.execute(stmt.limit(size).offset((number - 1) * size)))
    return Page(rows, number, size, total)


def wants_district() -> bool:
    """The viewer chose the whole district (`?all=1` once, or the scope switch)."""
    return bool(request.args.get("all")) or session.get(SCOPE_KEY) == "district"


def install(bp: Any, tz: Any) -> None:
    """Register the filters and globals on the dashboard blueprint."""

    @bp.app_template_filter("when")
    def when(value: datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(value, "d MMM y, h:mm a", tzinfo=tz(), locale="en_US")

    @bp.app_template_filter("day")
    def day(value: date | None) -> str:
        return "" if value is None else format_date(value, "EEE d MMM y", locale="en_US")

    @bp.app_template_global("plural")
    def plural(n: int, singular: str, plural: str) -> str:
        return ngettext("en", "{n} " + singular, "{n} " + plural, n)

    @bp.app_template_global("district_view")
    def district_view() -> bool:
        return wants_district()
