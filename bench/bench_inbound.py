"""Load benchmark of the inbound path under gunicorn, with two references in the same run.

    python -m bench.bench_inbound [--db sqlite|pg|both] [--seconds 10] [--concurrency 16]
                                  [--pg URL] [--students 2000] [--opportunities 200]
                                  [--workers 4] [--threads 4]
                                  [--sqlite-workers 1] [--sqlite-threads 16]

For each database it migrates a fresh one, imports a generated district (bench.gen_district:
roster and partners through the real importers), starts gunicorn on
loopback serving bench.ref_app, and drives three endpoints with N concurrent senders
(threads with requests.Session), each request a correctly signed Twilio form post:
  bare   - a Flask endpoint returning TwiML (the web stack's ceiling)
  signed - signature check + one-row insert + TwiML (the floor of any durable inbound)
  full   - POST /webhooks/twilio/sms: dedupe, engine, state + outbox, TwiML
It reports messages/s, p50/p99 latency, errors (and "database is locked"), and the ratio
full/signed. Results go to stdout and bench/out/bench_inbound.txt.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import select, text
from twilio.request_validator import RequestValidator

from bench.gen_district import generate
from bench.stats import percentile
from bot.importers.partners import import_partners
from bot.importers.roster import import_roster
from db.migrate import upgrade
from db.models import Person
from db.session import Database

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
TOKEN = "bench-auth-token-0123456789abcdef"
BASE = "https://wbl.bench.test"
TEXTS = ["STATUS", "FIND", "MENU", "HELP", "status", "find virtual", "menu", "more"]
DEFAULT_PG = "postgresql://postgres@127.0.0.1:55432/wbl_bench_inbound"
ENDPOINTS = {
    "bare": "/bench/bare",
    "signed": "/bench/signed",
    "full": "/webhooks/twilio/sms",
}


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    locked: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        """The `p` percentile latency in ms."""
        return percentile(self.latencies, p) * 1000


def prepare(url: str, students: int, opportunities: int) -> list[str]:
    """Migrate a fresh database at `url` and load a district; return the students' phones."""
    reset(url)
    return load_district(Database(url), students, opportunities)


def reset(url: str) -> None:
    """An empty database at `url`, migrated to the newest schema."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        db = Database(url)
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.dispose()
    upgrade(url)


def load_district(db: Database, students: int, opportunities: int) -> list[str]:
    """gen_district's synthetic district (students, guardians, staff, partners, vetting,
    open opportunities) through the real importers; the students' phones."""
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        folder = generate(Path(tmp), students, max(opportunities // 2, 1), opportunities)
        for report in (import_roster(db, folder, now=now), import_partners(db, folder, now=now)):
            if report.problems:
                raise SystemExit(f"bench district did not import cleanly: {report.problems[:3]}")
    with db.transaction() as s:
        phones = s.scalars(
            select(Person.phone)
            .where(Person.kind == "student", Person.phone.is_not(None))
            .order_by(Person.id)
        ).all()
    if db.is_postgres:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    db.dispose()
    return [p for p in phones if p]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-secret-key",
        PUBLIC_BASE_URL=BASE,
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_FROM_NUMBER="+15005550006",
        PYTHONPATH=str(ROOT),
    )
    env.pop("WBL_SIMULATOR", None)
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "bench.ref_app:create()",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"gunicorn did not start; see {log}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


_sids = itertools.count(1)
_sid_lock = threading.Lock()


def signed_request(path: str, phones: list[str], rng: random.Random) -> tuple[dict, dict]:
    with _sid_lock:
        n = next(_sids)
    params = {
        "AccountSid": "AC" + "0" * 32,
        "MessageSid": f"SM{os.getpid():08x}{n:024x}",
        "From": rng.choice(phones),
        "To": "+15005550006",
        "Body": rng.choice(TEXTS),
        "NumMedia": "0",
    }
    sig = RequestValidator(TOKEN).compute_signature(BASE + path, params)
    return params, {"X-Twilio-Signature": sig}


def drive(
    port: int, name: str, phones: list[str], seconds: float, concurrency: int, limit: int
) -> Result:
    """N senders post signed requests to one endpoint until time or count runs out."""
    path = ENDPOINTS[name]
    url = f"http://127.0.0.1:{port}{path}"
    result = Result(name)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    sent = itertools.count()

    def sender(seed: int) -> None:
        rng = random.Random(seed)
        session = requests.Session()
        mine: list[float] = []
        errors = locked = 0
        while time.monotonic() < stop_at and next(sent) < limit:
            params, headers = signed_request(path, phones, rng)
            t0 = time.perf_counter()
            try:
                response = session.post(url, data=params, headers=headers, timeout=30)
                ok = response.status_code == 200 and b"<Response" in response.content
                locked += b"database is locked" in response.content
            except requests.RequestException:
                ok = False
            elapsed = time.perf_counter() - t0
            if ok:
                mine.append(elapsed)
            else:
                errors += 1
        with lock:
            result.latencies.extend(mine)
            result.errors += errors
            result.locked += locked

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.monotonic() - t0
    return result


def run_db(label: str, url: str, args: argparse.Namespace) -> list[str]:
    OUT.mkdir(parents=True, exist_ok=True)
    phones = prepare(url, args.students, args.opportunities)
    port = free_port()
    log = OUT / f"bench_inbound_{label}.log"
    workers, threads = (
        (args.sqlite_workers, args.sqlite_threads)
        if label == "sqlite"
        else (args.workers, args.threads)
    )
    proc = start_server(url, port, workers, threads, log)
    results = {}
    try:
        for name in ENDPOINTS:
            drive(port, name, phones, 1.0, args.concurrency, 10**9)  # warm-up
            results[name] = drive(
                port, name, phones, args.seconds, args.concurrency, args.max_requests
            )
    finally:
        stop_server(proc)
    server_locked = log.read_text(errors="replace").count("database is locked")
    return report(label, results, server_locked)


def report(label: str, results: dict[str, Result], server_locked: int) -> list[str]:
    lines = [f"[{label}]"]
    for r in results.values():
        lines.append(
            f"  {r.name:7} {r.rate:8.1f} msg/s  p50 {r.pct(0.50):7.1f} ms  "
            f"p99 {r.pct(0.99):7.1f} ms  n={len(r.latencies):6d}  errors={r.errors}"
            f"  locked={r.locked}"
        )
    full, signed, bare = results["full"], results["signed"], results["bare"]
    ratio = full.rate / signed.rate if signed.rate else float("nan")
    lines.append(
        f"  full/signed = {ratio:.2f}   signed/bare = "
        f"{signed.rate / bare.rate if bare.rate else float('nan'):.2f}   "
        f"'database is locked' in server log: {server_locked}"
    )
    if statistics and full.latencies:
        lines.append(f"  full mean {statistics.fmean(full.latencies) * 1000:.1f} ms")
    return lines


def server_args(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options every load benchmark shares: databases, senders, gunicorn's shape."""
    parser.add_argument("--db", choices=["sqlite", "pg", "both"], default="both")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = server_args(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--students", type=int, default=2000)
    # as gen_district's district scale (50,000 students, 5,000 opportunities): 1 per 10
    parser.add_argument("--opportunities", type=int, default=200)
    # SQLite has one writer: its recommended deployment is one process with many threads
    parser.add_argument("--sqlite-workers", type=int, default=1)
    parser.add_argument("--sqlite-threads", type=int, default=16)
    args = parser.parse_args(argv)
    header = (
        f"bench_inbound: {args.concurrency} senders, {args.seconds:g}s per endpoint, gunicorn "
        f"-w {args.workers} --threads {args.threads} (SQLite: -w {args.sqlite_workers} "
        f"--threads {args.sqlite_threads}), {args.students} students, {args.opportunities} "
        f"open opportunities, {os.cpu_count()} CPUs"
    )
    lines = [header]
    if args.db in ("sqlite", "both"):
        lines += run_db("sqlite", f"sqlite:///{OUT / 'bench_inbound.sqlite3'}", args)
    if args.db in ("pg", "both"):
        lines += run_db("postgresql", args.pg, args)
    print("\n".join(lines))
    (OUT / "bench_inbound.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
