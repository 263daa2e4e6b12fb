"""Button payloads: short, opaque and signed for the one person they were sent to.

`action|a,b|mac` with an 11-character HMAC-SHA256 tag over the recipient's person id,
the action and its arguments; it fits Telegram's 64-byte callback_data. A payload pressed
from another chat, or altered, fails verification.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

MAX_BYTES = 64


def _tag(secret: str, person_id: int, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{person_id}|{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest)[:11].decode()


def sign(secret: str, person_id: int, action: str, *args: object) -> str:
    body = f"{action}|{','.join(str(a) for a in args)}"
    payload = f"{body}|{_tag(secret, person_id, body)}"
    if len(payload.encode()) > MAX_BYTES:
        raise ValueError(f"payload too long for Telegram: {len(payload)} bytes")
    return payload


def verify(secret: str, person_id: int, payload: str) -> tuple[str, list[str]] | None:
    """(action, args) when the payload was made for `person_id`, else None."""
    if not payload or len(payload.encode()) > MAX_BYTES or payload.count("|") != 2:
        return None
    action, args, tag = payload.split("|")
    if not hmac.compare_digest(tag, _tag(secret, person_id, f"{action}|{args}")):
        return None
    return action, [a for a in args.split(",") if a]
