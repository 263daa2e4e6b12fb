"""Logging that is safe for minors' data: ids in our messages, no secrets from libraries."""

from __future__ import annotations

import logging

# httpx logs every request URL at INFO and PTB at DEBUG: Telegram URLs carry the bot token,
# and PTB also logs message texts
NOISY = ("httpx", "httpcore", "alembic", "telegram", "apscheduler.executors.default")


def quiet_noisy_loggers() -> None:
    """Raise third-party loggers that would print tokens or chatter to WARNING."""
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
