"""Security headers on every page (finding 12): no framing, no sniffing, no referrer, a
CSP without inline code, and nothing stored by browsers; templates carry no inline code."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.pages import pages  # noqa: F401
from tests.support.staff import sign_in

TEMPLATES = Path(__file__).resolve().parents[1] / "bot" / "templates"


def _check(response, *, stored: bool = False) -> None:
    h = response.headers
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "no-referrer"
    csp = dict(d.strip().split(" ", 1) for d in h["Content-Security-Policy"].split(";"))
    assert csp["frame-ancestors"] == "'none'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert "unsafe" not in h["Content-Security-Policy"]
    assert h["Strict-Transport-Security"].startswith("max-age=")  # the tests' base is https
    if not stored:
        assert h["Cache-Control"] == "no-store"


def test_every_page_sends_the_headers(client, pages):  # noqa: F811
    for name, path in pages.public.items():
        response = client.get(path)
        assert response.status_code in (200, 404, 410), name
        _check(response)
    assert sign_in(client, pages.email).status_code == 302
    for name, path in pages.dashboard.items():
        response = client.get(path)
        assert response.status_code == 200, name
        _check(response)
    export = client.get("/dashboard/export/placements.csv")
    _check(export)
    for other in ("/healthz", "/no/such/page"):
        _check(client.get(other))
    static = client.get("/static/checkin.js")
    _check(static, stored=True)
    assert static.headers.get("Cache-Control") != "no-store"


def test_templates_have_no_inline_script_style_or_handlers():
    for path in TEMPLATES.rglob("*.html"):
        html = path.read_text()
        assert "<style" not in html, path
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), path
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, (path, tag)
        assert not re.search(r"<script[^>]*>\s*[^<\s]", html), path
