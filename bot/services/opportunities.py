"""Find and apply: fetch the open catalog (cached: services.catalog_cache), rank it in Python.

The catalog is three small queries however many opportunities there are (opportunities
with employer and site, seats taken, and the vetting status from services.vetting);
`rank_for` is pure and orders what one student may take (rules.eligibility and
rules.reachability say how).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, null, select, union_all
from sqlalchemy.orm import Session

from bot import kinds
from bot.context import Context
from bot.errors import WBLError
from bot.i18n import N_
from bot.keywords import fold
from bot.policy import Policy
from bot.rules.eligibility import OpportunityFacts, StudentFacts, is_scarce, why_not
from bot.rules.placement import OPEN_STATUSES
from bot.rules.reachability import (
    Origin,
    Reach,
    classify,
    exact_km,
    rank_key,
    reach,
)
from bot.services import catalog_cache
from bot.services.vetting import problems_by_opportunity
from bot.statuses import ApplicationStatus, PlacementStatus
from db import trail
from db.models import Application, Employer, Opportunity, Org, Person, Placement, Site, Student
from db.models.people import split_interests

TAKEN_STATUSES = (*OPEN_STATUSES, PlacementStatus.COMPLETED)
_SLOTS = 1 << 24  # candidates per ranking (the catalog index rides in the key's low bits)
LIST_LIMIT = 30  # a FIND keeps this many ranked ids in the conversation (10 SMS pages)

REMOTE = "remote"  # FIND's "done from anywhere" filter, beside the kinds' own codes
REMOTE_WORDS = frozenset({"REMOTE", "REMOTO", "ONLINE", "CASA"})
FILLER_WORDS = {
    "A", "AN", "THE", "FOR", "IN", "OF", "AND", "INTERNSHIP", "INTERNSHIPS", "JOB", "JOBS",
    "WORK", "DE", "LA", "EL", "LOS", "LAS", "UN", "UNA", "EN", "Y", "PASANTIA", "PASANTIAS",
    "TRABAJO", "TRABAJOS",
}  # fmt: skip

GONE = N_("Sorry, that opportunity is no longer open. Reply FIND for others, or MENU.")
NO_PROFILE = N_(
    "We don't have your school details yet, so we can't match you. Please ask your "
    "WBL coordinator. Reply MENU for options."
)
REFUSALS = {
    "inactive": GONE,
    "past_due": GONE,
    "unvetted": GONE,
    "too_young": N_("Sorry, {title} is for students {min_age} and older. Reply FIND for others."),
    "applied": N_(
        "You already applied for {title}. We'll text you when it's decided. "
        "Reply FIND for others, or MENU."
    ),
    "overlap": N_(
        "You already have a placement on those dates. Reply STATUS to see it, or FIND for others."
    ),
    "full": N_("Sorry, {title} just filled up. Reply FIND for others, or MENU."),
}


@dataclass(frozen=True)
class Query:
    """What the student asked for: FIND [kind] [words]."""

    kind: str | None = None
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ranked:
    opp: OpportunityFacts
    place: Reach
    from_home: bool = False  # distances are from the student's home (else their school)


@dataclass(frozen=True)
class Details:
    """What the details view shows beyond the catalog row."""

    description: str
    deliverables: str
    supervisor: str | None
    site_name: str | None
    address: str | None


def parse_query(args: str) -> Query:
    """Split FIND's arguments into a kind filter (a kind's code, or REMOTE) and search words."""
    kind: str | None = None
    words: list[str] = []
    for word in fold(args).replace("-", "").split():
        word = "".join(ch for ch in word if ch.isalnum())
        if not word:
            continue
        named = REMOTE if word in REMOTE_WORDS else getattr(kinds.by_word(word), "code", None)
        if kind is None and named is not None:
            kind = named
        elif word not in FILLER_WORDS and named is None:
            words.append(word[:-1] if len(word) >= 4 and word.endswith("S") else word)
    return Query(kind, tuple(words[:5]))


def _taken(session: Session, ids: list[int] | None) -> dict[int, int]:
    stmt = (
        select(Placement.opportunity_id, func.count())
        .where(Placement.status.in_(TAKEN_STATUSES))
        .group_by(Placement.opportunity_id)
    )
    if ids is not None:
        stmt = stmt.where(Placement.opportunity_id.in_(ids))
    return {oid: n for oid, n in session.execute(stmt)}


def catalog(
    session: Session,
    today: date,
    policy: Policy,
    ids: list[int] | None = None,
    *,
    with_text: bool = False,
) -> list[OpportunityFacts]:
    """Open opportunities (or exactly `ids`, whatever their state) with site, seats, vetting
    (judged by the district's `policy`)."""
    text_cols = (Opportunity.description, Opportunity.deliverables) if with_text else ()
    stmt = (
        select(
            Opportunity.id, Opportunity.external_id, Opportunity.title, Employer.name,
            Opportunity.kind, Opportunity.est_hours, Opportunity.seats,
            Opportunity.career_cluster, Opportunity.min_age, Opportunity.starts_on,
            Opportunity.due_on, Opportunity.remote, Opportunity.active,
            Opportunity.auto_approve, Site.lat, Site.lon, Site.transit, Site.school_id,
            *text_cols,
        )
        .join(Employer, Employer.id == Opportunity.employer_id)
        .outerjoin(Site, Site.id == Opportunity.site_id)
        .order_by(Opportunity.id)  # equal keys: the older opportunity first
    )  # fmt: skip
    if ids is None:
        stmt = stmt.where(Opportunity.active.is_(True), Opportunity.due_on >= today)
    else:
        stmt = stmt.where(Opportunity.id.in_(ids))
    taken = _taken(session, ids)
    vetting = problems_by_opportunity(session, today, policy, opportunity_ids=ids)
    rows = session.connection().execute(stmt)  # Core rows: no ORM loading per row
    return [_facts(row, taken, vetting, with_text) for row in rows]


def _facts(row, taken: dict[int, int], vetting: dict[int, list[str]], with_text: bool):  # type: ignore[no-untyped-def]
    (oid, ext, title, employer, kind, hours, seats, cluster, min_age, starts, due) = row[:11]
    (remote, active, auto, lat, lon, transit, school_id) = row[11:18]
    text = ""
    if with_text:
        text = fold(" ".join([title, employer, cluster or "", kind, row[18] or "", row[19] or ""]))
    site = (lat, lon) if lat is not None and lon is not None else None
    remote = kinds.get(kind).is_remote(remote)
    problems = tuple(vetting.get(oid, ()))
    return OpportunityFacts(
        oid, ext, title, employer, kind, hours, seats, taken.get(oid, 0), _cluster(cluster),
        min_age, starts, due, remote, active, auto, problems, site, bool(transit), school_id, text,
    )  # fmt: skip


def _cluster(name: str | None) -> str | None:
    return name.strip().lower() if name else None


_STUDENT = (
    select(
        Student.school_id,
        Student.birth_date,
        Student.transportation,
        Student.home_lat,
        Student.home_lon,
        Student.interests,
        Org.lat,
        Org.lon,
    )
    .outerjoin(Org, Org.id == Student.school_id)
    .where(Student.person_id == bindparam("student"))
)
_HISTORY: Any = union_all(  # placements (status, dates) and applications (opportunity), one trip
    select(Placement.status, Placement.starts_on, Placement.due_on, null()).where(
        Placement.student_id == bindparam("student")
    ),
    select(null(), null(), null(), Application.opportunity_id).where(
        Application.student_id == bindparam("student"), Application.status != ApplicationStatus.WITHDRAWN
    ),
)  # fmt: skip


def student_facts(session: Session, student_id: int) -> StudentFacts:
    """The student's school, age, transport, home point, interests and history (2 queries)."""
    row = session.execute(_STUDENT, {"student": student_id}).first()
    if row is None:  # a person of kind student without roster details
        raise WBLError(NO_PROFILE)
    school_id, birth_date, transport, home_lat, home_lon, interests, school_lat, school_lon = row
    history: Sequence[Any] = session.execute(_HISTORY, {"student": student_id}).all()
    placed = [(status, starts, due) for status, starts, due, opp in history if opp is None]
    return StudentFacts(
        id=student_id,
        school_id=school_id,
        birth_date=birth_date,
        transportation=(transport or "none").lower(),
        home=(home_lat, home_lon) if home_lat is not None and home_lon is not None else None,
        school_point=(
            (school_lat, school_lon) if school_lat is not None and school_lon is not None else None
        ),
        interests=frozenset(i.lower() for i in split_interests(interests)),
        experienced=any(status in TAKEN_STATUSES for status, _s, _d in placed),
        busy=tuple((starts, due) for status, starts, due in placed if status in OPEN_STATUSES),
        applied=frozenset(opp for *_p, opp in history if opp is not None),
    )


def _matches(opp: OpportunityFacts, query: Query) -> bool:
    if query.kind == REMOTE:
        if not (opp.remote or opp.site is None):
            return False
    elif query.kind is not None and opp.kind != query.kind:
        return False
    return all(w in opp.search_text for w in query.words)


def rank_for(
    student: StudentFacts,
    opportunities: list[OpportunityFacts],
    today: date,
    policy: Policy,
    query: Query = Query(),
    limit: int = LIST_LIMIT,
) -> tuple[list[Ranked], Counter[str]]:
    """The best `limit` opportunities this student may take, and why examined ones were not.

    Every candidate gets its sort key (reachability, equity, interest, distance...); then
    candidates are taken best-first and checked against the eligibility rule until
    `limit` pass, so `left_out` counts every opportunity only when fewer than `limit`
    were found (which is when "why nothing?" is asked). Distances are the quick estimates;
    `find` makes the ones shown geodesic.
    """
    left_out: Counter[str] = Counter()
    filtering = bool(query.kind or query.words)
    origin = Origin(student.origin) if student.origin else None
    transport, school = student.transportation, student.school_id
    experienced, interests = student.experienced, student.interests
    from_home = student.home is not None
    walk_km = policy.walk_km
    keys: list[int] = []
    modes: list[str] = []
    kms: list[float | None] = []
    for i, opp in enumerate(opportunities):
        if filtering and not _matches(opp, query):
            left_out["no_match"] += 1
            continue
        site = opp.site
        km = origin.km_to(site) if origin is not None and site is not None else None
        at_school = school is not None and opp.site_school_id == school
        mode = classify(
            transport, origin, km, at_school, opp.remote, site, opp.site_transit, walk_km
        )
        seats = opp.seats_left
        scarce = experienced and is_scarce(opp, policy)
        liked = opp.career_cluster in interests  # both normalised (lower case)
        keys.append(rank_key(mode, km, scarce, liked, seats, opp.starts_on) * _SLOTS + i)
        modes.append(mode)
        kms.append(None if mode == "remote" else km)
    index = {k % _SLOTS: n for n, k in enumerate(keys)} if len(keys) < len(opportunities) else None
    heapq.heapify(keys)
    best: list[Ranked] = []
    while keys and len(best) < limit:
        i = heapq.heappop(keys) % _SLOTS
        opp, n = opportunities[i], (index[i] if index is not None else i)
        reason = why_not(student, opp, today, policy)
        if reason is not None:
            left_out[reason] += 1
            continue
        best.append(Ranked(opp, Reach(modes[n], kms[n]), from_home))
    return best, left_out


def _exact(student: StudentFacts, opp: OpportunityFacts, place: Reach) -> Reach:
    """Replace the sorting estimate with the geodesic distance people will see."""
    if place.km is None or student.origin is None or opp.site is None:
        return place
    return replace(place, km=exact_km(student.origin, opp.site))


def find(
    ctx: Context, student_id: int, query: Query, shown: int = LIST_LIMIT
) -> tuple[list[Ranked], Counter[str]]:
    """Rank the open catalog for one student (the catalog cached a few seconds per process).

    The first `shown` get the geodesic distance people will see (the rest keep the
    sorting estimate: a later page is re-read through `listed`).
    """
    student = student_facts(ctx.session, student_id)
    ranked, left_out = rank_for(student, _open_catalog(ctx), ctx.today, ctx.settings.policy, query)
    ranked[:shown] = [replace(r, place=_exact(student, r.opp, r.place)) for r in ranked[:shown]]
    return ranked, left_out


def listed(ctx: Context, student_id: int, ids: list[int]) -> list[Ranked]:
    """These opportunities (a page of the last FIND, in order) as this student sees them.

    Read from the cached open catalogue, like the FIND that listed them; one that closed
    since is left out (APPLY and the details view read it fresh).
    """
    wanted = set(ids)
    found = {o.id: o for o in _open_catalog(ctx) if o.id in wanted}
    if not found:
        return []
    student = student_facts(ctx.session, student_id)
    return [_placed(ctx, student, found[i]) for i in ids if i in found]


def _open_catalog(ctx: Context) -> list[OpportunityFacts]:
    return catalog_cache.open_catalog(
        ctx.session,
        ctx.today,
        lambda: catalog(ctx.session, ctx.today, ctx.settings.policy, with_text=True),
    )


def _placed(ctx: Context, student: StudentFacts, opp: OpportunityFacts) -> Ranked:
    place = reach(
        transportation=student.transportation, origin=student.origin,
        student_school_id=student.school_id, remote=opp.remote, site=opp.site,
        site_school_id=opp.site_school_id, site_transit=opp.site_transit,
        walk_km=ctx.settings.policy.walk_km,
    )  # fmt: skip
    return Ranked(opp, _exact(student, opp, place), student.home is not None)


def one(
    ctx: Context, student_id: int, opportunity_id: int, student: StudentFacts | None = None
) -> Ranked | None:
    """One opportunity, read fresh, as this student would see it in a list (None when it
    vanished). `student`: their facts when the caller has them already."""
    found = catalog(ctx.session, ctx.today, ctx.settings.policy, [opportunity_id])
    if not found:
        return None
    return _placed(ctx, student or student_facts(ctx.session, student_id), found[0])


def details(session: Session, opportunity_id: int) -> Details:
    """Description, deliverables, the supervisor's first name and the site."""
    opp = session.get(Opportunity, opportunity_id)
    if opp is None:
        raise LookupError(f"no opportunity {opportunity_id}")
    supervisor = session.get(Person, opp.supervisor_id) if opp.supervisor_id else None
    site = session.get(Site, opp.site_id) if opp.site_id else None
    return Details(
        description=opp.description or "",
        deliverables=opp.deliverables or "",
        supervisor=supervisor.given_name if supervisor else None,
        site_name=site.name if site else None,
        address=site.address if site else None,
    )


def may_apply(ctx: Context, student_id: int, opportunity_id: int) -> Ranked:
    """The opportunity as this student sees it, or WBLError saying why they can't apply."""
    student = student_facts(ctx.session, student_id)
    ranked = one(ctx, student_id, opportunity_id, student)
    if ranked is None:
        raise WBLError(GONE)
    opp = ranked.opp
    reason = why_not(student, opp, ctx.today, ctx.settings.policy)
    if reason is not None:
        raise WBLError(REFUSALS[reason], title=opp.title, min_age=opp.min_age)
    return ranked


def apply(ctx: Context, student_id: int, opportunity_id: int) -> tuple[Application, Ranked]:
    """Record a pending application, or raise WBLError saying why not and what to do.

    It checks again what the flow checked (may_apply): the seat may have gone meanwhile.
    """
    ranked = may_apply(ctx, student_id, opportunity_id)
    app = ctx.session.scalar(
        select(Application).where(
            Application.student_id == student_id, Application.opportunity_id == opportunity_id
        )
    )
    if app is None:
        app = Application(student_id=student_id, opportunity_id=opportunity_id)
        ctx.session.add(app)
    app.status, app.created_at, app.decided_at, app.decided_by = (
        ApplicationStatus.PENDING,
        ctx.now,
        None,
        None,
    )
    ctx.session.flush()
    trail.record(
        ctx.session,
        at=ctx.now,
        actor=ctx.actor,
        action="application:create",
        entity="application",
        entity_id=app.id,
        details={"opportunity": opportunity_id, "reach": ranked.place.mode},
    )
    return app, ranked
