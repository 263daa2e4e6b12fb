"""Delivery across worker processes: shared provider rate limits and leases on claimed rows.

`claimer` takes due rows urgent first, only as many as can be sent now; `rate_limit`
counts each provider limit in the database so N workers together stay under
it; `leases` lets a live worker keep the outbox rows it claimed and a lapsed lease hand
them to another. `bot.dispatch` puts them together.
"""
