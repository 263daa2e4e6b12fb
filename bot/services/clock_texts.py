"""What the student reads about clocking in and out, wherever they clock: the chat, the
check-in page, a reminder. Only `services.clocking` and the student work flow use these.
"""

from __future__ import annotations

from bot.i18n import N_

# the "already in" answer and its opposite
ALREADY_IN = N_("You're clocked in since {time}. Reply OUT when you finish.")
NOT_IN = N_("You're not clocked in right now. Reply IN when you start work.")

# the start rule (rules.placement.may_clock_in), in words
START_REFUSALS = {
    "paused": N_(
        "{title} is on hold because permission was withdrawn. Please talk to your coordinator."
    ),
    "not_started": N_("{title} starts on {date}. You can clock in from then."),
    "ended": N_("{title} ended on {date}. Talk to your coordinator if you need more time."),
    "closed": N_("{title} is closed. Reply FIND to see other opportunities."),
}
NEED_PAPERWORK = N_("You can't start {title} yet. Still missing: {missing}.")
PAPERWORK_PENDING = N_("You can't start {title} yet: your paperwork isn't complete.")

# asking where the student is
LINK_IN = N_("To clock in at {title}, open this link at work (once, 15 min): {url}")
LINK_OUT = N_("To clock out of {title}, open this link (once, 15 min): {url}")
ASK_IN_LOCATION = N_("Please share your location with the button below to clock in.")
ASK_OUT_LOCATION = N_("Please share your location with the button below to clock out.")
NEED_LOCATION = N_(
    "I need your location: tap the button below. Or reply SKIP to go on without it "
    "(your supervisor will confirm)."
)
FORWARDED = N_(
    "Sorry, a forwarded location can't be used. Please share your own current location "
    "with the button below."
)
VIA_BOT = N_(
    "Sorry, a location sent through another bot can't be used. Please share your current "
    "location with the button below."
)
IMPLAUSIBLE = N_(
    "That location doesn't look right (nothing was recorded). Please share it again with "
    "the button below."
)
ASK_NOTE = N_("What did you work on? Reply with a short note, e.g. drafted 3 posts.")

# receipts
CLOCK_OUT = N_("Clock out")
IN_RECEIPTS = {
    "verified": N_("Clocked in at {title}, {time}. Location checked. Reply OUT when you finish."),
    "outside": N_(
        "Clocked in at {title}, {time}. You seem {distance} from the site: recorded, and your "
        "supervisor will confirm. Reply OUT when you finish."
    ),
    "unverified": N_(
        "Clocked in at {title}, {time}, without a location check: recorded, and your supervisor "
        "will confirm. Reply OUT when you finish."
    ),
    "remote": N_("Clocked in for {title}, {time}. Reply OUT when you finish."),
}
OUT_DONE = N_("Clocked out of {title}, {time}: {hours} h.")
OUT_COUNTED = N_("Location checked.")
OUT_CONFIRM = N_("Recorded; your supervisor will confirm.")
OUT_REMOTE = N_("Your supervisor will approve them.")

# reminders
NUDGE = N_("Still at {title}? You clocked in at {time}. Reply OUT when you finish.")
AUTO_CLOSED = N_(
    "You didn't clock out of {title}, so we clocked you out at {hours} h. Your "
    "coordinator will check it. Next time reply OUT when you finish."
)
COORD_AUTO_CLOSED = N_(
    "Student {student} didn't clock out (time entry {entry}), so it was closed "
    "automatically. Please review."
)
