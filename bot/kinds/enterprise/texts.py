"""Every message of the enterprise kind (msgids; Spanish in locale/es/.../enterprise.po)."""

from bot.i18n import N_

# --- the rota -------------------------------------------------------------------------
NO_ENTERPRISE = N_(
    "Shifts are for students placed at a school business. Reply FIND school to see them."
)
NOT_READY = N_(
    "Your placement at {title} is not ready yet, so you can't take shifts. Reply STATUS "
    "to see what's missing."
)
SHIFTS_HEAD_MINE = N_("Your shifts:")
SHIFTS_HEAD_OPEN = N_("Open shifts:")
SHIFTS_NONE = N_("No upcoming shifts have seats right now. Check again later with SHIFTS.")
SHIFTS_FOOT = N_("Reply TAKE n to take a shift, DROP n to give one back.")
SHIFTS_MORE = N_("Reply MORE for the next ones.")
SEATS_LEFT = N_("seats: {count}")
LIST_FIRST = N_("Reply SHIFTS first to see the list, then {word} and its number.")
NOT_IN_LIST = N_("There's no number {n} in your last list. Reply SHIFTS to see it again.")
TAKEN = N_("You're on {title}, {when}. I'll remind you before it starts.")
ALREADY_YOURS = N_("That shift ({when}) is already yours.")
FULL = N_("Sorry, the shift {when} is full. Reply SHIFTS for others.")
STARTED = N_("The shift {when} has already started; pick a later one. Reply SHIFTS.")
OVERLAPS = N_("The shift {when} overlaps your shift {other}. Drop that one first.")
DROP_STARTED = N_("The shift {when} has already started, so it can't be dropped.")
NOT_YOURS = N_("That shift ({when}) isn't one of yours, so there's nothing to drop.")
DROPPED = N_("Done: you gave back the shift {when}.")
DROPPED_LATE = N_("Done: you gave back the shift {when}. Your supervisor has been told.")
SUP_DROPPED = N_("{student} dropped the {title} shift {when} (less than 12 h before it starts).")
REMIND = N_("Reminder: your {title} shift is {when}. Reply IN when you get there.")
MISSED = N_("You missed your {title} shift {when}. Your supervisor has been told.")
SUP_MISSED = N_("{student} did not clock in for the {title} shift {when}.")
CANCELLED = N_("Your {title} shift {when} was cancelled by the school. Reply SHIFTS for others.")
NO_SHIFT_NOW = N_(
    "You can clock in at {title} only for a shift you've taken, from 15 minutes before it "
    "starts. Reply SHIFTS to see yours."
)
NEXT_SHIFT = N_(
    "IN opens 15 minutes before your shift {when}; reply IN then. Reply SHIFTS to see yours."
)
# --- the till ---------------------------------------------------------------------------
ASK_SALES = N_(
    "How much did the till take this shift? Reply SALES and the amount, e.g. SALES 142.50"
)
SALES_HOW = N_("Reply SALES and the amount the till took this shift, e.g. SALES 142.50")
NO_TILL_SHIFT = N_("SALES is for a till shift you worked today. I don't see one.")
SALES_SAVED = N_("Thanks! Sales of {amount} recorded for the shift {when}.")
SALES_REPLACED = N_("Thanks! Sales for the shift {when} are now {amount} (they were {before}).")
STOCK_HOW = N_("Reply STOCK, the item and the count, e.g. STOCK milk 3")
NO_TILL = N_("STOCK is for a school business with a stock list. Yours has none.")
UNKNOWN_ITEM = N_("I don't know that item. Items: {items}")
STOCK_SAVED = N_("Counted: {item} {count} {unit}.")
STOCK_LOW = N_("Counted: {item} {count} {unit}. That's below par ({par}); your supervisor is told.")
STOCK_LOW_KNOWN = N_(
    "Counted: {item} {count} {unit}, below par ({par}); your supervisor knows today."
)
SUP_LOW = N_("Low stock at {title}: {item} {count} {unit} (par {par}).")
# --- work orders ------------------------------------------------------------------------
NOT_ON_SHIFT = N_("JOBS, CLAIM and DONE are for students on shift at the help desk or studio.")
JOBS_NONE = N_("No open work orders right now.")
JOBS_HEAD = N_("Work orders:")
JOBS_FOOT = N_("Reply CLAIM n to take one, DONE n and a note when it's finished.")
JOB_MINE = N_("yours")
JOBS_FIRST = N_("Reply JOBS first to see the list, then {word} and its number.")
NOT_IN_JOBS = N_("There's no number {n} in your last list. Reply JOBS to see it again.")
CLAIMED = N_("{ref} is yours: {what}")
CLAIMED_BY_OTHER = N_("{ref} was already claimed by someone else. Reply JOBS for others.")
DONE_NEEDS_NOTE = N_("Add a note about what you did: DONE {n} replaced the screen")
DONE_NOT_YOURS = N_("{ref} isn't claimed by you. Reply CLAIM {n} first.")
FINISHED = N_("Thanks! {ref} is done and the requester has been told.")
REQ_RECEIVED = N_("{name}: we got your request, reference {ref}. We'll tell you when it's done.")
REQ_DONE = N_("{name}: your request {ref} is done. Note: {note} Rate it (1-5): {link}")
MAIL_SUBJECT_RECEIVED = N_("Your request {ref}")
MAIL_SUBJECT_DONE = N_("Your request {ref} is done")
