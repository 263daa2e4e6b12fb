"""Development mode for Telegram: long-poll getUpdates instead of receiving webhooks.

`wbl telegram-poll` deletes the webhook, then reads updates with an advancing offset;
each update goes through the same parser and engine as the webhook, in its own
transaction; callback queries are answered; the outbox is dispatched after each batch.
"""

from __future__ import annotations

import logging
import threading
import time

from telegram import Update
from telegram.error import TelegramError

from bot.channels.telegram_sender import EventLoopThread, make_bot
from bot.dispatch import close_dispatcher, dispatch_once
from bot.runtime import Runtime

log = logging.getLogger("wbl.telegram_poll")

LONG_POLL_S = 25
ERROR_PAUSE_S = 3.0
ALLOWED = ["message", "callback_query"]


class Poller:
    """A Bot on its own event loop, and the offset of the next update to read."""

    def __init__(self, runtime: Runtime, long_poll_s: int = LONG_POLL_S) -> None:
        self.runtime = runtime
        self.long_poll_s = long_poll_s
        self.bot = make_bot(runtime.settings)
        self.loop = EventLoopThread("wbl-telegram-poll")
        self.offset: int | None = None
        self.loop.run(self.bot.initialize())
        self.loop.run(self.bot.delete_webhook())

    def poll_once(self) -> int:
        """Read one batch of updates, handle each, dispatch the outbox; how many were read."""
        updates = self.loop.run(
            self.bot.get_updates(
                offset=self.offset, timeout=self.long_poll_s, allowed_updates=ALLOWED
            ),
            timeout=self.long_poll_s + 30,
        )
        for update in updates:
            self.handle(update)
            self.offset = update.update_id + 1
        if updates:
            dispatch_once(self.runtime, self.runtime.clock.now())
        return len(updates)

    def handle(self, update: Update) -> None:
        """One update through the engine (deduplicated on update_id), then answer buttons."""
        from bot.handlers.telegram import update_to_inbound

        inbound = update_to_inbound(update, self.runtime.clock.now())
        if inbound is not None:
            self.runtime.engine.receive(self.runtime.database, inbound)
        if update.callback_query is not None:
            try:
                self.loop.run(self.bot.answer_callback_query(update.callback_query.id))
            except TelegramError as exc:  # an old query can't be answered; the tap counted
                log.info("callback query not answered: %s", exc.message)

    def close(self) -> None:
        self.loop.run(self.bot.shutdown())
        self.loop.stop()
        close_dispatcher(self.runtime)


def run_polling(runtime: Runtime, stop: threading.Event | None = None) -> None:
    """Poll until Ctrl-C (or `stop`), pausing a little after network errors."""
    stop = stop or threading.Event()
    poller = Poller(runtime)
    log.info("polling Telegram for updates")
    try:
        while not stop.is_set():
            try:
                poller.poll_once()
            except TelegramError as exc:
                log.warning("getUpdates failed: %s", exc.message)
                time.sleep(ERROR_PAUSE_S)
    except KeyboardInterrupt:
        log.info("stopped")
    finally:
        poller.close()
