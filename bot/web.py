"""The running web app's Runtime, for the handlers and the dashboard (webhooks.py builds
the app and installs it; nothing here builds anything)."""

from __future__ import annotations

from flask import Flask, current_app

from bot.runtime import Runtime

_KEY = "wbl"


def install(app: Flask, runtime: Runtime) -> None:
    """Make `runtime` the one every request of `app` runs with."""
    app.extensions[_KEY] = runtime


def runtime_of_app() -> Runtime:
    """The Runtime of the app serving the current request."""
    runtime: Runtime = current_app.extensions[_KEY]
    return runtime
