"""`wbl serve` is gunicorn: capability tokens never reach its access log; SIGTERM is graceful."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.access_log import redact
from bot.serve import default_options
from bot.services.consent_receipt import receipt_sig
from tests.test_checkin import link
from tests.test_student_work import onsite

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"wbl serve exited early:\n{log.read_text()}")
        try:
            if _get(base + "/healthz") == 200:
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"wbl serve never answered:\n{log.read_text()}")


def test_wbl_serve_redacts_tokens_and_stops_gracefully(chat, make, database, settings, tmp_path):
    student, _, _ = onsite(make)
    token = link(chat, student).removeprefix("/checkin/")
    sig = receipt_sig(settings, 1)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "DATABASE_URL": database.url,
        "SECRET_KEY": settings.secret_key,
        "PUBLIC_BASE_URL": base,
        "WBL_WORKERS": "2",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--threads", "2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(base, proc, log)
        assert _get(f"{base}/checkin/{token}") in (200, 410)  # 410: the real clock moved on
        assert _get(f"{base}/consent/1/receipt?sig={sig}&x=1") == 404
        assert _get(f"{base}/slip/1en{token}") == 404
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    text = log.read_text()
    assert code == 0, text
    assert token not in text and sig not in text
    assert '"GET /checkin/[redacted] HTTP/1.1"' in text
    assert "/consent/1/receipt?sig=[redacted]&x=1" in text
    assert "Booting worker" in text and "Shutting down: Master" in text
    assert text.count("Booting worker") == 2  # WBL_WORKERS from the environment


def test_defaults_per_database_and_overrides():
    sqlite = default_options("sqlite:///var/wbl.sqlite3", {})
    assert (sqlite.workers, sqlite.threads, sqlite.worker_class) == (1, 16, "gthread")
    pg = default_options("postgresql://db/wbl", {})
    assert (pg.workers, pg.threads) == (4, 4)
    # several processes: each its own socket, so the kernel spreads the connections
    assert pg.gunicorn_config()["reuse_port"] and not sqlite.gunicorn_config()["reuse_port"]
    env = {"WBL_WORKERS": "3", "WBL_THREADS": "2", "WBL_WORKER_CLASS": "sync"}
    assert default_options("sqlite://", env).workers == 3
    flags = default_options("sqlite://", env, workers=5, threads=1, worker_class="gthread")
    assert (flags.workers, flags.threads, flags.worker_class) == (5, 1, "gthread")


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("GET /checkin/Zk3_9aQ-xY2b HTTP/1.1", "Zk3_9aQ-xY2b"),
        ("GET /slip/12enA1b2C3d4E5f6 HTTP/1.1", "12enA1b2C3d4E5f6"),
        ("GET /consent/4/receipt?sig=eyJ.abc-def HTTP/1.1", "eyJ.abc-def"),
        ("GET /dashboard/set-password/Q1w2E3r4 HTTP/1.1", "Q1w2E3r4"),
        ("GET /dashboard/password/Q1w2E3r4 HTTP/1.1", "Q1w2E3r4"),
        ("GET /calendar/Q1w2E3r4.ics HTTP/1.1", "Q1w2E3r4"),
        ("GET /rate/Q1w2E3r4 HTTP/1.1", "Q1w2E3r4"),
        ("GET /proposal/Q1w2E3r4 HTTP/1.1", "Q1w2E3r4"),
        ("GET /dashboard/oidc/callback?state=s1&code=4/0AbC HTTP/1.1", "4/0AbC"),
        ("GET /new/thing/aB3dE6gH9jK2mN5pQ8sT1vW HTTP/1.1", "aB3dE6gH9jK2mN5pQ8sT1vW"),
    ],
)
def test_every_capability_path_is_redacted(line, secret):
    assert secret not in redact(line) and "[redacted]" in redact(line)


def test_ordinary_paths_stay_readable():
    line = "GET /dashboard/placements?status=ready&all=1 HTTP/1.1"
    assert redact(line) == line


def test_wbl_demo_serves_the_simulator_and_runs_its_worker(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "demo.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "TEST_"))}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "demo", "--no-browser", "--port", str(port)],
            cwd=tmp_path,  # the demo keeps its database and secret under ./var
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(base, proc, log)
        assert _get(base + "/sim") == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    text = log.read_text()
    assert code == 0, text
    assert "worker started" in text and "Sample district loaded" in text
    assert (tmp_path / "var" / "demo.sqlite3").is_file()
