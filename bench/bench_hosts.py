"""Several hosts under load: two web servers and two workers on one durable PostgreSQL.

    python -m bench.bench_hosts [--seconds 10] [--deploy sync:5] [--repeats 3]
                                [--students 2000] [--mps 100] [--pg URL]

Everything that holds state is in PostgreSQL, so web processes on several hosts behind a
load balancer take the load together. On the benchmark's own cluster (bench.pgcluster,
default durability) with bench_inbound's district and message mix, each repeat runs:
  one  - one gunicorn server (`--deploy`), wrk with 16 connections
  two  - two gunicorn servers of that shape on two ports, two wrk processes side by side
         with 8 connections each (a load balancer's share each)
while two `wbl worker` processes drain a backlog of reminders (refilled before each
phase: `--mps` x (seconds + 2)) through the local Twilio server, in a process of its
own, enforcing TWILIO_MPS (429 over it) and answering 50 ms late. Reported per phase:
messages/s, p50/p99 (two: each wrk's), errors, the servers' CPU per message (gunicorn +
PostgreSQL, from /proc; the workers' queries are in PostgreSQL's share in both phases).
At the end the outbox is drained and checked: every inbound row `processed`, one per
MessageSid; one outbox reply per inbound message; every reminder accepted by the
provider once (no duplicates); no 429. On two cores the two servers can at best match
one: each host of a real deployment has cores of its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from bench import harness, proc_cpu
from bench.bench_dispatch import Provider, start_worker
from bench.bench_inbound import POOL_PER_SECOND, prepare, requests_for, with_database
from bench.harness import OUT, Deployment
from db.models import InboundMessage, OutboxMessage
from db.session import Database

PATH = "/webhooks/twilio/sms"
LATENCY_S = 0.05


def queue_reminders(db: Database, n: int, first: int) -> None:
    """`n` non-inbound SMS rows (numbers of their own) for the workers to drain."""
    now = datetime.now(UTC)
    rows = [
        {
            "urn": f"tel:+1628{i:07d}",
            "channel": "sms",
            "text": f"Reminder {i}",
            "buttons": [],
            "extra": {},
            "urgent": True,
            "category": "bench",
            "status": "pending",
            "attempts": 0,
            "not_before": now,
            "created_at": now,
        }
        for i in range(first, first + n)
    ]
    with db.transaction() as s:
        s.execute(insert(OutboxMessage), rows)


def reminders_left(db: Database) -> int:
    """Reminders not yet sent (replies the flows hold for later, as in quiet hours, are
    not the workers' to drain now)."""
    with db.transaction() as s:
        stmt = select(func.count()).where(
            OutboxMessage.category == "bench", OutboxMessage.status.in_(("pending", "sending"))
        )
        return int(s.scalar(stmt) or 0)


def wrk(server: harness.Server, pool: Path, seconds: float, connections: int) -> subprocess.Popen:
    threads = min(2, connections)
    cmd = [harness.need_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s"]
    cmd += ["--timeout", "10s", "-s", str(harness.LUA / "replay.lua")]
    cmd += [f"http://127.0.0.1:{server.port}", "--", str(pool), str(threads)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def result(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate()
    found = [ln for ln in out.splitlines() if ln.startswith("WRKJSON ")]
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed: {out[-2000:]} {err[-2000:]}")
    return dict(json.loads(found[-1][len("WRKJSON ") :]))


def phase(
    name: str,
    servers: list[harness.Server],
    phones: list[str],
    seconds: float,
    seed: int,
    db_pids: Callable[[], list[int]],
) -> str:
    """wrk against each server at once (16 connections in all), CPU around it."""
    each = 16 // len(servers)
    pools = [
        harness.write_requests(
            requests_for(PATH, phones, int(seconds * POOL_PER_SECOND), seed * 10 + i)
        )
        for i in range(len(servers))
    ]
    try:
        web0 = proc_cpu.snapshot([s.proc.pid for s in servers])
        db0 = proc_cpu.snapshot(db_pids())
        procs = [wrk(s, pool, seconds, each) for s, pool in zip(servers, pools, strict=True)]
        data = [result(p) for p in procs]
        web1 = proc_cpu.snapshot([s.proc.pid for s in servers])
        db1 = proc_cpu.snapshot(db_pids())
    finally:
        for pool in pools:
            pool.unlink()
    web, _ = proc_cpu.spent(web0, web1)
    db, _ = proc_cpu.spent(db0, db1)
    n = sum(int(d["requests"]) for d in data)
    rate = sum(int(d["requests"]) / (int(d["duration_us"]) / 1e6) for d in data)
    errors = sum(int(d[k]) for d in data for k in ("connect", "read", "write", "status", "timeout"))
    p99 = " / ".join(f"{int(d['p99']) / 1000:.0f}" for d in data)
    p50 = " / ".join(f"{int(d['p50']) / 1000:.1f}" for d in data)
    ran_out = any(int(d["ran_out"]) for d in data)
    return (
        f"  {name:4} {len(servers)} server(s) x {each} connections: {rate:6.0f} msg/s  "
        f"p50 {p50} ms  p99 {p99} ms  errors {errors}  CPU/msg "
        f"{(web + db) * 1000 / max(1, n):5.2f} ms (web {web * 1000 / max(1, n):4.2f} + "
        f"db {db * 1000 / max(1, n):4.2f})" + ("  RAN OUT of requests" if ran_out else "")
    )


def checks(db: Database, provider: Provider, reminders: int) -> list[str]:
    """Each message processed once, one reply each, every reminder sent once, no 429."""
    with db.transaction() as s:
        statuses = Counter(dict(s.execute(select(InboundMessage.status, func.count()).group_by(InboundMessage.status)).all()))  # fmt: skip
        sids = s.scalar(select(func.count(func.distinct(InboundMessage.provider_id))))
        inbound = sum(statuses.values())
        replies = s.scalar(select(func.count()).where(OutboxMessage.in_reply_to.is_not(None)))
        answered = s.scalar(select(func.count(func.distinct(OutboxMessage.in_reply_to))))
        distinct = s.scalar(  # the same text twice in answer to one message: a duplicate
            select(func.count()).select_from(
                select(OutboxMessage.in_reply_to, OutboxMessage.text)
                .where(OutboxMessage.in_reply_to.is_not(None))
                .distinct()
                .subquery()
            )
        )
    report = provider.report_all()
    texts = Counter(t for t in report["texts"] if t.startswith("Reminder "))
    twice = sum(k - 1 for k in texts.values())
    ok = (
        set(statuses) == {"processed"}
        and sids == inbound
        and answered == inbound
        and distinct == replies
        and len(texts) == reminders
        and twice == 0
        and report["violations"] == 0
    )
    return [
        f"inbound rows {inbound}: by status { ({str(getattr(k, 'value', k)): v for k, v in statuses.items()}) }; "
        f"distinct MessageSids {sids}",
        f"outbox replies {replies} ({distinct} distinct) answering {answered} of the "
        f"{inbound} inbound messages",
        f"reminders accepted by the provider {len(texts)}/{reminders}, sent twice {twice}, "
        f"429s {report['violations']}",
        "CHECKS " + ("PASSED" if ok else "FAILED"),
    ]


def run(url: str, db_pids: Callable[[], list[int]], args: argparse.Namespace) -> list[str]:
    phones = prepare(url, args.students, args.opportunities)
    db = Database(url)
    deployment = Deployment.parse(args.deploy)
    provider = Provider("twilio", args.mps, LATENCY_S)
    logs = Path(tempfile.mkdtemp(prefix="bench-hosts-"))
    workers = [
        start_worker(url, provider, None, args.mps, 0, logs / f"worker-{i}.log") for i in range(2)
    ]
    servers = [
        harness.start_server(url, deployment, OUT / f"bench_hosts_web{i}.log") for i in range(2)
    ]
    lines: list[str] = []
    queued = 0
    try:
        for repeat in range(args.repeats):
            order = ("one", "two") if repeat % 2 == 0 else ("two", "one")
            lines.append(f"[repeat {repeat + 1}, {deployment} each] {harness.machine_state()}")
            for name in order:
                backlog = int(args.mps * (args.seconds + 2))
                queue_reminders(db, backlog, queued)
                queued += backlog
                chosen = servers[:1] if name == "one" else servers
                phase(name, chosen, phones, 1.0, 1000 + repeat, db_pids)  # warm-up
                lines.append(phase(name, chosen, phones, args.seconds, repeat, db_pids))
                print(lines[-1], flush=True)
        deadline = time.monotonic() + queued / args.mps + 120
        while reminders_left(db) and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(1.0)  # a message sent twice would have arrived by now
        lines += checks(db, provider, queued)
    finally:
        for server in servers:
            harness.stop_server(server)
        for worker in workers:
            worker.stop()
        provider.stop()
        db.dispose()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["pg"], default="pg")
    parser.add_argument("--pg", default="", help="use this server instead of a cluster of our own")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--deploy", default="sync:5", help="each server's gunicorn shape")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--opportunities", type=int, default=200)
    parser.add_argument("--mps", type=float, default=100.0, help="TWILIO_MPS the workers share")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    head = (
        f"bench_hosts: {args.seconds:g}s a phase, {args.students} students, each server "
        f"{args.deploy}, two workers at TWILIO_MPS={args.mps:g}, {args.repeats} repeats"
    )
    print(head, flush=True)
    lines = [head] + with_database(args, lambda url, pids: run(url, pids, args))
    print("\n".join(lines[-4:]))
    (OUT / "bench_hosts.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
