"""Every message of the economy (English msgids; Spanish in locale/es/.../simulation.po)."""

from bot.i18n import N_

NOT_MEMBER = N_(
    "BALANCE, INVOICE and PAY are for members of a class firm. You join one when you are "
    "placed on one of its teams."
)
BALANCE = N_("{firm} has {balance} in the bank.")
NO_TRANSACTIONS = N_("No transactions yet.")
LAST = N_("The last transactions:")
FIRMS = N_("Firms: {firms}")
INVOICE_USAGE = N_(
    "To bill a firm: INVOICE FIRM amount memo, e.g. INVOICE {example} 150.00 posters. {firms}"
)
UNKNOWN_FIRM = N_("There is no firm {code}. {firms}")
OWN_FIRM = N_("{code} is your own firm. {firms}")
BAD_AMOUNT = N_(
    "I could not read {amount} as an amount. Write it like 150 or 1,250.50 (at most two "
    "decimals, more than zero)."
)
INVOICE_SENT = N_("Invoice #{number} to {firm} for {amount} is sent. They can reply PAY {number}.")
INVOICE_NOTICE = N_(
    "Invoice #{number} from {firm}: {amount} for {memo}. Reply PAY {number} to pay it, or "
    "DISPUTE {number} and a reason."
)
PAY_USAGE = N_("To pay an invoice: PAY and its number. To send money: PAY FIRM amount memo.")
NO_INVOICE = N_("There is no invoice #{number} for {firm} to pay. Reply INVOICES to see yours.")
ALREADY_PAID = N_("Invoice #{number} is already paid.")
IS_DISPUTED = N_("Invoice #{number} is disputed: your facilitator decides it first.")
IS_CANCELLED = N_("Invoice #{number} was cancelled; there is nothing to pay.")
NO_FUNDS = N_("Not enough money: {firm} has {balance} and this needs {amount}. Nothing was paid.")
NO_ROLE = N_("In {firm} only these roles may pay: {roles}. Ask one of them or your facilitator.")
PAID = N_("Paid: {amount} to {firm} (invoice #{number}). {mine} balance: {balance}")
SENT = N_("Sent: {amount} to {firm}. {mine} balance: {balance}")
PAYMENT_NOTICE = N_("{payer} paid {amount} to {payee} for {memo}. {firm} balance: {balance}")
OPEN_NONE = N_("No open invoices for {firm}.")
TO_PAY = N_("To pay (reply PAY n):")
TO_RECEIVE = N_("Waiting to be paid:")
DISPUTE_USAGE = N_("To dispute an invoice: DISPUTE n reason, e.g. DISPUTE 4 wrong amount")
NOT_OPEN = N_("Invoice #{number} is not open, so it cannot be disputed.")
DISPUTED = N_("Invoice #{number} is disputed. Your facilitator will decide; {firm} is told.")
DISPUTE_NOTICE = N_(
    "{firm} disputes invoice #{number} ({amount}): {reason}. The facilitator decides."
)
DISPUTE_TO_FACILITATOR = N_(
    "Invoice #{number} from {issuer} to {billed} ({amount}) is disputed: {reason}. "
    "Decide it on the dashboard."
)
UPHELD = N_("The dispute of invoice #{number} ({amount}) was upheld: the invoice is cancelled.")
OVERRULED = N_(
    "The dispute of invoice #{number} ({amount}) was not upheld: {firm} owes it. Reply PAY "
    "{number}."
)
MONTH_END = N_(
    "Month-end for {firm}: rent {rent} and tax {tax} ({rate} of {revenue} revenue in "
    "{month}) went to the central account. Balance: {balance}"
)
NEGATIVE = N_(
    "{firm} is negative after the month-end charge: {balance}. A loan is your call on the "
    "dashboard."
)
LOAN_NOTICE = N_("Your facilitator moved {amount} to {firm}: {memo}. Balance: {balance}")
REVERSED_NOTICE = N_(
    "Your facilitator reversed a transaction of {amount} ({memo}). {firm} balance: {balance}"
)
HOURS_APPROVED = N_("Your facilitator approved {hours} h for {title}.")
HOURS_REJECTED = N_("Your facilitator did not approve {hours} h for {title}: {reason}")
