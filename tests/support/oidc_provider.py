"""A local OpenID Connect provider on a real HTTP port, for sign-on tests.

It serves the discovery document, the JWKS, an authorization endpoint that signs in
whoever the test says (`provider.user`) and a token endpoint that checks the client's
secret and the code, and returns an ID token signed RS256 with a key generated per test.
Knobs: `audience` (a wrong one), `expires_in` (negative: already expired), `user`.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "wbl-dashboard"
CLIENT_SECRET = "local-provider-secret"


@dataclass
class Provider:
    issuer: str = ""
    user: dict[str, Any] = field(default_factory=dict)
    audience: str = CLIENT_ID
    expires_in: int = 300
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(
            2048, parameters={"kid": "test-1", "use": "sig", "alg": "RS256"}
        )
    )
    published: RSAKey | None = None  # what the JWKS shows (default: `key`)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens_issued: int = 0

    def id_token(self, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": f"sub-{self.user.get('email', 'x')}",
            "aud": self.audience,
            "iat": now,
            "exp": now + self.expires_in,
            **({"nonce": nonce} if nonce else {}),
            **self.user,
        }
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)

    def app(self) -> Flask:
        app = Flask("local-openid-provider")

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                token_endpoint_auth_methods_supported=["client_secret_basic"],
            )

        @app.get("/jwks")
        def jwks() -> Any:
            return jsonify(keys=[(self.published or self.key).as_dict(private=False)])

        @app.get("/authorize")
        def authorize() -> Any:
            args = request.args
            if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
                return "unknown client", 400
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": args.get("nonce"), "redirect_uri": args["redirect_uri"]}
            query = urlencode({"code": code, "state": args.get("state", "")})
            return redirect(f"{args['redirect_uri']}?{query}")

        @app.post("/token")
        def token() -> Any:
            auth = request.authorization
            if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
                return jsonify(error="invalid_client"), 401
            grant = self.codes.pop(request.form.get("code", ""), None)
            if grant is None or grant["redirect_uri"] != request.form.get("redirect_uri"):
                return jsonify(error="invalid_grant"), 400
            self.tokens_issued += 1
            return jsonify(
                access_token=secrets.token_urlsafe(16),
                token_type="Bearer",
                expires_in=300,
                id_token=self.id_token(grant["nonce"]),
            )

        return app


@pytest.fixture
def oidc_provider() -> Iterator[Provider]:
    from werkzeug.serving import make_server

    provider = Provider()
    server = make_server("127.0.0.1", 0, provider.app(), threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield provider
    server.shutdown()
    thread.join(timeout=10)
