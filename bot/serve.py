"""`wbl serve`: the web app under gunicorn, the production WSGI server.

Each worker process builds its own app (and so its own database engine: nothing opened
before the fork is shared). Defaults per database, the configurations measured in the
README: SQLite allows one writer, so one process with 16 threads; PostgreSQL 4 processes
with 4 threads each, each with a listening socket of its own (SO_REUSEPORT). `--workers`,
`--threads` and `--worker-class` (or WBL_WORKERS, WBL_THREADS, WBL_WORKER_CLASS) override
them. The access log goes to stdout through `bot.access_log.RedactingLogger`. SIGTERM is
a graceful shutdown: no new connections, requests in flight finish (up to GRACEFUL_S),
exit 0.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

GRACEFUL_S = 20
TIMEOUT_S = 30


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 1
    threads: int = 16
    worker_class: str = "gthread"

    def gunicorn_config(self) -> dict[str, Any]:
        return {
            "bind": f"{self.host}:{self.port}",
            "workers": self.workers,
            "threads": self.threads,
            "worker_class": self.worker_class,
            # each worker its own listening socket (SO_REUSEPORT): the kernel spreads
            # connections over the workers, instead of keep-alive connections piling up
            # on whichever accepted first (measured in the README: lower CPU and p99)
            "reuse_port": self.workers > 1,
            "accesslog": "-",
            "errorlog": "-",
            "logger_class": "bot.access_log.RedactingLogger",
            "graceful_timeout": GRACEFUL_S,
            "timeout": TIMEOUT_S,
            "proc_name": "wbl",
            "control_socket_disable": True,  # one shared ~/.gunicorn socket: not ours to take
        }


def default_options(
    database_url: str,
    env: Mapping[str, str] | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 5000,
    workers: int | None = None,
    threads: int | None = None,
    worker_class: str | None = None,
) -> ServeOptions:
    """The options for `database_url`: explicit values, else the environment, else defaults."""
    env = os.environ if env is None else env
    sqlite = database_url.startswith("sqlite")
    return ServeOptions(
        host=host,
        port=port,
        workers=workers or _int(env, "WBL_WORKERS") or (1 if sqlite else 4),
        threads=threads or _int(env, "WBL_THREADS") or (16 if sqlite else 4),
        worker_class=worker_class or env.get("WBL_WORKER_CLASS") or "gthread",
    )


def _int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        from bot.errors import ConfigError

        raise ConfigError(f"{name}: not a whole number: {raw!r}") from None
    return value if value > 0 else None


class WBLServer(BaseApplication):  # type: ignore[misc]
    """gunicorn running the app that `factory` builds in each worker."""

    def __init__(self, factory: Callable[[], Flask], options: ServeOptions) -> None:
        self.factory = factory
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.gunicorn_config().items():
            if key in self.cfg.settings:  # control_socket_disable is new in gunicorn 25
                self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.factory()


def serve(factory: Callable[[], Flask], options: ServeOptions) -> int:
    """Run gunicorn until it is stopped; the exit status (0 after a graceful shutdown).

    `factory` runs in each worker process (after the fork), never in the master.
    """
    try:
        WBLServer(factory, options).run()
    except SystemExit as done:
        return int(done.code or 0)
    return 0
