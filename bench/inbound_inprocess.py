"""The inbound path in one process: statements per message of each text of
bench_inbound's mix, and its Python CPU beside a signed request's, interleaved (so a busy
machine slows both alike).

    python -m bench.inbound_inprocess --database-url postgresql://…/wbl_prof [--count 2000]

The database is emptied and loaded with bench_inbound's 2,000-student district (mid-term:
every student has a conversation). The app is bench.ref_app under Flask's test client (no
gunicorn, no HTTP). PostgreSQL's own CPU is not in it: for that, and for the figure that
counts, run bench.bench_inbound. For a profile, run it under py-spy (`py-spy record --gil
-f raw -o out.txt -- python -m bench.inbound_inprocess …`).
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter

from sqlalchemy import event

from bench import bench_inbound, harness

FORM = "application/x-www-form-urlencoded"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args(argv)
    phones = bench_inbound.prepare(args.database_url, 2000, 200)
    _app, client, engine = harness.inprocess_app(args.database_url)
    count = Counter[str]()
    event.listen(engine, "before_cursor_execute", lambda *a: count.update(["statements"]))
    rng = random.Random(1)
    spent = {"full": 0.0, "signed": 0.0}

    def post(key: str, path: str, text: str) -> None:
        path, sig, body = bench_inbound.signed_form(
            path, bench_inbound.sms_form(rng.choice(phones), text)
        )
        started = time.process_time()
        answer = client.post(
            path, data=body, headers={"Content-Type": FORM, "X-Twilio-Signature": sig}
        )
        spent[key] += time.process_time() - started
        assert answer.status_code == 200, (path, answer.status_code)

    for _ in range(200):  # warm: caches, pools, compiled statements, first touches
        post("full", "/webhooks/twilio/sms", rng.choice(bench_inbound.TEXTS))
    for text in bench_inbound.TEXTS:
        count.clear()
        for _ in range(20):
            post("full", "/webhooks/twilio/sms", text)
        print(f"  {text!r:16} {count['statements'] / 20:4.1f} statements a message")
    spent.update(dict.fromkeys(spent, 0.0))
    for _ in range(args.count):
        post("full", "/webhooks/twilio/sms", rng.choice(bench_inbound.TEXTS))
        post("signed", "/bench/signed", "x")
    full, signed = (spent[k] * 1000 / args.count for k in ("full", "signed"))
    print(
        f"{harness.machine_state()}\nPython CPU per message {full:.2f} ms, per signed "
        f"request {signed:.2f} ms: {full / signed:.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
