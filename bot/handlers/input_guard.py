"""Input that no door may pass on: NUL characters and lone surrogates.

PostgreSQL text cannot hold NUL (a 500 there, silently fine on SQLite), and a lone
surrogate (`"\\ud800"` in JSON) cannot be encoded for either database. One guard for
every route, installed by `create_app`:

- query arguments, form fields and URL parts holding one are refused with a 400 before
  any view runs, except the fields that carry what a person typed (`CLEANED_FIELDS`),
  whose handler drops the NUL itself;
- JSON bodies are decoded by `SafeJSONProvider`: NUL dropped, lone surrogates replaced by
  U+FFFD, and a body nested too deep to decode is "not JSON" (`get_json(silent=True)` is
  None) instead of a RecursionError.

Invalid UTF-8 in a URL or a form is already replaced by U+FFFD by Werkzeug (cleaned).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider

# (endpoint, field): free text that is cleaned by its handler rather than refused
CLEANED_FIELDS = frozenset({("twilio_sms.inbound_sms", "Body")})
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_BAD = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def unsafe(text: str) -> bool:
    """True when `text` holds a NUL or a lone surrogate."""
    return _BAD.search(text) is not None


def clean(text: str) -> str:
    """`text` without NUL and with every lone surrogate replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def refuse_unsafe_input() -> None:
    """Refuse (400) a request whose URL, query or form holds a NUL or a lone surrogate."""
    cleaned = {f for e, f in CLEANED_FIELDS if e == request.endpoint}
    if unsafe(request.path) or _any_unsafe(request.args.items(multi=True), ()):
        abort(400)
    if request.mimetype in FORMS and _any_unsafe(request.form.items(multi=True), cleaned):
        abort(400)


def _any_unsafe(pairs: Iterable[tuple[str, str]], cleaned: Iterable[str]) -> bool:
    return any(unsafe(k) or (k not in cleaned and unsafe(v)) for k, v in pairs)


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, decoding only what a database can store."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Decode `s`; ValueError (never RecursionError) when it is not usable JSON."""
        try:
            data = json.loads(s, **kwargs)
        except RecursionError as err:
            raise ValueError("JSON nested too deep") from err
        return _cleaned(data)


def _cleaned(data: Any) -> Any:
    """`data` with every string (keys included) cleaned; iterative, so depth is no risk."""
    if isinstance(data, str):
        return clean(data)
    root: list[Any] = [data]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        parent, key = stack.pop()
        value = parent[key]
        if isinstance(value, str):
            parent[key] = clean(value)
        elif isinstance(value, list):
            stack.extend((value, i) for i in range(len(value)))
        elif isinstance(value, dict):
            fixed = {clean(k) if isinstance(k, str) else k: v for k, v in value.items()}
            parent[key] = fixed
            stack.extend((fixed, k) for k in fixed)
    return root[0]


def install(app: Flask) -> None:
    """Guard every route of `app` and decode its JSON safely."""
    app.json = SafeJSONProvider(app)
    app.before_request(refuse_unsafe_input)
