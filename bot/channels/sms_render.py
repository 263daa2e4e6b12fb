"""Render an outbox message for SMS: buttons become short keyword replies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.i18n import N_, translator

REPLY_WITH = N_("Reply {options}")


def render_sms(text: str, buttons: Sequence[Sequence[Any]], lang: str = "en") -> str:
    """`text` plus one line listing the SMS replies of its buttons (`Reply FIND, MENU`)."""
    replies: list[str] = []
    for row in buttons:
        for button in row:
            sms = button["sms"] if isinstance(button, dict) else button.sms
            if sms and sms not in replies and sms not in text:
                replies.append(sms)
    if not replies:
        return text
    return f"{text}\n{translator(lang)(REPLY_WITH, options=', '.join(replies))}"
