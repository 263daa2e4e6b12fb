"""Render an outbox message's buttons as Telegram keyboards.

- Buttons with a payload → an inline keyboard (callback_data = the signed payload).
- Keyword-only buttons (no payload) → a one-time reply keyboard of their SMS keywords,
  so a tap sends the keyword as text.
- `request_location` → a one-time reply keyboard whose first key shares the location.
An edit (`edit_ref`) can only carry an inline keyboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.i18n import N_, translator

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup
SHARE_LOCATION = N_("Share my location")
MAX_TEXT = 4096  # Telegram's limit for one message


def inline_keyboard(buttons: Sequence[Sequence[dict[str, Any]]]) -> InlineKeyboardMarkup | None:
    """Rows of the payload buttons; None when there are none."""
    rows = [
        [InlineKeyboardButton(b["label"], callback_data=b["payload"]) for b in row if b["payload"]]
        for row in buttons
    ]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def keyword_keys(buttons: Sequence[Sequence[dict[str, Any]]]) -> list[list[KeyboardButton]]:
    """Rows of text keys for the buttons that have only an SMS keyword."""
    rows = [
        [KeyboardButton(b.get("sms") or b["label"]) for b in row if not b.get("payload")]
        for row in buttons
    ]
    return [row for row in rows if row]


def markup_for(
    buttons: Sequence[Sequence[dict[str, Any]]], extra: dict[str, Any], lang: str = "en"
) -> Markup | None:
    """The keyboard to attach to a new message."""
    if extra.get("request_location"):
        label = extra.get("location_label") or translator(lang)(SHARE_LOCATION)
        rows = [[KeyboardButton(label, request_location=True)], *keyword_keys(buttons)]
        return ReplyKeyboardMarkup(rows, one_time_keyboard=True, resize_keyboard=True)
    inline = inline_keyboard(buttons)
    if inline is not None:
        return inline
    keys = keyword_keys(buttons)
    if keys:
        return ReplyKeyboardMarkup(keys, one_time_keyboard=True, resize_keyboard=True)
    return None


def parse_ref(ref: str) -> tuple[int, int] | None:
    """`"chat:message_id"` → (chat_id, message_id); None if malformed."""
    chat, _, message = ref.partition(":")
    try:
        return int(chat), int(message)
    except ValueError:
        return None


def clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
