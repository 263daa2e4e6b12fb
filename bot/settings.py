"""One typed Settings object, read from the environment once at startup.

District policy (quiet hours, caps, distances, consent, vetting, the rubric, timings) is
`Settings.policy`, read from the TOML file at WBL_POLICY_FILE (bot.policy).

A configured channel without its secret fails fast with ConfigError. There is no
fallback secret: `wbl demo` creates a random one under var/ and says so.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError
from bot.policy import Policy, load_policy

DEFAULT_DB = "sqlite:///var/wbl.sqlite3"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DB
    public_base_url: str = "http://127.0.0.1:5000"
    secret_key: str = ""
    district_tz: str = "America/Los_Angeles"
    program_name: str = "WBL Bot"
    coordinator_contact: str = "your school's WBL coordinator"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_mps: float = 1.0
    # --- WhatsApp through Twilio (channels: bot/channels/specs.py) ---
    twilio_whatsapp_from: str = ""  # the WhatsApp sender's number, E.164
    # (message category, Content SID) of each approved template, used outside the 24-h window
    twilio_whatsapp_templates: tuple[tuple[str, str], ...] = ()
    # --- end WhatsApp ---
    telegram_bot_token: str = ""
    telegram_webhook_secret: str = ""
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_bot_username: str = "wbl_bot"
    telegram_global_mps: float = 30.0
    telegram_chat_mps: float = 1.0
    simulator: bool = False
    dispatch_max_attempts: int = 6
    dispatch_backoff_s: float = 2.0
    policy: Policy = field(default_factory=Policy)  # district policy (WBL_POLICY_FILE)
    trusted_proxies: int = 0  # reverse proxies in front that append to X-Forwarded-For
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    smtp_url: str = ""  # smtp[s]://[user:password@]host[:port][?from=address]: outgoing mail
    dispatch_lease_s: float = 30.0  # a claimed outbox row's lease (a dead worker's come back)
    video_room_base_url: str = ""  # mentor sessions without a link get a room under it
    dispatch_concurrency: int = 0  # sends one worker has in flight at once; 0: from the rates

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.district_tz)

    @property
    def twilio_enabled(self) -> bool:
        return bool(self.twilio_account_sid)

    @property
    def whatsapp_enabled(self) -> bool:
        return self.twilio_enabled and bool(self.twilio_whatsapp_from)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and check every variable; raise ConfigError on the first contradiction."""
        env = os.environ if env is None else env
        s = cls(
            database_url=env.get("DATABASE_URL", DEFAULT_DB),
            public_base_url=env.get("PUBLIC_BASE_URL", cls.public_base_url).rstrip("/"),
            secret_key=env.get("SECRET_KEY", ""),
            district_tz=env.get("DISTRICT_TZ", cls.district_tz),
            program_name=env.get("WBL_PROGRAM_NAME", cls.program_name),
            coordinator_contact=env.get("WBL_COORDINATOR_CONTACT", cls.coordinator_contact),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
            twilio_from_number=env.get("TWILIO_FROM_NUMBER", ""),
            twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
            twilio_api_base_url=env.get("TWILIO_API_BASE_URL", cls.twilio_api_base_url).rstrip("/"),
            twilio_mps=_float(env, "TWILIO_MPS", 1.0),
            twilio_whatsapp_from=_whatsapp_address(env.get("TWILIO_WHATSAPP_FROM", "")),
            twilio_whatsapp_templates=_templates(env.get("TWILIO_WHATSAPP_TEMPLATES", "")),
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", ""),
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", ""),
            telegram_api_base_url=env.get(
                "TELEGRAM_API_BASE_URL", cls.telegram_api_base_url
            ).rstrip("/"),
            telegram_bot_username=env.get("TELEGRAM_BOT_USERNAME", cls.telegram_bot_username),
            simulator=env.get("WBL_SIMULATOR", "") in ("1", "true", "yes"),
            policy=load_policy(env.get("WBL_POLICY_FILE")),
            trusted_proxies=int(_float(env, "TRUSTED_PROXIES", 0)),
            oidc_issuer=env.get("OIDC_ISSUER", "").rstrip("/"),
            oidc_client_id=env.get("OIDC_CLIENT_ID", ""),
            oidc_client_secret=env.get("OIDC_CLIENT_SECRET", ""),
            smtp_url=env.get("SMTP_URL", ""),
            dispatch_lease_s=_float(env, "WBL_DISPATCH_LEASE_S", 30.0),
            video_room_base_url=env.get("VIDEO_ROOM_BASE_URL", ""),
            dispatch_concurrency=int(_float(env, "WBL_DISPATCH_CONCURRENCY", 0)),
        )
        s.validate()
        if (s.twilio_enabled or s.telegram_enabled) and not env.get("PUBLIC_BASE_URL"):
            raise ConfigError(
                "PUBLIC_BASE_URL is required with a channel: Twilio signatures are checked "
                "against it and links sent by SMS are built from it"
            )
        return s

    def validate(self) -> None:
        try:
            ZoneInfo(self.district_tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"DISTRICT_TZ: unknown time zone {self.district_tz!r}") from exc
        if not self.secret_key:
            raise ConfigError("SECRET_KEY is required (it signs links and button payloads)")
        if self.twilio_enabled:
            if not self.twilio_auth_token:
                raise ConfigError("TWILIO_ACCOUNT_SID is set but TWILIO_AUTH_TOKEN is missing")
            if not (self.twilio_from_number or self.twilio_messaging_service_sid):
                raise ConfigError(
                    "TWILIO_ACCOUNT_SID is set: TWILIO_FROM_NUMBER or "
                    "TWILIO_MESSAGING_SERVICE_SID is required"
                )
        self._validate_whatsapp()
        if self.telegram_enabled and not self.telegram_webhook_secret:
            raise ConfigError("TELEGRAM_BOT_TOKEN is set but TELEGRAM_WEBHOOK_SECRET is missing")
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            raise ConfigError(
                "OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are required"
            )
        if not 0 <= self.trusted_proxies <= 5:
            raise ConfigError("TRUSTED_PROXIES: the number of proxies in front, 0 to 5")
        if self.twilio_mps <= 0:
            raise ConfigError("TWILIO_MPS must be positive")
        if self.dispatch_lease_s <= 0:
            raise ConfigError("WBL_DISPATCH_LEASE_S must be positive")
        if not 0 <= self.dispatch_concurrency <= 16:
            raise ConfigError(
                "WBL_DISPATCH_CONCURRENCY: sends in flight at once, 1 to 16 (0: auto)"
            )

    def _validate_whatsapp(self) -> None:
        if self.twilio_whatsapp_from and not self.twilio_enabled:
            raise ConfigError("TWILIO_WHATSAPP_FROM is set but TWILIO_ACCOUNT_SID is missing")
        if self.twilio_whatsapp_from and not _E164.fullmatch(self.twilio_whatsapp_from):
            raise ConfigError("TWILIO_WHATSAPP_FROM must be a number like +14155238886")
        if self.twilio_whatsapp_templates and not self.twilio_whatsapp_from:
            raise ConfigError(
                "TWILIO_WHATSAPP_TEMPLATES is set but TWILIO_WHATSAPP_FROM is missing"
            )


_E164 = re.compile(r"\+[1-9]\d{6,14}")
_TEMPLATE = re.compile(r"([a-z][a-z0-9_.]*)=(HX[0-9a-fA-F]{32})")


def _whatsapp_address(raw: str) -> str:
    """`+14155238886`, also written as Twilio shows it with its scheme, → `+14155238886`."""
    return raw.strip().split(":", 1)[-1].strip()


def _templates(raw: str) -> tuple[tuple[str, str], ...]:
    """`consent=HX…,nudge=HX…` → ((category, Content SID), …); ConfigError on a bad entry."""
    out: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        match = _TEMPLATE.fullmatch(item)
        if match is None:
            raise ConfigError(
                f"TWILIO_WHATSAPP_TEMPLATES: {item!r} is not category=HX followed by 32 hex digits"
            )
        out[match.group(1)] = match.group(2)
    return tuple(sorted(out.items()))


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: not a number: {raw!r}") from exc


def demo_secret(var_dir: Path) -> str:
    """The demo's own random secret, created once under var/ (never a built-in default)."""
    import secrets

    path = var_dir / "demo-secret-key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()
