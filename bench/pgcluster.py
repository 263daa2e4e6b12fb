"""A PostgreSQL cluster of the benchmark's own, at PostgreSQL's default durability.

    with cluster() as pg:          # initdb into a temporary folder, start on a free port
        pg.url("wbl_bench")        # postgresql://postgres@127.0.0.1:PORT/wbl_bench (created)
        pg.pids()                  # the postmaster and every backend, for CPU accounting

fsync, synchronous_commit and full_page_writes stay on (the defaults), unlike the test
cluster (scripts/pg-test-server), which turns them off for speed: a benchmark that
counts what a message costs must pay for the commit a production server pays for. The
folder and the server are removed at exit. Debian's `postgresql` package's binaries;
as root the server runs as the `postgres` user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL's binaries are missing (apt-get install postgresql)")
    return found[-1].parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.getuid() == 0 else cmd


@dataclass
class Cluster:
    folder: Path
    port: int

    def url(self, name: str) -> str:
        """The URL of database `name`, created on first use."""
        found = subprocess.run(
            [str(pg_bin() / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
            + ["-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            capture_output=True,
            text=True,
            check=True,
        )
        if found.stdout.strip() != "1":
            subprocess.run(
                [str(pg_bin() / "createdb"), "-h", "127.0.0.1", "-p", str(self.port)]
                + ["-U", "postgres", name],
                check=True,
            )
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def postmaster(self) -> int:
        return int((self.folder / "postmaster.pid").read_text().split()[0])

    def settings(self) -> str:
        out = subprocess.run(
            [str(pg_bin() / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
            + [
                "-tAc",
                "SELECT string_agg(name || '=' || setting, ' ') FROM pg_settings "
                "WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', "
                "'wal_level', 'shared_buffers')",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()


@contextmanager
def cluster(max_connections: int = 200) -> Iterator[Cluster]:
    """A fresh cluster on a free loopback port, stopped and deleted at exit."""
    folder = Path(tempfile.mkdtemp(prefix="wbl-bench-pg-"))
    if os.getuid() == 0:
        shutil.chown(folder, "postgres")
    port = free_port()
    binaries = pg_bin()
    subprocess.run(
        _as_postgres([str(binaries / "initdb"), "-D", str(folder), "-U", "postgres"])
        + ["--auth=trust", "-E", "UTF8"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = f"-h 127.0.0.1 -p {port} -k {folder} -c max_connections={max_connections}"
    # statements per request, counted by the server (top-level SQL; BEGIN/COMMIT not counted)
    options += (
        " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_utility=off"
    )
    subprocess.run(
        _as_postgres([str(binaries / "pg_ctl"), "-D", str(folder), "-l", str(folder / "log")])
        + ["-w", "-o", options, "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield Cluster(folder, port)
    finally:
        subprocess.run(
            _as_postgres([str(binaries / "pg_ctl"), "-D", str(folder), "-m", "fast", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(folder, ignore_errors=True)
