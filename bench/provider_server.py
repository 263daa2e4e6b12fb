"""The local Twilio or Telegram server in a process of its own, for load benchmarks.

    python -m bench.provider_server twilio|telegram [--rate 100] [--latency 0.05]

Run in the benchmark's own process, the local provider's request threads and the
measured worker's send threads would queue on one interpreter lock; here they don't.
Prints one JSON line (url, credentials), then waits on stdin: each line `report` is
answered with one JSON line (arrivals as time.monotonic(), which every process on the
machine shares; violations: requests answered 429 over the limit; the texts accepted); `clear` empties the
counts; end of input stops the server.
"""

from __future__ import annotations

import argparse
import json
import sys

from tests.support.providers import FakeTelegram, FakeTwilio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("provider", choices=["twilio", "telegram"])
    parser.add_argument("--rate", type=float, default=100.0, help="Twilio: messages/s allowed")
    parser.add_argument("--latency", type=float, default=0.05, help="answer delay, seconds")
    ns = parser.parse_args()
    server: FakeTwilio | FakeTelegram
    if ns.provider == "twilio":
        server = FakeTwilio()
        server.enforce_rate(ns.rate)
        info = {"url": server.url, "sid": server.account_sid, "token": server.auth_token}
    else:
        server = FakeTelegram()
        server.enforce_limits(global_mps=30, chat_mps=1)
        info = {"url": server.url, "token": server.token}
    server.respond_after(ns.latency)
    print(json.dumps(info), flush=True)
    for line in sys.stdin:
        if line.strip() == "report":
            with server.lock:
                report = {"arrivals": list(server.arrivals), "violations": server.violations}
            report["texts"] = _texts(server)
            print(json.dumps(report), flush=True)
        elif line.strip() == "clear":
            server.clear()
    server.stop()


def _texts(server: FakeTwilio | FakeTelegram) -> list[str]:
    """The text of every message accepted, in order (takes the server's lock)."""
    if isinstance(server, FakeTwilio):
        with server.lock:
            return [m.get("Body", "") for m in server.messages]
    return [str(p.get("text", "")) for p in server.sent()]


if __name__ == "__main__":
    main()
