"""What an opportunity kind declares: the `Kind` record and its extension points.

A kind is one module under `bot/kinds/` holding one `Kind`; the registry
(`bot.kinds`) checks it when it is registered. Everything that differs by kind is a
field or a method here, and the rest of the product asks the kind instead of spelling
its name:

| what | field | who asks |
|---|---|---|
| FIND label, search words EN/ES, "nothing found" button | `label`, `words`, `find_button` | `services.opportunities.parse_query`, `flows.student_find` |
| where the work happens (remote or at a site) | `always_remote`, `is_remote`, `on_site` | reachability in FIND, consent request text, vetting (insurance), clocking in |
| how hours are verified | `on_site_proof`, `remote_proof`, `proof` | `services.shifts` (geofence verdict or supervisor approval) |
| paperwork before work starts | `paperwork` | `services.paperwork.missing` |
| who needs a background check | `no_background_check_with` | `rules.vetting.meets_minors` |
| commands a student may send | `commands` | `flows.student.handle` |
| scheduled jobs (reminder kinds) | `triggers` | `flows.registry.flow_for_trigger`, `flows.student.handle` |
| dashboard pages | `dashboard_sections` | `dashboard.views` (`/dashboard/kinds/<code>/<key>`, linked from the overview) |
| commands a supervisor (a mentor) may send | `supervisor_commands` | `flows.supervisor.handle` |
| buttons of its own (signed payload actions) | `actions` | `flows.registry.flow_for_action`, the home flow |
| partner files of its own (`shifts.csv`) | `importers` | `importers.partners.import_partners`, after the shared files |
| periodic scans of its own (a month-end close) | `sweeps` | `scheduler.run_sweeps`, every pass, each in its own transaction |
| pages with forms, public links, feeds | `pages` | `webhooks.create_app` registers its `bp`; its `RULES` join `dashboard.access.RULES` |
| clocking in against a slot (a shift) | `clock_slots` | `services.clocking` (`ClockSlots`: refuse IN, attach the entry, a line at OUT) |
| lines its people see in MENU and HELP | `menu_hints` | `flows.kind_hints` (audience `student` or `supervisor` → msgid) |

Imports nothing of the product but `bot.i18n`, so every layer may ask a kind. A kind
whose behaviour lives in layers above (a package `bot/kinds/<code>/` with `chat`,
`service`, `pages` modules) names it by reference, `"bot.kinds.<code>.chat:shifts"`,
imported when first used (`bot.kinds.resolve`), so declaring a kind never imports a
layer. Handler types name the flow layer only for the type checker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from importlib import import_module
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from sqlalchemy.orm import Session

    from bot.context import Context
    from bot.flows.base import Reply, Turn
    from bot.importers.report import ImportReport
    from bot.services.work import Work


class Proof(StrEnum):
    """What makes a student's hours count."""

    GEOFENCE = "geofence"  # clock in and out inside the site's circle
    SUPERVISOR = "supervisor"  # the supervisor approves the logged hours
    FACILITATOR = "facilitator"  # the class facilitator approves them


class Paper(StrEnum):
    """Paperwork a placement needs before work starts."""

    CONSENT = "consent"  # a guardian's permission (or the student's own at 18+)
    AGREEMENT = "agreement"  # the student's OK to the training agreement (AGREE)


CommandHandler = Callable[["Turn"], "Reply | None"]
"""Handles one command of a kind; None means "not mine" (the flow goes on)."""
TriggerHandler = Callable[["Turn"], "Reply | None"]
"""Handles one due reminder row of a kind (the turn carries `turn.trigger`); it runs in
the home flow of the reminder's person (a student's, or a mentor's)."""
ImportHook = Callable[["Session", "Path", "ImportReport", "datetime", int, "ZoneInfo"], None]
"""Reads one partner file of a kind: (session, folder, report, now, shift_days, tz), in the
import's transaction, after employers, sites, supervisors and opportunities; `tz` is the
district's zone (settings' DISTRICT_TZ), for local times written without one."""
SweepHook = Callable[["Context"], None]
"""A periodic, idempotent scan (`bot.jobs` sweeps): it looks at rows, not at when it ran."""


class ClockSlots(Protocol):
    """A kind whose clocked time belongs to slots (a rota): the one clock-in path asks it.

    `refuse_in` (read only): why IN does not count now, in the student's words, else None;
    `attach_in` (write): the new open time entry `entry_id` belongs to the current slot;
    `after_out` (read only): a line added to the clock-out receipt (e.g. "SALES?"), or None.
    """

    def refuse_in(self, ctx: Context, work: Work, lang: str) -> str | None: ...
    def attach_in(self, ctx: Context, work: Work, entry_id: int) -> None: ...
    def after_out(self, ctx: Context, work: Work, entry_id: int, lang: str) -> str | None: ...


Ref = str
"""`"package.module:attribute"`: a handler named, imported when first used."""
_REF = re.compile(r"^[a-z_][a-z0-9_.]*:[A-Za-z_][A-Za-z0-9_]*$")


def is_ref(value: object) -> bool:
    return isinstance(value, str) and bool(_REF.match(value))


@cache
def _load(ref: Ref) -> Any:
    module, _, name = ref.partition(":")
    return getattr(import_module(module), name)


def resolve(handler: Any) -> Any:
    """The callable a handler field holds: itself, or what its reference names."""
    return _load(handler) if isinstance(handler, str) else handler


@dataclass(frozen=True)
class DashboardSection:
    """A coordinator page a kind adds: `/dashboard/kinds/<kind>/<key>`.

    `view(session, today, staff_id)` returns the template's variables (`staff_id`: the
    signed-in coordinator, for "my caseload"; None for the whole district). The default
    template, `dashboard/kind_section.html` under `bot/templates/`, shows a table from
    `columns` and `rows`; a kind may name its own template.
    """

    key: str
    title: str  # N_ msgid (the dashboard shows it in English)
    view: Callable[[Session, date, int | None], Mapping[str, Any]] | Ref
    template: str = "dashboard/kind_section.html"

    def run(self, session: Session, today: date, staff_id: int | None) -> Mapping[str, Any]:
        """The template's variables (the view, imported when first asked for)."""
        return resolve(self.view)(session, today, staff_id)  # type: ignore[no-any-return]


_EMPTY: Mapping[str, Any] = MappingProxyType({})
HINT_AUDIENCES = frozenset({"student", "supervisor"})
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_WORD = re.compile(r"^[A-Z0-9]{2,32}$")


@dataclass(frozen=True)
class Kind:
    """One kind of work-based learning, everything about it that differs by kind."""

    code: str  # stored in Opportunity.kind and the partner CSV's `kind` column
    label: str  # N_ msgid: how FIND and the details view name it
    words: frozenset[str]  # FIND search words, folded upper case, English and Spanish
    on_site_proof: Proof = Proof.GEOFENCE
    remote_proof: Proof = Proof.SUPERVISOR
    always_remote: bool = False  # done from anywhere whatever the row's site says
    find_button: int | None = None  # place among FIND's "try these" buttons (None: none)
    paperwork: tuple[Paper, ...] = (Paper.CONSENT, Paper.AGREEMENT)
    no_background_check_with: frozenset[str] = frozenset()  # employer kinds that run it
    commands: Mapping[str, CommandHandler | Ref] = field(default_factory=lambda: _EMPTY)
    supervisor_commands: Mapping[str, CommandHandler | Ref] = field(default_factory=lambda: _EMPTY)
    triggers: Mapping[str, TriggerHandler | Ref] = field(default_factory=lambda: _EMPTY)
    # button actions of its own (signed payloads), run in the presser's home flow
    actions: Mapping[str, CommandHandler | Ref] = field(default_factory=lambda: _EMPTY)
    dashboard_sections: tuple[DashboardSection, ...] = ()
    importers: Mapping[str, ImportHook | Ref] = field(default_factory=lambda: _EMPTY)
    sweeps: Mapping[str, SweepHook | Ref] = field(default_factory=lambda: _EMPTY)  # `<code>.<job>`
    # a module with `bp` (a Flask Blueprint; staff pages under /dashboard/, the sign-in
    # cookie's path, with `bp.before_request(dashboard.auth.guard)`) and `RULES`
    pages: Ref | None = None
    clock_slots: ClockSlots | Ref | None = None  # IN only against a slot (a shift)
    # audience ("student", "supervisor") -> N_ msgid naming its commands, shown in MENU
    # and HELP to a student with an open placement of this kind / its supervisor (mentor)
    menu_hints: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    def is_remote(self, remote: bool) -> bool:
        """Done from anywhere: the opportunity says so, or the kind always is."""
        return self.always_remote or remote

    def on_site(self, remote: bool, has_site: bool) -> bool:
        """The student travels to a site (reachability, insurance and geofence apply)."""
        return has_site and not self.is_remote(remote)

    def proof(self, remote: bool, has_site: bool) -> Proof:
        """How hours of one opportunity of this kind are verified."""
        return self.on_site_proof if self.on_site(remote, has_site) else self.remote_proof

    def meets_minors(self, employer_kind: str) -> bool:
        """The supervisor meets minors (on site or by video): a background check applies."""
        return employer_kind not in self.no_background_check_with

    def problems(self) -> list[str]:
        """What is wrong with this definition (empty: it may be registered)."""
        found: list[str] = []
        if not _CODE.match(self.code):
            found.append(f"code {self.code!r} is not a lower-case identifier (2-32 chars)")
        if not self.label.strip():
            found.append("label is empty")
        if not self.words:
            found.append("no search words")
        found += [
            f"search word {w!r} is not folded upper case" for w in self.words if not _WORD.match(w)
        ]
        found += [
            f"command {k!r} is not an upper-case keyword"
            for k in (*self.commands, *self.supervisor_commands)
            if not _WORD.match(k)
        ]
        found += [
            f"importer {f!r} is not a .csv file name"
            for f in self.importers
            if not re.match(r"^[a-z][a-z0-9_]*\.csv$", f)
        ]
        if isinstance(self.clock_slots, str) and not is_ref(self.clock_slots):
            found.append(f"clock_slots {self.clock_slots!r} is not a 'module:name' reference")
        if self.pages is not None and not is_ref(self.pages.replace(":", ".") + ":bp"):
            found.append(f"pages {self.pages!r} is not a module path")
        found += [
            f"{what} {t!r} is not named '{self.code}.<job>'"
            for what, names in (("trigger", self.triggers), ("sweep", self.sweeps))
            for t in names
            if not t.startswith(f"{self.code}.")
        ]
        for name, hooks in (
            ("command", self.commands),
            ("supervisor command", self.supervisor_commands),
            ("trigger", self.triggers),
            ("importer", self.importers),
            ("action", self.actions),
            ("sweep", self.sweeps),
        ):
            found += [
                f"{name} {k!r}: handler is not callable nor a 'module:name' reference"
                for k, h in hooks.items()
                if not (callable(h) or is_ref(h))
            ]
        found += [
            f"menu hint {a!r}: audience is not 'student' nor 'supervisor', or text is empty"
            for a, text in self.menu_hints.items()
            if a not in HINT_AUDIENCES or not str(text).strip()
        ]
        papers = self.paperwork
        if len(set(papers)) != len(papers) or not all(isinstance(p, Paper) for p in papers):
            found.append("paperwork must be distinct Paper values")
        if not isinstance(self.on_site_proof, Proof) or not isinstance(self.remote_proof, Proof):
            found.append("proofs must be Proof values")
        keys = [s.key for s in self.dashboard_sections]
        if len(set(keys)) != len(keys) or not all(_CODE.match(k) for k in keys):
            found.append("dashboard section keys must be distinct lower-case identifiers")
        return found
