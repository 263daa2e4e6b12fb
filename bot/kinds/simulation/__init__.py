"""Simulated workplace: class firms trading in a closed, double-entry economy.

Firms come from the partner file `firms.csv` (`importer`); students placed on one of a
firm's opportunities are its members. Members trade by message (`chat`: BALANCE,
INVOICES, INVOICE, PAY, DISPUTE); the ledger, trading and month-end charge are in
`service`; amounts and tax in `rules`. The facilitator keeps the books and approves
members' logged class hours on the dashboard (`pages`). A class firm run by school staff
(employer kind `school_enterprise`) needs no outside background check.
"""

from bot.i18n import N_
from bot.kinds.base import Kind, Proof

CHAT = "bot.kinds.simulation.chat"

KIND = Kind(
    code="simulation",
    label=N_("simulation"),
    words=frozenset({"SIMULATION", "SIMULATED", "SIM", "SIMULACION", "SIMULADA"}),
    on_site_proof=Proof.FACILITATOR,
    remote_proof=Proof.FACILITATOR,
    no_background_check_with=frozenset({"school_enterprise"}),
    commands={
        "BALANCE": f"{CHAT}:balance",
        "SALDO": f"{CHAT}:balance",
        "INVOICES": f"{CHAT}:invoices",
        "FACTURAS": f"{CHAT}:invoices",
        "INVOICE": f"{CHAT}:invoice",
        "FACTURA": f"{CHAT}:invoice",
        "FACTURAR": f"{CHAT}:invoice",
        "PAY": f"{CHAT}:pay",
        "PAGAR": f"{CHAT}:pay",
        "PAGA": f"{CHAT}:pay",
        "DISPUTE": f"{CHAT}:dispute",
        "DISPUTAR": f"{CHAT}:dispute",
        "RECLAMAR": f"{CHAT}:dispute",
    },
    menu_hints={"student": N_("BALANCE: your firm's account\nINVOICE: bill another firm")},
    sweeps={"simulation.month_end": "bot.kinds.simulation.service.month:month_end"},
    importers={"firms.csv": "bot.kinds.simulation.importer:import_firms"},
    pages="bot.kinds.simulation.pages",
)
