"""A local SMTP server (aiosmtpd) on a free port, keeping every envelope it receives."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def mail_server() -> Iterator[tuple[int, list[Any]]]:
    """(port, envelopes received) while the server runs."""
    from aiosmtpd.controller import Controller

    got: list[Any] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            got.append(envelope)
            return "250 OK"

    with socket.socket() as probe:  # a free port (the controller cannot be given 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(Handler(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        yield port, got
    finally:
        smtp.stop()
