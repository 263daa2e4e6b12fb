"""Telegram through python-telegram-bot's `Bot`, pointed at TELEGRAM_API_BASE_URL.

PTB is async; the sender owns one event loop on one thread for its whole life and runs
each call there, so connections are pooled and nothing builds a loop per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from bot.channels.sender import (
    OutboundEnvelope,
    PermanentSendError,
    RecipientOptedOut,
    SendResult,
    TransientSendError,
)
from bot.channels.telegram_render import clip, inline_keyboard, markup_for, parse_ref
from bot.settings import Settings

# Opt in to PTB's timedelta time periods (RetryAfter.retry_after) and their future API.
os.environ.setdefault("PTB_TIMEDELTA", "true")

T = TypeVar("T")
CALL_TIMEOUT_S = 30.0


class EventLoopThread:
    """One asyncio loop running on a daemon thread; `run(coro)` waits for the result."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = CALL_TIMEOUT_S) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()


def make_bot(settings: Settings) -> Bot:
    """A PTB Bot whose API root is TELEGRAM_API_BASE_URL (host root, without /bot)."""
    base = settings.telegram_api_base_url.rstrip("/")
    # the dispatcher has up to 16 sends in flight (bot.dispatch.concurrency): a connection each
    request = HTTPXRequest(connection_pool_size=16)
    return Bot(settings.telegram_bot_token, base_url=f"{base}/bot", request=request)


class TelegramSender:
    """Send `telegram:` messages: new messages, or edits of the message a button sat on."""

    def __init__(self, settings: Settings) -> None:
        self.bot = make_bot(settings)
        self._loop = EventLoopThread("wbl-telegram-sender")
        self._ready = False

    def send(self, msg: OutboundEnvelope) -> SendResult:
        """Send or edit one message; map Telegram's answers to the sender errors."""
        try:
            message = self._loop.run(self._deliver(msg))
        except TelegramError as exc:
            raise _classify(exc) from exc
        except TimeoutError as exc:
            raise TransientSendError("timeout") from exc
        return SendResult(provider_id=f"{message.chat_id}:{message.message_id}", status="sent")

    async def _deliver(self, msg: OutboundEnvelope) -> Message:
        if not self._ready:
            await self.bot.initialize()
            self._ready = True
        ref = parse_ref(str(msg.extra.get("edit_ref") or ""))
        if ref is not None and ref[0] == int(msg.address):
            edited = await self._edit(ref, msg)
            if edited is not None:
                return edited
        return await self.bot.send_message(
            chat_id=int(msg.address),
            text=clip(msg.text),
            reply_markup=markup_for(msg.buttons, msg.extra, msg.lang),
        )

    async def _edit(self, ref: tuple[int, int], msg: OutboundEnvelope) -> Message | None:
        """Edit in place; None when the message can't be edited (send a new one)."""
        markup: InlineKeyboardMarkup | None = inline_keyboard(msg.buttons)
        try:
            result = await self.bot.edit_message_text(
                text=clip(msg.text), chat_id=ref[0], message_id=ref[1], reply_markup=markup
            )
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return _Stub(ref)  # type: ignore[return-value]
            return None
        return result if isinstance(result, Message) else _Stub(ref)  # type: ignore[return-value]

    def close(self) -> None:
        if self._ready:
            with contextlib.suppress(Exception):  # closing must not raise
                self._loop.run(self.bot.shutdown(), timeout=10)
        self._loop.stop()


class _Stub:
    """Stands in for a Message when an edit returned no object."""

    def __init__(self, ref: tuple[int, int]) -> None:
        self.chat_id, self.message_id = ref


def _classify(exc: TelegramError) -> Exception:
    reason = f"telegram: {exc.message}"[:500]
    if isinstance(exc, RetryAfter):
        return TransientSendError(reason, _seconds(exc.retry_after))
    if isinstance(exc, Forbidden):
        text = exc.message.lower()
        if "blocked" in text or "deactivated" in text:
            return RecipientOptedOut("403", reason)
        return PermanentSendError("403", reason)
    if isinstance(exc, BadRequest | ChatMigrated):
        return PermanentSendError("400", reason)
    return TransientSendError(reason)  # network errors and anything else: try again later


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
