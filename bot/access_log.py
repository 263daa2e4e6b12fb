"""Logs that never hold a capability token: the redacting access log and filter.

A capability link is a URL whose token is the permission (check-in, slip, receipt,
set-password, calendar feeds, rating and proposal links, the OIDC `code`). Access logs
print every URL, so every line is redacted before it is written:

- the path segment after any name in `CAPABILITY_SEGMENTS` (`/checkin/<token>`),
- the value of any query parameter in `SECRET_PARAMS` (`?sig=`, `?code=`),
- and, as a net for paths nobody declared yet, any path segment or query value that
  looks like a token (20 or more URL-safe characters).

A new kind of capability link is added to the two sets here and nowhere else.
`RedactingLogger` is gunicorn's logger with the filter on its access and error logs;
`install()` puts the same filter on Werkzeug's request log (the test server).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

CAPABILITY_SEGMENTS = frozenset(
    {
        "checkin",  # /checkin/<token>: SMS clock-in page
        "slip",  # /slip/<token>: permission slip
        "password",  # /dashboard/password/<token>: staff set-password and reset links
        "set-password",
        "reset-password",
        "calendar",  # /calendar/<token>.ics: calendar feeds
        "feed",
        "rate",  # /rate/<token>: one-tap supervisor ratings
        "rating",
        "order",  # /order/<token>: an enterprise's public work-order form
        "feedback",  # /feedback/<token>: a work order's one-tap rating
        "proposal",  # /proposal/<token>: proposal links
        "proposals",
    }
)
SECRET_PARAMS = frozenset({"sig", "token", "code", "state", "key", "t"})
MASK = "[redacted]"

_SEGMENTS = "|".join(re.escape(s) for s in sorted(CAPABILITY_SEGMENTS))
_PARAMS = "|".join(re.escape(p) for p in sorted(SECRET_PARAMS))
_SEGMENT = re.compile(rf"(/(?:{_SEGMENTS})/)[^/?#\s\"]+", re.IGNORECASE)
_PARAM = re.compile(rf"([?&](?:{_PARAMS})=)[^&#\s\"]*", re.IGNORECASE)
_TOKENISH = re.compile(r"(?<=[/=])[A-Za-z0-9_\-]{20,}")


def redact(text: str) -> str:
    """`text` with every capability token replaced by `[redacted]`."""
    text = _SEGMENT.sub(lambda m: m.group(1) + MASK, text)
    text = _PARAM.sub(lambda m: m.group(1) + MASK, text)
    return _TOKENISH.sub(MASK, text)


class RedactingFilter(logging.Filter):
    """Rewrite each record's message with `redact` (the arguments are folded in first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the handler
            return True
        record.msg, record.args = redact(message), None
        return True


class RedactingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger whose access and error lines are redacted."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            _add_filter(log)


def install() -> None:
    """Redact Werkzeug's request log too (the development server, used by tests only)."""
    _add_filter(logging.getLogger("werkzeug"))


def _add_filter(log: logging.Logger) -> None:
    if not any(isinstance(f, RedactingFilter) for f in log.filters):
        log.addFilter(RedactingFilter())
