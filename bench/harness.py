"""What every server benchmark shares: gunicorn deployments, wrk, CPU from /proc, WAL.

A *phase* drives one endpoint of a running server with wrk (a C load generator, Debian's
`wrk` package) replaying pre-signed, unique requests from a file (bench/lua/replay.lua),
and reads around it the CPU the server processes spent (gunicorn's master and workers,
and every process of the benchmark's PostgreSQL cluster: backends, WAL writer,
checkpointer) and the WAL PostgreSQL wrote. The load generator's own CPU is not counted.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from bench import proc_cpu

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
LUA = ROOT / "bench" / "lua"
TOKEN = "bench-auth-token-0123456789abcdef"
BASE = "https://wbl.bench.test"


@dataclass(frozen=True)
class Deployment:
    """gunicorn's shape: `sync:5` (5 sync workers) or `gthread:4:4` (4 workers x 4 threads),
    with gunicorn options after `+`: `gthread:4:4+reuse-port+keep-alive=0`."""

    worker_class: str
    workers: int
    threads: int = 1
    options: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> Deployment:
        shape, *options = spec.split("+")
        parts = shape.split(":")
        threads = int(parts[2]) if len(parts) > 2 else 1
        return cls(parts[0], int(parts[1]), threads, tuple(options))

    def __str__(self) -> str:
        shape = f"{self.worker_class}:{self.workers}" + (
            f":{self.threads}" if self.worker_class == "gthread" else ""
        )
        return "+".join((shape, *self.options))

    def args(self) -> list[str]:
        out = ["-k", self.worker_class, "-w", str(self.workers)]
        if self.worker_class == "gthread":
            out += ["--threads", str(self.threads)]
        for option in self.options:
            name, _, value = option.partition("=")
            out += [f"--{name}", value] if value else [f"--{name}"]
        return out


@dataclass
class Server:
    proc: subprocess.Popen
    port: int


def inprocess_app(url: str) -> tuple[Any, Any, Any]:
    """(app, Flask test client, the app's engine): bench.ref_app in this process, with the
    same settings the load benchmarks' servers get (for the in-process benchmarks)."""
    os.environ.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-secret-key",
        PUBLIC_BASE_URL=BASE,
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_FROM_NUMBER="+15005550006",
    )
    os.environ.pop("WBL_SIMULATOR", None)
    from bench.ref_app import create
    from bot.web import runtime_of_app

    app = create()
    with app.app_context():
        engine = runtime_of_app().database.engine
    return app, app.test_client(), engine


def need_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is missing: apt-get install wrk (Debian's package)")
    return found


def start_server(
    url: str, deployment: Deployment, log: Path, env_extra: dict | None = None
) -> Server:
    """gunicorn serving bench.ref_app (the product plus the reference endpoints)."""
    from bench.pgcluster import free_port

    port = free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-secret-key",
        PUBLIC_BASE_URL=BASE,
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_FROM_NUMBER="+15005550006",
        PYTHONPATH=str(ROOT),
        **(env_extra or {}),
    )
    env.pop("WBL_SIMULATOR", None)
    cmd = [sys.executable, "-m", "gunicorn", *deployment.args(), "-b", f"127.0.0.1:{port}"]
    cmd += ["--log-level", "warning", "bench.ref_app:create()"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                # every worker loaded: one request each would not reach them all, so wait
                time.sleep(1.0 + 0.3 * deployment.workers)
                return Server(proc, port)
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"gunicorn did not start; see {log}")


def stop_server(server: Server) -> None:
    server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.proc.kill()


@dataclass
class Phase:
    """One measured run of one endpoint."""

    name: str
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    web_cpu: float  # seconds of gunicorn CPU
    db_cpu: float  # seconds of PostgreSQL CPU
    busiest: float  # the busiest gunicorn process's share of gunicorn's CPU
    wal_bytes: int
    ran_out: bool
    extra: dict
    statements: int | None = None  # SQL statements the server ran (pg_stat_statements)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def count(self) -> int:
        """What the CPU is divided by: requests, or the unit the script counted (clock-ins)."""
        return int(self.extra.get("units", self.requests))

    @property
    def cpu_ms(self) -> float:
        """Server CPU (gunicorn + PostgreSQL) per request (or unit), in ms."""
        return (self.web_cpu + self.db_cpu) * 1000 / self.count if self.count else float("nan")

    def line(self) -> str:
        n = self.count or 1
        return (
            f"  {self.name:6} {self.rate:7.0f} req/s  p50 {self.p50_ms:6.1f} ms  "
            f"p99 {self.p99_ms:6.1f} ms  errors {self.errors}  CPU/req {self.cpu_ms:5.2f} ms "
            f"(web {self.web_cpu * 1000 / n:4.2f} + db {self.db_cpu * 1000 / n:4.2f})  "
            f"busiest worker {self.busiest:4.0%}  WAL/req {self.wal_bytes / n:5.0f} B"
            + (f"  SQL/req {self.statements / n:4.1f}" if self.statements is not None else "")
            + ("  RAN OUT of requests: raise --seconds' pool" if self.ran_out else "")
        )


class WalProbe:
    """pg_current_wal_lsn() before and after, over one short-lived connection each."""

    def __init__(self, url: str) -> None:
        self.engine = (
            create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
            if url.startswith("postgresql")
            else None
        )

    def lsn(self) -> int:
        if self.engine is None:
            return 0
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT pg_current_wal_lsn() - '0/0'")).scalar_one())

    def statements(self) -> int | None:
        """Top-level statements run in this database so far, by pg_stat_statements (None
        where the extension is not loaded: a server that is not the benchmark's own)."""
        if self.engine is None:
            return None
        try:
            with self.engine.begin() as conn:  # the extension again: a reset drops it
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
                return int(conn.execute(text(_COUNT_STATEMENTS)).scalar_one())
        except Exception:  # noqa: BLE001 - no extension: the figure is simply not shown
            return None

    def dispose(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


_COUNT_STATEMENTS = """
SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_current_wal_lsn%'
"""


def write_requests(lines: Iterable[tuple[str, ...]]) -> Path:
    """A file of tab-separated lines (`path, signature, body[, more]`) for the Lua scripts."""
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False, dir=OUT) as handle:
        for fields in lines:
            handle.write("\t".join(fields) + "\n")
    return Path(handle.name)


def run_phase(
    name: str,
    server: Server,
    requests_file: Path,
    *,
    seconds: float,
    connections: int,
    threads: int,
    db_pids: Callable[[], list[int]],
    wal: WalProbe,
    script: str = "replay.lua",
) -> Phase:
    """wrk replays `requests_file` against the server for `seconds`; CPU and WAL around it."""
    cmd = [need_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s"]
    cmd += ["--timeout", "10s", "-s", str(LUA / script), f"http://127.0.0.1:{server.port}"]
    cmd += ["--", str(requests_file), str(threads)]
    sql0, web0, db0, lsn0 = (
        wal.statements(),
        proc_cpu.snapshot([server.proc.pid]),
        proc_cpu.snapshot(db_pids()),
        wal.lsn(),
    )
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    web1, db1, lsn1, sql1 = (
        proc_cpu.snapshot([server.proc.pid]),
        proc_cpu.snapshot(db_pids()),
        wal.lsn(),
        wal.statements(),
    )
    found = [ln for ln in done.stdout.splitlines() if ln.startswith("WRKJSON ")]
    if done.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    data = json.loads(found[-1][len("WRKJSON ") :])
    web_cpu, busiest = proc_cpu.spent(web0, web1)
    db_cpu, _ = proc_cpu.spent(db0, db1)
    errors = sum(int(data[k]) for k in ("connect", "read", "write", "status", "timeout"))
    errors += int(data.get("bad", 0))
    extra = {k: v for k, v in data.items() if k in ("units", "bad")}
    return Phase(
        name=name,
        requests=int(data["requests"]),
        seconds=int(data["duration_us"]) / 1e6,
        errors=errors,
        p50_ms=int(data["p50"]) / 1000,
        p99_ms=int(data["p99"]) / 1000,
        web_cpu=web_cpu,
        db_cpu=db_cpu,
        busiest=busiest,
        wal_bytes=lsn1 - lsn0,
        ran_out=bool(data["ran_out"]),
        extra=extra,
        statements=sql1 - sql0 if sql0 is not None and sql1 is not None else None,
    )


def machine_state() -> str:
    """The load average and CPU count, printed beside every figure (shared machines)."""
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    return f"{os.cpu_count()} CPUs, load average {load}"
