"""Student journey, finding half: FIND [kind|word], MORE, a list number for details, APPLY n.

The last list lives in the conversation (`data = {"list": [opportunity ids], "page": k}`),
so `APPLY 2` means the second opportunity of the list the student last saw, on any
worker. Lists are numbered across pages (page two shows 4-6). Telegram gets inline
buttons signed for the student (fd details, fa apply, fm more, fk kind filter); SMS
users type the same things. Unreachable on-site opportunities are listed last and
labelled "needs a ride" (see rules.reachability).
"""

from __future__ import annotations

from typing import Any

from babel.dates import format_date

from bot import effects, kinds, payloads
from bot.display import shorten
from bot.errors import WBLError
from bot.flows.base import Reply, Turn
from bot.i18n import N_
from bot.machine import DONE
from bot.messages import Button, Outbound
from bot.services import opportunities as opps
from bot.services.opportunities import Query, Ranked

actions: frozenset[str] = frozenset({"fd", "fa", "fm", "fk", "fh"})
triggers: frozenset[str] = frozenset()
FIND_STATES = ("browsing", "viewing")  # a list or an opportunity on screen
PAGE = 3
WHERE = {
    "remote": N_("remote"),
    "school": N_("at your school"),
    "walk": N_("{km} km, walk"),
    "transit": N_("{km} km, bus"),
    "car": N_("{km} km, drive"),
    "ride": N_("needs a ride, {km} km"),
}
HEADER = N_("Opportunities for you ({nums} of {total}):")
LINE = N_("{n}) {title} - {employer}, {kind}, {hours}h, {where}")
FOOTER = N_("Reply {nums} for details, APPLY {first} to apply, MORE, MENU")
FOOTER_LAST = N_("Reply {nums} for details, APPLY {first} to apply, or MENU")
NONE_FOUND = N_("No open opportunities for you right now.")
NONE_MATCH = N_('Nothing open matches "{query}" right now.')
WHY = {
    "too_young": N_("Most open ones need you to be older."),
    "full": N_("The ones open to you are full right now."),
    "applied": N_("You've applied to all the ones open to you."),
    "overlap": N_("You already have a placement on those dates (reply STATUS)."),
}
TRY = N_("Try FIND virtual for work from home, or MENU.")
NO_MORE = N_("That's all for now. Try FIND virtual, FIND and a word (FIND design), or MENU.")
NO_LIST = N_("Reply FIND first to see opportunities, then APPLY and the number.")
WHICH = N_("Which one? Reply APPLY and the number from the list (e.g. APPLY 1), or MENU.")
NOT_IN_LIST = N_("There's no number {n} in your last list (1-{count}). Reply FIND to see it again.")
LIST_HINT = N_("Reply a number from the list for details, APPLY and the number, MORE, or MENU.")
DETAILS = N_(
    "{title}\n{employer}, {kind}, about {hours} h, {seats} seats left\n{description}\n"
    "Deliver: {deliverables}\n{start} to {due}. Supervisor: {supervisor}.\n{getting}"
)
DETAILS_APPLY = N_("Reply APPLY {n} to apply, MORE for more, or MENU.")
DETAILS_APPLY_ANY = N_("Tap Apply to apply, or reply MENU.")
GETTING = {
    "remote": N_("Remote: work from anywhere."),
    "school": N_("At your school: {site}."),
    "walk": N_("{site}, {km} km from {origin}: you can walk."),
    "transit": N_("{site}, {km} km from {origin}, by bus."),
    "car": N_("{site}, {km} km from {origin}."),
    "ride": N_("{site}, {km} km from {origin}. No bus goes there: you'd need a ride."),
}
ORIGIN = {"home": N_("home"), "school": N_("school")}
APPLIED = N_(
    "Applied for {title}! A coordinator will review it and we'll text you the answer. "
    "Reply FIND for more, or MENU."
)
RIDE_NOTE = N_("Remember: you'd need a ride there.")
B_DETAILS = N_("{n}: details")
B_APPLY = N_("Apply {n}")
B_MORE = N_("More")
B_MENU = N_("Menu")
B_LIST = N_("Back to list")
K_MORE = N_("MORE")  # what an SMS user types (render_sms lists it when missing)
K_APPLY = N_("APPLY {n}")


def handle(turn: Turn) -> Reply | None:
    """Answer FIND, MORE, APPLY, a list number, or one of this half's buttons."""
    if turn.action is not None:
        return _button(turn, *turn.action)
    inbound = turn.inbound
    if inbound is None:
        return None
    if inbound.location or inbound.attachment or inbound.location_denied:
        return _to_work(turn)  # a location or a file while browsing: the work half's
    cmd = turn.cmd
    if cmd.keyword == "FIND":
        return find(turn, opps.parse_query(cmd.args))
    if cmd.keyword == "MORE":
        return show_page(turn, int(turn.data.get("page", -1)) + 1)
    if cmd.keyword == "APPLY":
        return _apply_typed(turn, cmd.number)
    if len(cmd.words) == 1 and cmd.words[0].isdigit() and len(cmd.words[0]) < 6:
        return _details_by_number(turn, int(cmd.words[0]))
    if turn.state in FIND_STATES:
        return Reply.say(Outbound(turn._(LIST_HINT)))
    return None


def _to_work(turn: Turn) -> Reply | None:
    """Hand a location or attachment to the work half, as if the student were idle."""
    from bot.flows import student_work

    turn.state = "idle"
    return student_work.handle(turn)


def _button(turn: Turn, action: str, args: list[str]) -> Reply | None:
    if action == "fh":
        return _home(turn)
    try:
        arg = args[0] if args else ""
        if action == "fm":
            return show_page(turn, int(arg or 0), edit=True)
        if action == "fk":
            return find(turn, Query(kind=arg if arg in kinds.codes() else None))
        if action == "fd":
            return details(turn, int(arg))
        if action == "fa":
            return apply(turn, int(arg))
    except ValueError:
        pass
    return None


def _ids(turn: Turn) -> list[int]:
    return [int(i) for i in turn.data.get("list", [])]


def find(turn: Turn, query: Query) -> Reply:
    """Rank the catalog for this student and show the first page."""
    ranked, left_out = opps.find(turn.ctx, turn.person.id, query, shown=PAGE)
    if not ranked:
        return Reply.say(_nothing(turn, query, left_out), event="find", data={})
    data = {"list": [r.opp.id for r in ranked], "page": 0}
    turn.data = data
    return _page(turn, ranked[:PAGE], 0, len(ranked), edit=False)


def _nothing(turn: Turn, query: Query, left_out: Any) -> Outbound:
    _ = turn._
    if query.words or query.kind:
        label = " ".join([query.kind or "", *query.words]).strip().lower()
        lead = _(NONE_MATCH, query=label)
    else:
        lead = _(NONE_FOUND)
        common = [r for r, _n in left_out.most_common() if r in WHY]
        if left_out.get("overlap"):  # already placed: that is the reason that matters
            common = ["overlap"]
        if common:
            lead += " " + _(WHY[common[0]])
    sign = _signer(turn)
    offered = sorted(
        (k for k in kinds.all_kinds() if k.find_button), key=lambda k: k.find_button or 0
    )
    row = [Button(_(k.label), sign("fk", k.code)) for k in offered]
    return Outbound(f"{lead} {_(TRY)}", buttons=[row, [_menu_button(turn)]])


def show_page(turn: Turn, page: int, edit: bool = False) -> Reply:
    """Show page `page` of the last list (MORE)."""
    ids = _ids(turn)
    if not ids:
        return Reply.say(Outbound(turn._(NO_LIST)))
    if page * PAGE >= len(ids):
        return Reply.say(Outbound(turn._(NO_MORE)), event="find")
    chunk = ids[page * PAGE : (page + 1) * PAGE]
    ranked = opps.listed(turn.ctx, turn.person.id, chunk)
    turn.data = {**{k: v for k, v in turn.data.items() if k != "view"}, "page": page}
    return _page(turn, ranked, page, len(ids), edit=edit)


def _page(turn: Turn, ranked: list[Ranked], page: int, total: int, edit: bool) -> Reply:
    _ = turn._
    sign = _signer(turn)
    first = page * PAGE + 1
    last = first + len(ranked) - 1
    nums = f"{first}-{last}" if last > first else str(first)
    lines = [_(HEADER, nums=nums, total=total)]
    buttons: list[list[Button]] = []
    for n, item in enumerate(ranked, start=first):
        lines.append(_line(turn, n, item))
        buttons.append(
            [
                Button(_(B_DETAILS, n=n), sign("fd", item.opp.id)),
                Button(_(B_APPLY, n=n), sign("fa", item.opp.id)),
            ]
        )
    more = last < total
    lines.append(_(FOOTER if more else FOOTER_LAST, nums=nums, first=first))
    nav = [Button(_(B_MORE), sign("fm", page + 1), _(K_MORE))] if more else []
    buttons.append([*nav, _menu_button(turn)])
    ref = turn.inbound.message_ref if (edit and turn.inbound) else None
    out = Outbound("\n".join(lines), buttons=buttons, edit_ref=ref)
    return Reply.say(out, event="find", data=turn.data)


def _menu_button(turn: Turn) -> Button:
    return Button(turn._(B_MENU), _signer(turn)("fh"), "MENU")


def _home(turn: Turn) -> Reply:
    """The Menu button: the student's home menu, as MENU would answer."""
    from bot.flows import student  # the router imports this module

    return Reply.say(student.menu(turn), event=DONE, data={})


def _signer(turn: Turn) -> Any:
    secret, person = turn.ctx.settings.secret_key, turn.person.id
    return lambda action, *args: payloads.sign(secret, person, action, *args)


def _km(km: float | None) -> str:
    return "?" if km is None else f"{km:.1f}"


def _line(turn: Turn, n: int, item: Ranked) -> str:
    _ = turn._
    opp = item.opp
    return _(
        LINE,
        n=n,
        title=shorten(opp.title, 34),
        employer=shorten(opp.employer, 20),
        kind=_kind_label(turn, opp.kind),
        hours=f"{opp.est_hours.normalize():f}",
        where=_(WHERE[item.place.mode], km=_km(item.place.km)),
    )


def _details_by_number(turn: Turn, n: int) -> Reply:
    ids = _ids(turn)
    if not ids:
        return Reply.say(Outbound(turn._(NO_LIST)))
    if not 1 <= n <= len(ids):
        return Reply.say(Outbound(turn._(NOT_IN_LIST, n=n, count=len(ids))))
    return details(turn, ids[n - 1])


def details(turn: Turn, opportunity_id: int) -> Reply:
    """Show one opportunity: what, when, who, how to get there; then APPLY n."""
    _ = turn._
    item = opps.one(turn.ctx, turn.person.id, opportunity_id)
    if item is None:
        return Reply.say(Outbound(_(opps.GONE)))
    opp, more = item.opp, opps.details(turn.ctx.session, opportunity_id)
    ids = _ids(turn)
    n = ids.index(opportunity_id) + 1 if opportunity_id in ids else None
    lang = turn.person.language
    fmt = "MMM d" if lang == "en" else "d MMM"
    text = _(
        DETAILS,
        title=(f"{n}) " if n else "") + opp.title,
        employer=opp.employer,
        kind=_kind_label(turn, opp.kind),
        hours=f"{opp.est_hours.normalize():f}",
        seats=opp.seats_left,
        description=shorten(more.description, 160),
        deliverables=shorten(more.deliverables, 100),
        start=format_date(opp.starts_on, fmt, locale=lang),
        due=format_date(opp.due_on, fmt, locale=lang),
        supervisor=more.supervisor or "-",
        getting=_getting(turn, item, more.site_name or opp.employer),
    )
    text += "\n" + (_(DETAILS_APPLY, n=n) if n else _(DETAILS_APPLY_ANY))
    sign = _signer(turn)
    buttons = [[Button(_(B_APPLY, n=n or ""), sign("fa", opp.id), _(K_APPLY, n=n) if n else "")]]
    buttons.append([Button(_(B_LIST), sign("fm", turn.data.get("page", 0)), _(K_MORE))])
    buttons.append([_menu_button(turn)])
    data = {**turn.data, "view": opportunity_id}
    event = "pick" if turn.state in FIND_STATES else "find"  # from the list, or anew
    return Reply.say(Outbound(text, buttons=buttons), event=event, data=data)


def _getting(turn: Turn, item: Ranked, site: str) -> str:
    _ = turn._
    origin = _(ORIGIN["home" if item.from_home else "school"])
    return _(GETTING[item.place.mode], site=shorten(site, 40), km=_km(item.place.km), origin=origin)


def _apply_typed(turn: Turn, n: int | None) -> Reply:
    ids = _ids(turn)
    if n is None:
        if turn.state in FIND_STATES and turn.data.get("view"):
            return apply(turn, int(turn.data["view"]))
        return Reply.say(Outbound(turn._(WHICH if ids else NO_LIST)))
    if not ids:
        return Reply.say(Outbound(turn._(NO_LIST)))
    if not 1 <= n <= len(ids):
        return Reply.say(Outbound(turn._(NOT_IN_LIST, n=n, count=len(ids))))
    return apply(turn, ids[n - 1])


def apply(turn: Turn, opportunity_id: int) -> Reply:
    """Decide on the application (auto-approved when the opportunity says so).

    The engine records it (effects.Apply); if the seat went meanwhile, the service's
    re-check refuses and the engine answers with its reason instead of this reply. An
    approval's notices are composed by the service that makes the placement.
    """
    _ = turn._
    try:
        item = opps.may_apply(turn.ctx, turn.person.id, opportunity_id)
    except WBLError as err:
        return Reply.say(Outbound(_(err.msgid, **err.params)))
    data = {k: v for k, v in turn.data.items() if k != "view"}
    write = effects.Apply(turn.person.id, opportunity_id, approve=item.opp.auto_approve)
    if item.opp.auto_approve:
        return Reply(event=DONE, data=data, effects=[write])
    text = _(APPLIED, title=item.opp.title)
    if not item.place.reachable:
        text += " " + _(RIDE_NOTE)
    answer = Outbound(text, buttons=[[_menu_button(turn)]])
    return Reply.say(answer, event=DONE, data=data, effects=[write])


def _kind_label(turn: Turn, code: str) -> str:
    """The kind's name in the student's language."""
    return turn._(kinds.get(code).label)
