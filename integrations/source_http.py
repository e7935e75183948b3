"""The HTTP client the marketplace order sources share (Shopify, Amazon SP-API, eBay): one
`httpx.Client` per source with timeouts, the returns platforms' retry rules (`integrations.http`:
`RetryPolicy`, `retry_after`), an access token that is refreshed when it expires or is refused, and
every failure turned into `bot.ports.SourceError`.

`bot.ports.OrderSource` is synchronous (the order services are), so this client is too; the retry
rules, the wait a 429 asks for and the backoff are the ones `integrations.http.PlatformClient`
uses. `sleep` and `now` are injected: tests pass a fake clock and never really wait.

Failures: 401 (SP-API: 403) after one token refresh, and 403, are `SourceError(retryable=False)` (bad, expired or
revoked credentials, a missing scope or role); 429, 5xx and network errors are retried and, when the
attempts run out, `SourceError(retryable=True)`; any other 4xx is returned to the adapter, which
knows what its API means by it (404: no such order). Tokens are sent in headers, never logged and
never put in an error; log lines pass through `bot.privacy.loggable`.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Protocol, Tuple

import httpx

from bot.ports import SourceError
from bot.privacy import loggable
from integrations.http import RetryPolicy, retry_after

log = logging.getLogger(__name__)

SyncSleep = Callable[[float], None]
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
Clock = Callable[[], float]


class TokenProvider(Protocol):
    """Where a source's access token comes from: `headers()` for the next request (refreshing a
    token that is about to expire), `invalidate()` after the API refused the token."""

    def headers(self) -> Mapping[str, str]: ...

    def invalidate(self) -> bool:
        """Forget the current token; True when a new one can be asked for (a refresh token)."""


@dataclass
class StaticToken:
    """A token that never changes (Shopify's custom-app Admin API access token)."""
    header: str
    token: str

    def headers(self) -> Mapping[str, str]:
        return {self.header: self.token}

    def invalidate(self) -> bool:
        return False


class RefreshedToken:
    """An OAuth access token from a refresh token (Amazon's Login with Amazon, eBay's user token):
    `fetch()` asks the token endpoint and returns (access token, seconds it lives). The token is
    renewed `margin` seconds before it expires, and once after the API refuses it."""

    def __init__(self, fetch: Callable[[], "tuple[str, float]"], header: str, *, prefix: str = "",
                 now: Clock = time.time, margin: float = 60.0):
        self._fetch, self._header, self._prefix, self._now, self._margin = fetch, header, prefix, now, margin
        self._token: Optional[str] = None
        self._expires_at = 0.0
        self._lock = threading.Lock()  # the gateway's webhook and sync threads share one adapter
        self.refreshes = 0

    def headers(self) -> Mapping[str, str]:
        with self._lock:
            if self._token is None or self._now() >= self._expires_at - self._margin:
                token, lifetime = self._fetch()
                self._token, self._expires_at = token, self._now() + max(float(lifetime), 0.0)
                self.refreshes += 1
            return {self._header: self._prefix + self._token}

    def invalidate(self) -> bool:
        with self._lock:
            self._token = None
        return True


class SourceClient:
    """Requests to one marketplace. `request` returns the response of a 2xx or an ordinary 4xx
    (the adapter reads it) and raises `SourceError` for what the adapter cannot act on."""

    def __init__(self, source: str, base_url: str, *, auth: Optional[TokenProvider] = None,
                 headers: Optional[Mapping[str, str]] = None, transport: Optional[httpx.BaseTransport] = None,
                 sleep: SyncSleep = time.sleep, now: Clock = time.time, retry: RetryPolicy = RetryPolicy(),
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT, refresh_on: Tuple[int, ...] = (401,)):
        self.source = source
        self.refresh_on = refresh_on  # statuses that mean "this access token is no good" (SP-API: 403)
        self.auth = auth
        self.sleep, self.now, self.retry = sleep, now, retry
        self._client = httpx.Client(base_url=base_url.rstrip("/"),
                                    headers={"Accept": "application/json", **(headers or {})},
                                    timeout=timeout, transport=transport, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, url: str, *, params: Optional[Mapping[str, Any]] = None,
                json: Any = None, data: Optional[Mapping[str, str]] = None,
                headers: Optional[Mapping[str, str]] = None, use_auth: bool = True) -> httpx.Response:
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.retry.attempts
            sent: Dict[str, str] = dict(self.auth.headers()) if (use_auth and self.auth) else {}
            sent.update(headers or {})
            try:
                response = self._client.request(method, url, params=params, json=json, data=data, headers=sent)
            except httpx.RequestError as exc:  # network trouble, timeouts, a body that cannot be decoded
                if last:
                    raise SourceError(self.source, f"could not be reached ({type(exc).__name__} after "
                                                   f"{attempt} attempts)") from None
                self._wait(self.backoff(attempt), type(exc).__name__, attempt)
                continue
            status = response.status_code
            stale_token = status in self.refresh_on and use_auth and self.auth is not None and not refreshed
            if stale_token and self.auth.invalidate():
                refreshed = True  # an access token revoked or expired early: one new one, once
                attempt -= 1
                continue
            if status in (401, 403):
                raise SourceError(self.source, f"refused the credentials (HTTP {status}): "
                                               f"{error_message(response)}", retryable=False, status=status)
            if status == 429 or status >= 500:
                if last:
                    raise SourceError(self.source, f"HTTP {status} after {attempt} attempts: "
                                                   f"{error_message(response)}", status=status)
                asked = retry_after(response.headers, self.now()) if status == 429 else None
                delay = min(max(asked, 0.0), self.retry.max_wait) if asked is not None else self.backoff(attempt)
                self._wait(delay, f"HTTP {status}", attempt)
                continue
            return response

    def json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise SourceError(self.source, f"HTTP {response.status_code}: the answer is not JSON",
                              status=response.status_code) from None

    def backoff(self, attempt: int) -> float:
        return min(self.retry.backoff * 2 ** (attempt - 1), self.retry.max_wait)

    def _wait(self, delay: float, why: str, attempt: int) -> None:
        log.warning("%s: %s, retrying in %.1f s (attempt %d of %d)", self.source, loggable(why), delay,
                    attempt, self.retry.attempts)
        self.sleep(delay)


def error_message(response: httpx.Response, limit: int = 200) -> str:
    """The API's own short explanation: SP-API's and eBay's `errors[].message`, Shopify's `errors`,
    an OAuth `error_description`, else the reason phrase. Passed through `loggable`."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = None
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            message = first.get("message") if isinstance(first, dict) else str(first)
        elif isinstance(errors, str):
            message = errors
        message = message or body.get("error_description") or body.get("error") or body.get("message")
    text = loggable(str(message or response.reason_phrase or "error"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TokenBucket:
    """A per-operation rate limit kept on our side (Amazon's usage plans: `rate` requests a second
    restored, `burst` at most), so a sync waits before asking rather than being refused."""

    def __init__(self, rate: float, burst: float, now: Clock, sleep: SyncSleep):
        self.rate, self.burst, self._now, self._sleep = rate, burst, now, sleep
        self.tokens = burst
        self._at = now()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take one token, waiting for it if none is left; the seconds waited."""
        with self._lock:
            return self._take()

    def _take(self) -> float:
        now = self._now()
        self.tokens = min(self.burst, self.tokens + (now - self._at) * self.rate)
        self._at = now
        waited = 0.0
        if self.tokens < 1:
            waited = (1 - self.tokens) / self.rate
            self._sleep(waited)
            self.tokens = 1.0
            self._at = now + waited
        self.tokens -= 1
        return waited


_ZIP_PLUS_4 = re.compile(r"([0-9]{5})[- ]?[0-9]{4}", re.ASCII)


def stored_postcode(postcode: str, country: str) -> str:
    """A postcode as the order store keeps it for verification: a US ZIP+4 (`98101-1234`, which
    Amazon sends) becomes its 5-digit ZIP, since customers type that and a ZIP+4 typed against a
    5-digit ZIP still matches (`bot.services`); anything else as given."""
    match = _ZIP_PLUS_4.fullmatch(postcode.strip()) if country.upper() == "US" else None
    return match.group(1) if match else postcode


def read_cursor(cursor: Optional[str], title: str) -> Dict[str, Any]:
    """A sync cursor an adapter wrote (JSON of an object) read back; {} for none. Anything else is
    not ours: a `SourceError` that waiting will not fix."""
    if not cursor:
        return {}
    try:
        value = json.loads(cursor)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise SourceError(title, "the sync cursor is not one this adapter wrote", retryable=False)
    return value
