"""A clock-in in one process: the statements it runs and its Python CPU beside a signed
request's, interleaved (so a busy machine slows both alike).

    python -m bench.clockin_inprocess --database-url postgresql://…/wbl_prof [--count 1000]

The database is emptied and loaded with a 6,000-student district (bench_clockin.place).
The app is bench.ref_app under Flask's test client (no gunicorn, no HTTP); each clock-in
is bench_clockin's pair: the signed IN, then the location posted to the link it answered.
Prints every statement of one clock-in (with the commits) and the process CPU per
clock-in (IN + page) ÷ per signed request. PostgreSQL's own CPU is not in it: for that,
and for the figure that counts, run bench.bench_clockin. For a profile, run it under
py-spy (`py-spy record -f raw -o out.txt -- python -m bench.clockin_inprocess …`).
"""

from __future__ import annotations

import argparse
import random
import re
import time

from sqlalchemy import event

from bench import bench_clockin, bench_inbound, harness

FORM = "application/x-www-form-urlencoded"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args(argv)
    url = args.database_url
    bench_inbound.prepare(url, 6000, 600)
    students = bench_clockin.place(url)
    _app, client, engine = harness.inprocess_app(url)
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(" ".join(a[2].split())))
    event.listen(engine, "commit", lambda conn: seen.append("COMMIT"))
    lines = iter(list(bench_clockin.clockin_lines(students)))
    spent = {"in": 0.0, "page": 0.0, "signed": 0.0}

    def post(key: str, path: str, body: str, **headers: str) -> str:
        """POST the form, count the process CPU it took under `key`; the answer's text."""
        started = time.process_time()
        answer = client.post(path, data=body, headers={"Content-Type": FORM, **headers})
        spent[key] += time.process_time() - started
        assert answer.status_code == 200, (path, answer.status_code)
        return answer.get_data(as_text=True)

    def clock_in() -> None:
        path, sig, body, fix = next(lines)
        twiml = post("in", path, body, **{"X-Twilio-Signature": sig})
        found = re.search(r"/checkin/([\w-]+)", twiml)
        assert found is not None, twiml
        post("page", f"/checkin/{found.group(1)}", fix)

    for _ in range(100):  # warm: caches, pools, compiled statements
        clock_in()
    seen.clear()
    clock_in()
    print(f"statements in one clock-in: {len(seen)}")
    for statement in seen:
        print(f"  {statement[:120]}")
    phones = [s.phone for s in students]
    rng = random.Random(1)
    spent.update(dict.fromkeys(spent, 0.0))
    for _ in range(args.count):
        clock_in()
        path, sig, body = bench_inbound.signed_form(
            "/bench/signed", bench_inbound.sms_form(rng.choice(phones), "x")
        )
        post("signed", path, body, **{"X-Twilio-Signature": sig})
    ms = {k: v * 1000 / args.count for k, v in spent.items()}
    both = ms["in"] + ms["page"]
    print(
        f"{harness.machine_state()}\nPython CPU per clock-in {both:.2f} ms (IN {ms['in']:.2f}"
        f" + page {ms['page']:.2f}), per signed request {ms['signed']:.2f} ms: "
        f"{both / ms['signed']:.2f}x (IN {ms['in'] / ms['signed']:.2f}x, "
        f"page {ms['page'] / ms['signed']:.2f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
