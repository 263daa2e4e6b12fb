"""What a family reads and what the file keeps: the facts of one permission request, the
request text sent by SMS, the permission slip page's links, and the printable receipt.

Request texts are plain GSM-7 in both languages (Spanish without á/í/ó/ú would cost 70
characters a segment instead of 153), so a request costs 2 segments with realistic data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy.orm import Session

from bot import kinds
from bot.display import shorten
from bot.i18n import N_, normalize_language, translator
from bot.settings import Settings
from bot.statuses import ConsentStatus
from db.models import (
    ConsentRequest,
    Employer,
    Opportunity,
    Org,
    Person,
    Placement,
    Site,
    Student,
)

TEMPLATE_VERSION = "consent-sms-v1"
TITLE_MAX = 40  # longer titles are cut in the SMS; the slip page has the whole text

WHERE = {
    "remote": N_("remote"),
    "school": N_("at school"),
    "site": N_("on site"),
    "site_named": N_("on site at {site}"),
}
TRAVEL = {
    "none_needed": N_("none needed"),
    "car": N_("by car"),
    "transit": N_("by bus or train"),
    "ride": N_("needs a ride"),
    "walk": N_("on foot or a family ride"),
}
REQUEST = N_(
    '{program}: May {student} do "{title}" with {employer} ({where}), {dates}, '
    "about {hours} h? Supervisor: {supervisor}. Travel: {travel}. Slip: {link}\n"
    "Reply YES {code} to give permission or NO {code} to decline."
)
REQUEST_SELF = N_(
    '{program}: you\'re approved for "{title}" with {employer} ({where}), {dates}, '
    "about {hours} h. Supervisor: {supervisor}. At 18+ you sign your own slip: {link}\n"
    "Reply YES {code} to sign or NO {code} to decline."
)
REMINDER = N_(
    '{program} reminder: {student} needs your permission for "{title}" with {employer}. '
    "Slip: {link}\nReply YES {code} to give permission or NO {code} to decline."
)
REMINDER_LAST = N_(
    '{program} last reminder: {student} needs your permission for "{title}" with '
    "{employer}. Slip: {link}\nReply YES {code} to give permission or NO {code} to decline."
)
REMINDER_SELF = N_(
    '{program} reminder: please sign your permission slip for "{title}": {link}\n'
    "Reply YES {code} to sign or NO {code} to decline."
)


@dataclass(frozen=True)
class Facts:
    """Everything a permission request says about one placement (names: first only)."""

    request_id: int
    placement_id: int
    student_id: int
    student_first: str
    student_full: str
    grade: str
    school: str
    title: str
    description: str
    deliverables: str
    employer: str
    where: str  # remote|school|site
    site_name: str
    site_address: str
    starts_on: date
    due_on: date
    hours: Decimal
    supervisor_first: str
    travel: str  # a TRAVEL key
    code: str
    signer: str
    status: ConsentStatus
    coordinator_id: int | None


def load_facts(session: Session, request: ConsentRequest) -> Facts:
    """Gather the facts of `request` from its placement, opportunity, student and site."""
    placement = session.get(Placement, request.placement_id)
    assert placement is not None
    opp = session.get(Opportunity, placement.opportunity_id)
    student = session.get(Student, placement.student_id)
    person = session.get(Person, placement.student_id)
    assert opp is not None and student is not None and person is not None
    employer = session.get(Employer, opp.employer_id)
    site = session.get(Site, opp.site_id) if opp.site_id else None
    sup = session.get(Person, opp.supervisor_id) if opp.supervisor_id else None
    school = session.get(Org, student.school_id)
    where = _where(opp, site)
    return Facts(
        request_id=request.id,
        placement_id=placement.id,
        student_id=person.id,
        student_first=person.given_name,
        student_full=person.display_name,
        grade=student.grade or "",
        school=school.name if school else "",
        title=opp.title,
        description=opp.description,
        deliverables=opp.deliverables,
        employer=employer.name if employer else "",
        where=where,
        site_name=site.name if site else "",
        site_address=(site.address or "") if site else "",
        starts_on=placement.starts_on,
        due_on=placement.due_on,
        hours=opp.est_hours,
        supervisor_first=sup.given_name if sup else "",
        travel=_travel(where, student.transportation, bool(site and site.transit)),
        code=request.code,
        signer=request.signer,
        status=request.status,
        coordinator_id=student.coordinator_id,
    )


def _where(opp: Opportunity, site: Site | None) -> str:
    if kinds.get(opp.kind).is_remote(opp.remote):
        return "remote"
    if site is None or site.school_id is not None:
        return "school"
    return "site"


def _travel(where: str, mode: str, site_on_transit: bool) -> str:
    if where != "site":
        return "none_needed"
    if mode == "car":
        return "car"
    if mode == "transit":
        return "transit" if site_on_transit else "ride"
    return "walk"


def where_text(facts: Facts, lang: str) -> str:
    _ = translator(lang)
    if facts.where == "site" and facts.site_name and facts.site_name != facts.employer:
        return _(WHERE["site_named"], site=facts.site_name)
    return _(WHERE[facts.where])


def dates_text(start: date, end: date, lang: str) -> str:
    """`Dec 1-28` / `1-28 dic`; `Dec 1 - Jan 15` / `1 dic - 15 ene` across months."""
    lang = normalize_language(lang)
    pattern = "MMM d" if lang == "en" else "d MMM"
    first = format_date(start, pattern, locale=lang).rstrip(".")
    last = format_date(end, pattern, locale=lang).rstrip(".")
    if start == end:
        return first
    if (start.year, start.month) == (end.year, end.month):
        return f"{first}-{end.day}" if lang == "en" else f"{start.day}-{last}"
    return f"{first} - {last}"


def hours_text(hours: Decimal, lang: str) -> str:
    return format_decimal(hours.normalize(), locale=normalize_language(lang))


def request_text(facts: Facts, lang: str, settings: Settings) -> str:
    """The exact request SMS for one recipient language (recorded with its SHA-256)."""
    _ = translator(lang)
    template = REQUEST_SELF if facts.signer == "self" else REQUEST
    return _(
        template,
        program=settings.program_name,
        student=facts.student_first,
        title=shorten(facts.title, TITLE_MAX),
        employer=facts.employer,
        where=where_text(facts, lang),
        dates=dates_text(facts.starts_on, facts.due_on, lang),
        hours=hours_text(facts.hours, lang),
        supervisor=facts.supervisor_first or "-",
        travel=_(TRAVEL[facts.travel]),
        link=slip_url(settings, facts.request_id, lang),
        code=facts.code,
    )


def reminder_text(facts: Facts, lang: str, settings: Settings, *, last: bool) -> str:
    _ = translator(lang)
    template = REMINDER_SELF if facts.signer == "self" else (REMINDER_LAST if last else REMINDER)
    return _(
        template,
        program=settings.program_name,
        student=facts.student_first,
        title=shorten(facts.title, TITLE_MAX),
        employer=facts.employer,
        link=slip_url(settings, facts.request_id, lang),
        code=facts.code,
    )


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- slip links: /slip/<id><lang><mac>, short enough for an SMS, not guessable -----------
_TOKEN = re.compile(r"^([0-9]{1,12})(en|es)([A-Za-z0-9_-]{12})$")


def _mac(secret: str, request_id: int, lang: str) -> str:
    digest = hmac.new(secret.encode(), f"slip:{request_id}:{lang}".encode(), "sha256").digest()
    return base64.urlsafe_b64encode(digest[:9]).decode()


def slip_token(settings: Settings, request_id: int, lang: str) -> str:
    """A signed token naming one request and the page language (72-bit MAC)."""
    lang = normalize_language(lang)
    return f"{request_id}{lang}{_mac(settings.secret_key, request_id, lang)}"


def read_slip_token(settings: Settings, token: str) -> tuple[int, str] | None:
    """(request id, language) when `token` is genuine, else None."""
    match = _TOKEN.match(token or "")
    if match is None:
        return None
    request_id, lang, mac = int(match.group(1)), match.group(2), match.group(3)
    if not hmac.compare_digest(mac, _mac(settings.secret_key, request_id, lang)):
        return None
    return request_id, lang


SLIP_LIVE = frozenset({ConsentStatus.OPEN, ConsentStatus.PAPER_NEEDED})


def slip_is_live(request: ConsentRequest) -> bool:
    """A slip link works while its request awaits an answer; it expires when the request closes."""
    return request.closed_at is None and request.status in SLIP_LIVE


def slip_url(settings: Settings, request_id: int, lang: str) -> str:
    return f"{settings.public_base_url}/slip/{slip_token(settings, request_id, lang)}"


TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
