"""The HTTP client the returns-platform adapters share: one `httpx.AsyncClient` per platform with
timeouts, retries where a retry can help, and every failure turned into `bot.platforms.PlatformError`.

Retries: a 429 waits as long as the platform asks (Retry-After in seconds or as a date, else an
X-RateLimit-Reset / RateLimit-Reset time), never longer than `max_wait`; a 5xx or a network error
backs off exponentially; any other 4xx fails at once, since asking again gets the same answer.
The API key travels in a header set on the client and is never logged or put in an error.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Awaitable, Callable, Mapping, Optional
from urllib.parse import urlsplit, urlunsplit

import httpx

from bot.platforms import PlatformError

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6  # requests in all, the first one included
    backoff: float = 1.0  # seconds before the first retry of a 5xx, doubled each time
    max_wait: float = 60.0  # no single wait is longer, whatever a platform asks


class PlatformClient:
    """GETs JSON from one platform. `transport` and `sleep` are for tests (httpx.MockTransport,
    a sleep that only records); `now` is the wall clock that reset timestamps are read against."""

    def __init__(self, platform: str, base_url: str, headers: Mapping[str, str], *,
                 transport: Optional[httpx.AsyncBaseTransport] = None, sleep: Sleep = asyncio.sleep,
                 now: Callable[[], float] = time.time, retry: RetryPolicy = RetryPolicy(),
                 timeout: httpx.Timeout = httpx.Timeout(30.0, connect=10.0)):
        self.platform = platform
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(base_url=self.base_url, headers={"Accept": "application/json", **headers},
                                         timeout=timeout, transport=transport, follow_redirects=False)
        self._sleep, self._now, self._retry = sleep, now, retry

    async def aclose(self) -> None:
        await self._client.aclose()

    def on_our_host(self, url: str) -> str:
        """`url` (a next-page link a platform sent) moved onto the configured base URL's scheme and
        host, so the key is only ever sent where the merchant pointed us."""
        base, link = urlsplit(self.base_url), urlsplit(url)
        return urlunsplit((base.scheme, base.netloc, link.path, link.query, ""))

    async def get_json(self, url: str, params: Optional[Mapping[str, Any]] = None) -> Any:
        """The decoded JSON body of a 2xx answer to GET `url` (relative to the base URL, or absolute)."""
        retry = self._retry
        for attempt in range(1, retry.attempts + 1):
            last = attempt == retry.attempts
            try:
                response = await self._client.get(url, params=params)
            except httpx.TransportError as exc:
                if last:
                    raise PlatformError(self.platform, None, f"{type(exc).__name__} after {attempt} attempts") from None
                await self._wait(self._backoff(attempt), f"{type(exc).__name__}", attempt)
                continue
            if response.is_success:
                try:
                    return response.json()
                except ValueError:
                    raise PlatformError(self.platform, response.status_code, "the answer is not JSON") from None
            status = response.status_code
            retryable = status == 429 or status >= 500
            if not retryable or last:
                raise PlatformError(self.platform, status, platform_message(response))
            delay = self._rate_limit_wait(response, attempt) if status == 429 else self._backoff(attempt)
            await self._wait(delay, f"HTTP {status}", attempt)
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt

    async def _wait(self, delay: float, why: str, attempt: int) -> None:
        log.warning("%s: %s on %s, retrying in %.1f s (attempt %d of %d)", self.platform, why,
                    urlsplit(self.base_url).netloc, delay, attempt, self._retry.attempts)
        await self._sleep(delay)

    def _backoff(self, attempt: int) -> float:
        return min(self._retry.backoff * 2 ** (attempt - 1), self._retry.max_wait)

    def _rate_limit_wait(self, response: httpx.Response, attempt: int) -> float:
        asked = retry_after(response.headers, self._now())
        return min(max(asked, 0.0), self._retry.max_wait) if asked is not None else self._backoff(attempt)


def retry_after(headers: Mapping[str, str], now: float) -> Optional[float]:
    """Seconds a rate-limited client is asked to wait: Retry-After (seconds or an HTTP date), else a
    reset header, which AfterShip sends as a Unix time and others as seconds to go."""
    value = headers.get("retry-after")
    if value:
        try:
            return float(value)
        except ValueError:
            try:
                return parsedate_to_datetime(value).timestamp() - now
            except (TypeError, ValueError):
                pass
    for name in ("x-ratelimit-reset", "ratelimit-reset"):
        value = headers.get(name)
        try:
            reset = float(value) if value else None
        except ValueError:
            continue
        if reset is not None:
            return reset - now if reset > 1_000_000_000 else reset
    return None


def platform_message(response: httpx.Response, limit: int = 300) -> str:
    """The platform's own explanation of a failed request: AfterShip's `meta.message` (with
    `meta.errors`), Loop's `error.message` or `message` (with `errors`), else the reason phrase."""
    try:
        body = response.json()
    except ValueError:
        body = None
    parts = []
    if isinstance(body, dict):
        meta, error = body.get("meta"), body.get("error")
        for holder in (meta, error, body):
            if isinstance(holder, dict) and isinstance(holder.get("message"), str):
                parts.append(holder["message"])
                break
        details = (meta or {}).get("errors") if isinstance(meta, dict) else body.get("errors")
        if isinstance(details, list):
            parts += [str(d.get("info") or d) if isinstance(d, dict) else str(d) for d in details[:3]]
        elif isinstance(details, dict):
            parts += [f"{k}: {v[0] if isinstance(v, list) and v else v}" for k, v in list(details.items())[:3]]
    if not parts:
        text = response.text.strip()
        parts.append(text if text and len(text) < 200 and "<" not in text else response.reason_phrase or "error")
    message = "; ".join(parts)
    return message if len(message) <= limit else message[: limit - 1] + "…"
