"""The engine applies what a flow decided: each effect through its service, in order,
in the caller's transaction.

Most effects only write. While services still compose some messages (the notices a
consent answer or an approval sends to other people, a reminder's text), an effect
whose service returns messages hands them back here and the engine queues them after
the flow's own. A service's WBLError propagates: the engine undoes the turn's effects
(a savepoint) and answers politely instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot import effects as fx
from bot import kinds
from bot.context import Context
from bot.errors import WBLError
from bot.messages import Outbound
from bot.services import (
    checkin_links,
    clock_reminders,
    clocking,
    consent,
    consent_answers,
    contacts,
    deliverables,
    hours_log,
    inbox,
    linking,
    placements,
    ratings,
    reviews,
    timesheets,
)
from bot.services import opportunities as opps
from bot.services import work as works
from bot.statuses import InboxKind, RatingStatus


def apply(ctx: Context, effects: Sequence[fx.Effect]) -> list[Outbound]:
    """Apply `effects` in order; the messages their services composed, in order."""
    out: list[Outbound] = []
    for effect in effects:
        if isinstance(effect, fx.KindEffect):  # an opportunity kind's own write
            out += kinds.resolve(effect.service)(ctx, effect)
            continue
        out += _APPLIERS[type(effect)](ctx, effect)
    return out


def _opt_out(ctx: Context, e: fx.OptOut) -> list[Outbound]:
    contacts.opt_out(ctx, e.urn, e.keyword)
    return []


def _opt_in(ctx: Context, e: fx.OptIn) -> list[Outbound]:
    contacts.opt_in(ctx, e.urn)
    return []


def _set_language(ctx: Context, e: fx.SetLanguage) -> list[Outbound]:
    contacts.set_language(ctx, e.person_id, e.language)
    return []


def _apply(ctx: Context, e: fx.Apply) -> list[Outbound]:
    app, _ = opps.apply(ctx, e.student_id, e.opportunity_id)
    return placements.approve(ctx, app.id, direct=True) if e.approve else []


def _consent_answer(ctx: Context, e: fx.ConsentAnswer) -> list[Outbound]:
    request = consent.lock(ctx, e.request_id)
    if request is None:
        raise LookupError(f"no consent request {e.request_id}")
    return consent_answers.apply_answer(ctx, request, e.signer, e.verb)


def _consent_reminder(ctx: Context, e: fx.ConsentReminder) -> list[Outbound]:
    return consent_answers.remind(ctx, e.request_id, last=e.last)


def _paper_check(ctx: Context, e: fx.PaperCheck) -> list[Outbound]:
    return consent_answers.paper_check(ctx, e.request_id)


def _log_hours(ctx: Context, e: fx.LogHours) -> list[Outbound]:
    hours_log.log_hours(ctx, e.placement_id, e.student_id, e.line)
    return []


def _submit(ctx: Context, e: fx.Submit) -> list[Outbound]:
    deliverables.submit(ctx, e.placement_id, e.text, e.attachment)
    return []


def _agree(ctx: Context, e: fx.Agree) -> list[Outbound]:
    work = works.get_work(ctx, e.placement_id)
    if work is None:
        raise LookupError(f"no placement {e.placement_id}")
    messages, _ = works.agree(ctx, work, e.language)
    return messages


def _save_checkin_link(ctx: Context, e: fx.SaveCheckinLink) -> list[Outbound]:
    checkin_links.save_link(ctx, e.token, e.student_id, e.placement_id, e.action)
    return []


def _close_forgotten(ctx: Context, e: fx.CloseForgotten) -> list[Outbound]:
    return clock_reminders.close_forgotten(ctx, e.entry_id, e.expected_end, e.language)


def _rating_comment(ctx: Context, e: fx.RatingComment) -> list[Outbound]:
    ratings.comment(ctx, e.supervisor_id, e.request_id, e.text)
    return []


def _redeem_code(ctx: Context, e: fx.RedeemCode) -> list[Outbound]:
    linking.redeem(ctx, e.code, e.urn, e.person_id, admitted=e.admitted)
    return []


def _link(ctx: Context, e: fx.Link) -> list[Outbound]:
    linking.attach(ctx, e.person_id, e.urn, how=e.how)
    return []


def _approve_hours(ctx: Context, e: fx.ApproveHours) -> list[Outbound]:
    for entry_id in e.entry_ids:
        if timesheets.approve(ctx, e.supervisor_id, entry_id, e.note) != "approved":
            raise WBLError(timesheets.ALREADY, number=entry_id)
    return []


def _reject_hours(ctx: Context, e: fx.RejectHours) -> list[Outbound]:
    outcome, notices = timesheets.reject(ctx, e.supervisor_id, e.entry_id, e.reason)
    if outcome != "rejected":
        raise WBLError(timesheets.ALREADY, number=e.entry_id)
    return notices


def _review_work(ctx: Context, e: fx.ReviewWork) -> list[Outbound]:
    if e.accept:
        outcome, notices = reviews.accept(ctx, e.supervisor_id, e.work_id)
    else:
        outcome, notices = reviews.request_changes(ctx, e.supervisor_id, e.work_id, e.comment)
    if outcome in ("already", "not_yours"):
        raise WBLError(timesheets.ALREADY, number=e.work_id)
    return notices


def _rate(ctx: Context, e: fx.Rate) -> list[Outbound]:
    rnd = ratings.owned(ctx.session, e.supervisor_id, e.request_id)
    if rnd is None or rnd.status != RatingStatus.OPEN:
        raise WBLError(ratings.RATED_ALREADY)
    for skill, score in e.scores:
        ratings.save(ctx, e.supervisor_id, rnd, skill, score)
    if e.finish and not ratings.finish(ctx, e.supervisor_id, e.request_id):
        raise WBLError(ratings.RATED_ALREADY)
    return []


def _clock_in(ctx: Context, e: fx.ClockIn) -> list[Outbound]:
    clocking.write_in(ctx, e.student_id, e.placement_id, e.point, e.language)
    return []


def _clock_out(ctx: Context, e: fx.ClockOut) -> list[Outbound]:
    clocking.write_out(ctx, e.student_id, e.point, e.note)
    return []


def _to_inbox(ctx: Context, e: fx.ToInbox) -> list[Outbound]:
    return inbox.open_item(ctx, e.person_id, InboxKind(e.kind), e.channel, e.provider_id)


def _alert_stranger(ctx: Context, e: fx.AlertStranger) -> list[Outbound]:
    return inbox.alert_stranger(ctx, e.channel, e.provider_id)


_APPLIERS: dict[type, Callable[[Context, Any], list[Outbound]]] = {
    fx.OptOut: _opt_out,
    fx.OptIn: _opt_in,
    fx.SetLanguage: _set_language,
    fx.Apply: _apply,
    fx.ConsentAnswer: _consent_answer,
    fx.ConsentReminder: _consent_reminder,
    fx.PaperCheck: _paper_check,
    fx.LogHours: _log_hours,
    fx.Submit: _submit,
    fx.Agree: _agree,
    fx.SaveCheckinLink: _save_checkin_link,
    fx.CloseForgotten: _close_forgotten,
    fx.RatingComment: _rating_comment,
    fx.RedeemCode: _redeem_code,
    fx.Link: _link,
    fx.ApproveHours: _approve_hours,
    fx.RejectHours: _reject_hours,
    fx.ReviewWork: _review_work,
    fx.Rate: _rate,
    fx.ClockIn: _clock_in,
    fx.ClockOut: _clock_out,
    fx.ToInbox: _to_inbox,
    fx.AlertStranger: _alert_stranger,
}
