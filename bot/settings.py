"""Settings: one frozen record built from the environment and checked at start-up.

Every variable is optional; the defaults run everything on this machine with SQLite and
loopback addresses. `RETURNBOT_PROFILE=scaled` changes only defaults: PostgreSQL, Redis and RabbitMQ
on this machine and two Rasa servers. `Settings.from_env(os.environ)` raises `SettingsError` naming
the bad variable.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping, Optional, Tuple

from bot.source_settings import SourceSettings, SourceSettingsError

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ("default", "scaled")
SCALED_DEFAULTS = {  # what `--profile scaled` finds on this machine unless told otherwise
    "RETURNBOT_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/returnbot",
    "RETURNBOT_REDIS_URL": "redis://127.0.0.1:6379/0",
    "RETURNBOT_RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672/",
    "RETURNBOT_RASA_REPLICAS": "2",
}


# The header with which the gateway proves itself to Rasa's channel, and Rasa to the action server
# (each hop its own token, `Settings.rasa_channel_token` and `Settings.action_server_token`).
INTERNAL_TOKEN_HEADER = "X-Returnbot-Token"


class SettingsError(ValueError):
    pass


def derived_token(secret: str, purpose: str) -> str:
    """The token for one purpose, derived from the installation secret (HMAC-SHA256, 40 hex digits):
    every process that knows the secret computes the same one, and a token tells nothing about the
    secret or about the token of another purpose."""
    return hmac.new(secret.encode(), f"returnbot {purpose}".encode(), hashlib.sha256).hexdigest()[:40]


def rasa_telemetry_wanted(env: Mapping[str, str]) -> bool:
    """Whether the merchant turned Rasa's usage telemetry on (RASA_TELEMETRY_ENABLED=true); off otherwise."""
    return _flag(env, "RASA_TELEMETRY_ENABLED", False)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("true", "1", "yes", "on"):
        return True
    if raw in ("false", "0", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {env.get(name)!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    policy_file: Path
    rasa_url: str
    rasa_port: int
    actions_port: int
    gateway_host: str
    gateway_port: int
    public_url: str
    portal_url: str
    shop_name: str
    return_address: tuple
    secret: str
    telegram_bot_token: Optional[str] = None
    slack_bot_token: Optional[str] = None
    slack_app_token: Optional[str] = None
    telegram_webhook_url: Optional[str] = None  # set: webhook mode (https URL Telegram posts to); unset: polling
    telegram_webhook_secret: Optional[str] = None  # the webhook's secret token; derived from `secret` if unset
    telegram_api_base_url: Optional[str] = None  # another Bot API server (local server, tests); None: Telegram's
    slack_signing_secret: Optional[str] = None  # HTTP mode (no SLACK_APP_TOKEN): verifies Slack's requests
    slack_channel_id: Optional[str] = None  # the agents' channel handoff cards go to (required with Slack)
    slack_api_base_url: Optional[str] = None  # another Web API server (tests' fake); None: Slack's
    handoff_reannounce_minutes: int = 15  # an open handoff nobody took is announced again after this
    rasa_timeout_seconds: int = 30  # the gateway waits this long for Rasa before telling the customer to retry
    verify_max_failures: int = 5  # failed verifications (per conversation or order) that lock it...
    verify_lockout_minutes: int = 15  # ...within this many minutes
    profile: str = "default"  # "scaled" only changes defaults (SCALED_DEFAULTS)
    rasa_replicas: int = 1  # Rasa servers (each with its own action server) the stack starts
    rasa_urls: Tuple[str, ...] = ()  # every Rasa server the gateway spreads messages across; () = (rasa_url,)
    redis_url: Optional[str] = None  # set: Rasa's lock store is in Redis (needed by more than one Rasa server)
    rabbitmq_url: Optional[str] = None  # set: Rasa publishes its events to RabbitMQ; the stats consumer runs
    events_queue: str = "returnbot_events"  # the RabbitMQ queue (and fanout exchange) of Rasa's events
    aftership_api_key: Optional[str] = field(default=None, repr=False)  # set: AfterShip Returns is synced
    aftership_api_base_url: Optional[str] = None  # another AfterShip Returns server or API version; None: ours
    loop_api_key: Optional[str] = field(default=None, repr=False)  # set: Loop Returns is synced
    loop_api_base_url: Optional[str] = None  # another Loop API server (tests); None: Loop's
    platform_sync_minutes: int = 5  # how often the returns platforms are read (docs/platforms.md)
    # Limits on what strangers can start (0: no limit), counted by the gateway per client address and
    # overall within a sliding window; a request from this machine itself is not limited.
    session_limit_per_client: int = 10  # new web chat sessions one client address may start...
    session_limit_total: int = 300  # ...and all clients together...
    session_limit_minutes: int = 10  # ...within this many minutes
    case_limit_per_client: int = 3  # new cases for a person from customers who verified no order, per client...
    case_limit_total: int = 30  # ...and from all of them...
    case_limit_minutes: int = 60  # ...within this many minutes
    trusted_proxies: Tuple[str, ...] = ()  # networks whose X-Forwarded-For names the client (your TLS proxy)
    shop_contact: str = ""  # how customers reach the shop besides the chat, told when a limit is hit
    # Rasa's anonymous usage telemetry (and its error reports): off unless RASA_TELEMETRY_ENABLED=true,
    # whatever `rasa telemetry enable` once wrote to ~/.config/rasa/global.yml
    rasa_telemetry: bool = False
    sources: SourceSettings = field(default_factory=SourceSettings)  # live orders' marketplaces (docs/sources.md)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        profile = env.get("RETURNBOT_PROFILE") or "default"
        if profile not in PROFILES:
            raise SettingsError(f"RETURNBOT_PROFILE must be one of {', '.join(PROFILES)}, got {profile!r}")
        if profile == "scaled":
            env = {**SCALED_DEFAULTS, **{k: v for k, v in env.items() if v}}
        var_dir = Path(env.get("RETURNBOT_VAR_DIR") or ROOT / "var")
        gateway_port = _int(env, "RETURNBOT_GATEWAY_PORT", 8000)
        rasa_port = _int(env, "RETURNBOT_RASA_PORT", 5005)
        public_url = (env.get("RETURNBOT_PUBLIC_URL") or f"http://localhost:{gateway_port}").rstrip("/")
        database_url = env.get("RETURNBOT_DATABASE_URL") or f"sqlite:///{var_dir / 'returnbot.db'}"
        if "://" not in database_url:
            raise SettingsError(f"RETURNBOT_DATABASE_URL must be a URL like sqlite:///path, got {database_url!r}")
        address = env.get("RETURNBOT_RETURN_ADDRESS") or "Returns Dept.|1 Warehouse Way|Springfield, IL 62701|USA"
        return cls(
            var_dir=var_dir,
            database_url=database_url,
            policy_file=Path(env.get("RETURNBOT_POLICY_FILE") or ROOT / "policy.yml"),
            rasa_url=(env.get("RETURNBOT_RASA_URL") or f"http://127.0.0.1:{rasa_port}").rstrip("/"),
            rasa_port=rasa_port,
            actions_port=_int(env, "RETURNBOT_ACTIONS_PORT", 5055),
            gateway_host=env.get("RETURNBOT_GATEWAY_HOST") or "127.0.0.1",
            gateway_port=gateway_port,
            public_url=public_url,
            portal_url=env.get("RETURNBOT_PORTAL_URL") or f"{public_url}/returns",
            shop_name=env.get("RETURNBOT_SHOP_NAME") or "returnbot demo shop",
            return_address=tuple(part.strip() for part in address.split("|") if part.strip()),
            secret=env.get("RETURNBOT_SECRET") or _local_secret(var_dir),
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
            telegram_api_base_url=(env.get("TELEGRAM_API_BASE_URL") or "").rstrip("/") or None,
            rasa_timeout_seconds=_positive(env, "RETURNBOT_RASA_TIMEOUT", 30),
            verify_max_failures=_positive(env, "RETURNBOT_VERIFY_MAX_FAILURES", 5),
            verify_lockout_minutes=_positive(env, "RETURNBOT_VERIFY_LOCKOUT_MINUTES", 15),
            rasa_telemetry=rasa_telemetry_wanted(env),
            **_slack(env),
            **_limits(env),
            **_scale(env, profile, database_url, rasa_port),
            **_platforms(env),
            sources=_sources(env, var_dir),
        )

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **changes)

    @property
    def rasa_servers(self) -> Tuple[str, ...]:
        """The Rasa servers' base URLs, the first being rasa_url."""
        return self.rasa_urls or (self.rasa_url,)

    @property
    def rasa_api_token(self) -> str:
        """Rasa's HTTP API (model reload): `returnbot train` in another terminal knows it too."""
        return derived_token(self.secret, "rasa api token")

    @property
    def rasa_channel_token(self) -> str:
        """What the gateway sends with every message to Rasa's channel, which refuses anything else."""
        return derived_token(self.secret, "rasa channel token")

    @property
    def action_server_token(self) -> str:
        """What Rasa sends with every call to the action server, which refuses anything else."""
        return derived_token(self.secret, "action server token")


def _limits(env: Mapping[str, str]) -> dict:
    """The limits on new sessions and new cases, the proxies trusted to name the client, and the
    shop's other contact for the customers a limit stops."""
    values = {}
    for name, default in (("SESSION_LIMIT_PER_CLIENT", 10), ("SESSION_LIMIT_TOTAL", 300),
                          ("CASE_LIMIT_PER_CLIENT", 3), ("CASE_LIMIT_TOTAL", 30)):
        value = _int(env, f"RETURNBOT_{name}", default)
        if value < 0:
            raise SettingsError(f"RETURNBOT_{name} must be 0 (no limit) or more, got {value}")
        values[name.lower()] = value
    values["session_limit_minutes"] = _positive(env, "RETURNBOT_SESSION_LIMIT_MINUTES", 10)
    values["case_limit_minutes"] = _positive(env, "RETURNBOT_CASE_LIMIT_MINUTES", 60)
    proxies = tuple(p.strip() for p in (env.get("RETURNBOT_TRUSTED_PROXIES") or "").split(",") if p.strip())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise SettingsError("RETURNBOT_TRUSTED_PROXIES must be comma-separated IP addresses or networks "
                                f"(10.0.0.5, 10.0.0.0/8, ::1), got {proxy!r}") from None
    values["trusted_proxies"] = proxies
    values["shop_contact"] = " ".join((env.get("RETURNBOT_SHOP_CONTACT") or "").split())[:200]
    return values


def _scale(env: Mapping[str, str], profile: str, database_url: str, rasa_port: int) -> dict:
    """The scale-out settings, checked together: more than one Rasa server needs the shared stores
    (PostgreSQL for trackers, Redis for the lock that keeps one conversation's messages in order)."""
    replicas = _positive(env, "RETURNBOT_RASA_REPLICAS", 1)
    redis_url = env.get("RETURNBOT_REDIS_URL") or None
    rabbitmq_url = env.get("RETURNBOT_RABBITMQ_URL") or None
    queue = env.get("RETURNBOT_EVENTS_QUEUE") or "returnbot_events"
    sqlite = database_url.startswith("sqlite")
    if profile == "scaled" and sqlite:
        raise SettingsError("RETURNBOT_DATABASE_URL must be a PostgreSQL URL (postgresql://user@host/db) with "
                            "RETURNBOT_PROFILE=scaled: every Rasa and action server shares it")
    if replicas > 1 and (sqlite or not redis_url):
        raise SettingsError(f"RETURNBOT_RASA_REPLICAS={replicas} needs a PostgreSQL RETURNBOT_DATABASE_URL and "
                            "RETURNBOT_REDIS_URL (or RETURNBOT_PROFILE=scaled): Rasa servers share conversations "
                            "through them")
    if redis_url and not redis_url.startswith(("redis://", "rediss://")):
        raise SettingsError(f"RETURNBOT_REDIS_URL must look like redis://host:6379/0, got {redis_url!r}")
    if rabbitmq_url and not rabbitmq_url.startswith(("amqp://", "amqps://")):
        raise SettingsError("RETURNBOT_RABBITMQ_URL must look like amqp://user:password@host:5672/")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,200}", queue):
        raise SettingsError(f"RETURNBOT_EVENTS_QUEUE may hold letters, digits, '_', '.' and '-' only, got {queue!r}")
    urls = tuple(u.strip().rstrip("/") for u in (env.get("RETURNBOT_RASA_URLS") or "").split(",") if u.strip())
    if any(not u.startswith(("http://", "https://")) for u in urls):
        raise SettingsError("RETURNBOT_RASA_URLS must be comma-separated http:// URLs of Rasa servers")
    if not urls and replicas > 1 and not env.get("RETURNBOT_RASA_URL"):
        urls = tuple(f"http://127.0.0.1:{rasa_port + i}" for i in range(replicas))
    return dict(profile=profile, rasa_replicas=replicas, rasa_urls=urls, redis_url=redis_url,
                rabbitmq_url=rabbitmq_url, events_queue=queue)


def _platforms(env: Mapping[str, str]) -> dict:
    """The returns platforms a merchant may already run (docs/platforms.md): each is on when its API
    key is set; the base URLs point elsewhere for tests or another API version."""
    values: dict = {"platform_sync_minutes": _positive(env, "RETURNBOT_PLATFORM_SYNC_MINUTES", 5)}
    for prefix in ("AFTERSHIP", "LOOP"):
        key = (env.get(f"{prefix}_API_KEY") or "").strip() or None
        if key and any(c.isspace() for c in key):
            raise SettingsError(f"{prefix}_API_KEY must be the API key alone, without spaces")
        base_url = (env.get(f"{prefix}_API_BASE_URL") or "").strip().rstrip("/") or None
        if base_url and not base_url.startswith(("https://", "http://")):
            raise SettingsError(f"{prefix}_API_BASE_URL must be an https:// URL, got {base_url!r}")
        values.update({f"{prefix.lower()}_api_key": key, f"{prefix.lower()}_api_base_url": base_url})
    return values


def _sources(env: Mapping[str, str], var_dir: Path) -> SourceSettings:
    try:
        return SourceSettings.from_env(env, var_dir / "sources.env")
    except SourceSettingsError as exc:
        raise SettingsError(str(exc)) from None


def _slack(env: Mapping[str, str]) -> dict:
    """The further Slack settings, checked with the tokens: a bot token needs the agents' channel
    and either an app-level token (Socket Mode) or the signing secret (HTTP mode)."""
    bot_token, app_token = env.get("SLACK_BOT_TOKEN") or None, env.get("SLACK_APP_TOKEN") or None
    values = dict(
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
        slack_channel_id=(env.get("SLACK_CHANNEL_ID") or "").strip() or None,
        slack_api_base_url=(env.get("SLACK_API_BASE_URL") or "").rstrip("/") or None,
        handoff_reannounce_minutes=_int(env, "RETURNBOT_HANDOFF_REANNOUNCE_MINUTES", 15),
    )
    if values["handoff_reannounce_minutes"] < 1:
        raise SettingsError("RETURNBOT_HANDOFF_REANNOUNCE_MINUTES must be at least 1")
    if not bot_token:
        if app_token or values["slack_signing_secret"] or values["slack_channel_id"]:
            raise SettingsError("SLACK_BOT_TOKEN is missing: set it to the app's Bot User OAuth Token (xoxb-...), "
                                "or unset the other SLACK_ variables; see docs/slack.md")
        return values
    if not bot_token.startswith("xoxb-"):
        raise SettingsError("SLACK_BOT_TOKEN must be the app's Bot User OAuth Token, starting xoxb-")
    if app_token and not app_token.startswith("xapp-"):
        raise SettingsError("SLACK_APP_TOKEN must be an app-level token with connections:write, starting xapp-")
    if not values["slack_channel_id"]:
        raise SettingsError("SLACK_CHANNEL_ID is missing: the id of the agents' channel (C...), where handoff "
                            "cards go; see docs/slack.md")
    if not app_token and not values["slack_signing_secret"]:
        raise SettingsError("SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) is missing: "
                            "Slack is on (SLACK_BOT_TOKEN is set) but cannot receive button clicks; see docs/slack.md")
    return values


def _local_secret(var_dir: Path) -> str:
    """A per-installation secret kept in var/secret, made on first use (signs links and cookies)."""
    import secrets

    path = var_dir / "secret"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # the service's user alone (cli/stack.py keeps it so)
    value = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
