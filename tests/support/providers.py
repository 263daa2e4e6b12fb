"""Local servers that speak the Twilio REST and Telegram Bot API wire formats.

The real `twilio` and `python-telegram-bot` clients talk to them over HTTP, so a test
sees exactly what a provider would receive.

Fixtures:
- `twilio_api` (FakeTwilio): `POST /2010-04-01/Accounts/{sid}/Messages.json`, HTTP basic
  auth `sid:token` checked. `.url` (give it as TWILIO_API_BASE_URL), `.account_sid`,
  `.auth_token`, `.messages` (form dicts received, in order: To, From or
  MessagingServiceSid, Body or ContentSid + ContentVariables, StatusCallback); WhatsApp as
  Twilio checks it: `whatsapp:` To and From together (else 21910), a template's
  ContentSid `HX` + 32 hex (else 21655) and ContentVariables a JSON object (else 21656), `.fail_next(n, status=500, code=None)`
  (21610 = recipient unsubscribed), `.enforce_rate(mps)` (over-rate → 429, code 20429,
  counted in `.violations`), `.respond_after(seconds)` (a message is accepted at once and
  answered that much later, as over a slow network), `.clear()`.
- `telegram_api` (FakeTelegram): `POST /bot{token}/{method}` for sendMessage,
  editMessageText, editMessageReplyMarkup, answerCallbackQuery, getMe, getUpdates,
  setWebhook, deleteWebhook (JSON or form bodies). `.url` (the host root, as
  TELEGRAM_API_BASE_URL), `.token`, `.calls` [(method, params)], `.sent(method)` (the
  params of one method's calls), `.fail_next(n, status=500, description=None,
  retry_after=None)` (429 answers with parameters.retry_after, 403 with "Forbidden: bot
  was blocked by the user"), `.enforce_limits(global_mps=30, chat_mps=1)` (counted in
  `.violations`), `.queue_updates([update, ...])` for getUpdates, `.clear()`.
- `provider_settings`: the test `settings` with both channels configured and pointed at
  the fakes (TWILIO_MPS 20 so tests run quickly; set it lower to test pacing).
- `provider_runtime`: a Runtime on `provider_settings`; its dispatcher is closed after
  the test.

Rate enforcement: at most `cap = max(1, floor(mps))` accepted requests in any window of
`cap / mps` seconds (for 30/s: 30 in any second; for 1/s: one a second).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from bot.sms_segments import segments


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Keep test output quiet."""


class RateWindow:
    """At most `cap` events in any window of `cap / mps` seconds (the fakes' rule)."""

    def __init__(self, mps: float) -> None:
        self.cap = max(1, math.floor(mps))
        self.window = self.cap / mps
        self.times: deque[float] = deque()

    def admit(self, now: float) -> bool:
        """Record an event at `now` if the rule allows it; False when it would exceed it."""
        while self.times and self.times[0] <= now - self.window:
            self.times.popleft()
        if len(self.times) >= self.cap:
            return False
        self.times.append(now)
        return True


class FakeServer:
    """A WSGI app on 127.0.0.1:<free port>, served from a daemon thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        response = self.handle(Request(environ))
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


# --- Twilio ---------------------------------------------------------------------------


@dataclass
class _Failure:
    status: int
    code: int | None = None
    description: str | None = None
    retry_after: int | None = None


class FakeTwilio(FakeServer):
    """Twilio's Programmable Messaging REST API, just the Messages resource."""

    def __init__(self) -> None:
        self.account_sid = "AC" + secrets.token_hex(16)
        self.auth_token = secrets.token_hex(16)
        self.messages: list[dict[str, str]] = []
        self.arrivals: list[float] = []  # time.monotonic() of each accepted message
        self.violations = 0
        self.rejected = 0
        self._failures: deque[_Failure] = deque()
        self._rate: RateWindow | None = None
        self._delay = 0.0
        super().__init__()

    def respond_after(self, seconds: float) -> None:
        """Accept each message at once but answer `seconds` later (a slow round trip)."""
        with self.lock:
            self._delay = seconds

    def fail_next(self, n: int = 1, status: int = 500, code: int | None = None) -> None:
        """Answer the next `n` create-message requests with an error."""
        default = {500: 20500, 429: 20429, 400: 21211, 503: 20503}.get(status, 20001)
        with self.lock:
            self._failures.extend(_Failure(status, code or default) for _ in range(n))

    def enforce_rate(self, mps: float | None) -> None:
        """Reject requests over `mps` with 429 / 20429 and count them (None: no limit)."""
        with self.lock:
            self._rate = RateWindow(mps) if mps else None
            self.violations = 0

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.arrivals.clear()
            self._failures.clear()
            self.violations = 0
            self.rejected = 0

    def handle(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if (
            request.method != "POST"
            or len(parts) != 4
            or parts[:2] != ["2010-04-01", "Accounts"]
            or parts[3] != "Messages.json"
        ):
            return _error(404, 20404, "The requested resource was not found")
        auth = request.authorization
        if (
            auth is None
            or auth.username != self.account_sid
            or auth.password != self.auth_token
            or parts[2] != self.account_sid
        ):
            return _error(401, 20003, "Authenticate")
        with self.lock:
            response, delay = self._create(request.form), self._delay
        if delay and response.status_code == 201:
            time.sleep(delay)
        return response

    def _create(self, form: MultiDict[str, str]) -> Response:
        if self._rate is not None and not self._rate.admit(time.monotonic()):
            self.violations += 1
            self.rejected += 1
            return _error(429, 20429, "Too Many Requests")
        if self._failures:
            failure = self._failures.popleft()
            self.rejected += 1
            return _error(failure.status, failure.code or 20500, _TWILIO_TEXT.get(failure.code))
        if not form.get("To"):
            return _error(400, 21604, "A 'To' phone number is required.")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return _error(400, 21603, "A 'From' phone number is required.")
        refused = _whatsapp_refusal(form)
        if refused is not None:
            return refused
        if not (form.get("Body") or form.get("ContentSid")):
            return _error(400, 21602, "Message body is required.")
        self.messages.append(dict(form.items()))
        self.arrivals.append(time.monotonic())
        return _json(self._resource(form), 201)

    def _resource(self, form: MultiDict[str, str]) -> dict[str, Any]:
        sid = "SM" + secrets.token_hex(16)
        now = formatdate(usegmt=True)
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From") or None,
            "messaging_service_sid": form.get("MessagingServiceSid") or None,
            "num_media": "0",
            "num_segments": str(segments(form.get("Body", "")) if _sms(form) else 1),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued" if form.get("From") else "accepted",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"
            },
            "to": form["To"],
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }


def _sms(form: MultiDict[str, str]) -> bool:
    return not form["To"].startswith("whatsapp:")


def _whatsapp_refusal(form: MultiDict[str, str]) -> Response | None:
    """Twilio's checks of a WhatsApp request: both ends on WhatsApp, a valid template."""
    sender = form.get("From", "")
    if sender and _sms(form) != (not sender.startswith("whatsapp:")):
        return _error(
            400, 21910, "Invalid From and To pair. From and To should be of the same channel"
        )
    content = form.get("ContentSid")
    if content is None:
        return None
    if not re.fullmatch(r"HX[0-9a-fA-F]{32}", content):
        return _error(400, 21655, "The ContentSid is Invalid")
    try:
        variables = json.loads(form.get("ContentVariables") or "{}")
    except ValueError:
        variables = None
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        return _error(400, 21656, "The ContentVariables Parameter is invalid")
    return None


_TWILIO_TEXT = {
    21610: "Attempt to send to unsubscribed recipient",
    21211: "Invalid 'To' Phone Number",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
}


def _error(status: int, code: int, message: str | None) -> Response:
    return _json(
        {
            "code": code,
            "message": message or "Error",
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status,
    )


# --- Telegram -------------------------------------------------------------------------

_JSON_FIELDS = {"reply_markup", "entities", "allowed_updates", "link_preview_options"}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout"}
_RATED = {"sendMessage", "editMessageText", "editMessageReplyMarkup"}
BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "WBL Bot",
    "username": "wbl_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class _Limits:
    global_window: RateWindow
    chat_mps: float
    chats: dict[Any, RateWindow] = field(default_factory=dict)

    def admit(self, chat_id: Any, now: float) -> bool:
        chat = self.chats.setdefault(chat_id, RateWindow(self.chat_mps))
        if not chat.admit(now):
            return False
        if not self.global_window.admit(now):
            chat.times.pop()
            return False
        return True


class FakeTelegram(FakeServer):
    """The Telegram Bot API for the methods the bot uses."""

    def __init__(self) -> None:
        self.token = f"{7000000001}:{secrets.token_urlsafe(24)}"
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.arrivals: list[float] = []  # time.monotonic() of each accepted sendMessage
        self.violations = 0
        self._failures: deque[_Failure] = deque()
        self._limits: _Limits | None = None
        self._updates: list[dict[str, Any]] = []
        self._new_updates = threading.Condition()
        self._message_ids = itertools.count(100)
        self._messages: dict[tuple[Any, int], dict[str, Any]] = {}
        self._delay = 0.0
        super().__init__()

    def respond_after(self, seconds: float) -> None:
        """Answer each call `seconds` later (a slow round trip)."""
        with self.lock:
            self._delay = seconds

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `n` sending calls with an error (429 carries retry_after)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        with self.lock:
            self._failures.extend(
                _Failure(status, None, description, retry_after) for _ in range(n)
            )

    def enforce_limits(self, global_mps: float = 30, chat_mps: float = 1) -> None:
        """Reject sends over the limits with 429 and count them in `.violations`."""
        with self.lock:
            self._limits = _Limits(RateWindow(global_mps), chat_mps)
            self.violations = 0

    def queue_updates(self, updates: list[dict[str, Any]]) -> None:
        """Make `updates` available to getUpdates."""
        with self._new_updates:
            self._updates.extend(updates)
            self._new_updates.notify_all()

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        with self.lock:
            return [params for name, params in self.calls if name == method]

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()
            self.arrivals.clear()
            self._failures.clear()
            self.violations = 0

    def handle(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("bot"):
            return _tg_error(404, "Not Found")
        if parts[0][3:] != self.token:
            return _tg_error(401, "Unauthorized")
        method, params = parts[1], _params(request)
        if method == "getUpdates":
            return self._get_updates(params)
        with self.lock:
            self.calls.append((method, params))
            response, delay = self._answer(method, params), self._delay
        if delay:
            time.sleep(delay)
        return response

    def _answer(self, method: str, params: dict[str, Any]) -> Response:
        if method in _RATED:
            refused = self._refusal(params.get("chat_id"))
            if refused is not None:
                return refused
        if method == "getMe":
            return _ok(BOT_USER)
        if method in ("setWebhook", "deleteWebhook", "answerCallbackQuery"):
            return _ok(True)
        if method == "sendMessage":
            return self._send(params)
        if method in ("editMessageText", "editMessageReplyMarkup"):
            return self._edit(method, params)
        return _tg_error(404, "Not Found: method not found")

    def _refusal(self, chat_id: Any) -> Response | None:
        if self._limits is not None and not self._limits.admit(chat_id, time.monotonic()):
            self.violations += 1
            return _tg_error(429, "Too Many Requests: retry after 1", retry_after=1)
        if not self._failures:
            return None
        f = self._failures.popleft()
        text = f.description or {
            403: "Forbidden: bot was blocked by the user",
            400: "Bad Request: chat not found",
            429: f"Too Many Requests: retry after {f.retry_after}",
        }.get(f.status, "Internal Server Error")
        return _tg_error(f.status, text, retry_after=f.retry_after)

    def _send(self, params: dict[str, Any]) -> Response:
        if not params.get("chat_id") or not params.get("text"):
            return _tg_error(400, "Bad Request: message text is empty")
        message = self._message(params["chat_id"], next(self._message_ids), params)
        self.arrivals.append(time.monotonic())
        return _ok(message)

    def _edit(self, method: str, params: dict[str, Any]) -> Response:
        key = (params.get("chat_id"), params.get("message_id"))
        old = self._messages.get(key)
        if old is None:
            return _tg_error(400, "Bad Request: message to edit not found")
        merged = {"text": old["text"]} | params
        if method == "editMessageReplyMarkup":
            merged["text"] = old["text"]
        message = self._message(key[0], key[1], merged)
        message["edit_date"] = int(time.time())
        return _ok(message)

    def _message(self, chat_id: Any, message_id: int, params: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private", "first_name": "Student"},
            "date": int(time.time()),
            "text": params.get("text", ""),
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # Telegram echoes only inline keyboards
        self._messages[(chat_id, message_id)] = message
        return message

    def _get_updates(self, params: dict[str, Any]) -> Response:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 1.0)
        with self._new_updates:
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and wait:
                self._new_updates.wait(wait)
            result = list(self._updates[: int(params.get("limit") or 100)])
        with self.lock:
            self.calls.append(("getUpdates", params))
        return _ok(result)


def _params(request: Request) -> dict[str, Any]:
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    out: dict[str, Any] = {}
    for key, value in request.values.items():
        if key in _JSON_FIELDS:
            try:
                out[key] = json.loads(value)
            except ValueError:
                out[key] = value
        elif key in _INT_FIELDS and value.lstrip("-").isdigit():
            out[key] = int(value)
        else:
            out[key] = value
    return out


def _ok(result: Any) -> Response:
    return _json({"ok": True, "result": result})


def _tg_error(status: int, description: str, retry_after: int | None = None) -> Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return _json(body, status)


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture
def twilio_api() -> Iterator[FakeTwilio]:
    server = FakeTwilio()
    yield server
    server.stop()


@pytest.fixture
def telegram_api() -> Iterator[FakeTelegram]:
    server = FakeTelegram()
    yield server
    server.stop()


def configure(settings: Any, twilio: FakeTwilio, telegram: FakeTelegram, **changes: Any) -> Any:
    """`settings` with both channels configured and pointed at the fakes."""
    values: dict[str, Any] = {
        "twilio_account_sid": twilio.account_sid,
        "twilio_auth_token": twilio.auth_token,
        "twilio_from_number": "+12095550100",
        "twilio_api_base_url": twilio.url,
        "twilio_mps": 20.0,
        "telegram_bot_token": telegram.token,
        "telegram_webhook_secret": "telegram-webhook-secret",
        "telegram_api_base_url": telegram.url,
    }
    values.update(changes)
    return settings.with_(**values)


@pytest.fixture
def provider_settings(settings: Any, twilio_api: FakeTwilio, telegram_api: FakeTelegram) -> Any:
    return configure(settings, twilio_api, telegram_api)


@pytest.fixture
def provider_runtime(provider_settings: Any, database: Any, clock: Any) -> Iterator[Any]:
    from bot.dispatch import close_dispatcher
    from bot.runtime import Runtime

    rt = Runtime(provider_settings, database, clock)
    yield rt
    close_dispatcher(rt)


# --- helpers for dispatcher tests -------------------------------------------------------


def queue_message(database: Any, urn: str, text: str, *, at: Any, **kw: Any) -> int:
    """Write one pending outbox row as the engine would; returns its id."""
    from bot.messages import channel_of
    from db.models import OutboxMessage

    row = OutboxMessage(
        person_id=kw.pop("person_id", None),
        urn=urn,
        channel=channel_of(urn),
        text=text,
        buttons=kw.pop("buttons", []),
        extra=kw.pop("extra", {}),
        urgent=kw.pop("urgent", True),
        category=kw.pop("category", "reply"),
        status="pending",
        attempts=0,
        not_before=kw.pop("not_before", at),
        created_at=at,
        **kw,
    )
    with database.transaction() as s:
        s.add(row)
        s.flush()
        return int(row.id)


def add_telegram_contact(database: Any, person_id: int, chat_id: int, at: Any) -> str:
    """Link a Telegram chat to a person (as `/start CODE` would); returns the URN."""
    from db.models import Contact

    urn = f"telegram:{chat_id}"
    with database.transaction() as s:
        s.add(Contact(urn=urn, scheme="telegram", person_id=person_id, created_at=at))
    return urn
