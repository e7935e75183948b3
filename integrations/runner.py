"""Builds the returns platforms the settings turn on and syncs them: once (the CLI) or every
`platform_sync_minutes` (a task the gateway can run). One platform failing never stops the other,
and nothing here logs an API key or a customer's data: counts, platform names and error messages.
"""
from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import AsyncIterator, Callable, List, Optional, Tuple

import httpx

from bot.clock import utc_now
from bot.platforms import PlatformError, PlatformReturns, SyncResult, sync
from bot.settings import Settings
from integrations.aftership import AfterShipReturns
from integrations.http import Sleep
from integrations.loop import LoopReturns

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlatformSpec:
    name: str
    title: str
    key_variable: str


PLATFORMS: Tuple[PlatformSpec, ...] = (
    PlatformSpec(AfterShipReturns.name, AfterShipReturns.title, "AFTERSHIP_API_KEY"),
    PlatformSpec(LoopReturns.name, LoopReturns.title, "LOOP_API_KEY"),
)


@dataclass(frozen=True)
class PlatformRun:
    """One platform's part of a sync: off (no key), done (`result`) or failed (`error`)."""

    spec: PlatformSpec
    on: bool
    result: Optional[SyncResult] = None
    error: Optional[str] = None


def configured(settings: Settings) -> List[PlatformSpec]:
    keys = {"aftership": settings.aftership_api_key, "loop": settings.loop_api_key}
    return [spec for spec in PLATFORMS if keys[spec.name]]


@asynccontextmanager
async def open_platforms(settings: Settings, *, transport: Optional[httpx.AsyncBaseTransport] = None,
                         sleep: Sleep = asyncio.sleep) -> AsyncIterator[list]:
    """The adapters for the platforms with a key, their HTTP clients closed on the way out."""
    async with AsyncExitStack() as stack:
        platforms: list = []
        if settings.aftership_api_key:
            platforms.append(AfterShipReturns(settings.aftership_api_key, settings.aftership_api_base_url,
                                              transport=transport, sleep=sleep))
        if settings.loop_api_key:
            platforms.append(LoopReturns(settings.loop_api_key, settings.loop_api_base_url,
                                         transport=transport, sleep=sleep))
        for platform in platforms:
            stack.push_async_callback(platform.aclose)
        yield platforms


async def sync_configured(settings: Settings, store: PlatformReturns, *, clock: Callable[[], datetime] = utc_now,
                          transport: Optional[httpx.AsyncBaseTransport] = None,
                          sleep: Sleep = asyncio.sleep) -> List[PlatformRun]:
    """Every platform once, in PLATFORMS order; a configured one that fails says why in `error`."""
    async with open_platforms(settings, transport=transport, sleep=sleep) as platforms:
        return await _sync_all(platforms, store, clock)


async def _sync_all(platforms: list, store: PlatformReturns, clock: Callable[[], datetime]) -> List[PlatformRun]:
    by_name = {platform.name: platform for platform in platforms}
    runs = []
    for spec in PLATFORMS:
        platform = by_name.get(spec.name)
        if platform is None:
            runs.append(PlatformRun(spec, on=False))
            continue
        try:
            runs.append(PlatformRun(spec, on=True, result=await sync(platform, store, clock)))
        except PlatformError as exc:
            runs.append(PlatformRun(spec, on=True, error=str(exc)))
        except Exception as exc:  # a bug or the database; the driver's message only, not the SQL's parameters
            log.exception("%s: sync failed", spec.title)
            runs.append(PlatformRun(spec, on=True, error=f"{type(exc).__name__}: {getattr(exc, 'orig', None) or exc}"))
    return runs


async def sync_forever(settings: Settings, store: PlatformReturns, *, clock: Callable[[], datetime] = utc_now,
                       transport: Optional[httpx.AsyncBaseTransport] = None, sleep: Sleep = asyncio.sleep) -> None:
    """Sync the configured platforms now and every `settings.platform_sync_minutes` until cancelled;
    returns at once when none is configured. Failures are logged and retried at the next round."""
    async with open_platforms(settings, transport=transport, sleep=sleep) as platforms:
        if not platforms:
            log.info("returns platforms: off (set AFTERSHIP_API_KEY or LOOP_API_KEY; see docs/platforms.md)")
            return
        log.info("returns platforms: syncing %s every %d min", ", ".join(p.title for p in platforms),
                 settings.platform_sync_minutes)
        while True:
            for run in await _sync_all(platforms, store, clock):
                if run.error:
                    log.warning("%s: sync failed, retrying in %d min: %s", run.spec.title,
                                settings.platform_sync_minutes, run.error)
                elif run.result is not None:
                    result = run.result
                    log.info("%s: %d returns read, %d changed, %d skipped", run.spec.title, result.seen,
                             len(result.changed), len(result.skipped))
                    for skipped in result.skipped:
                        log.warning("%s: skipped return %s: %s", run.spec.title, skipped.ref, skipped.reason)
            await sleep(settings.platform_sync_minutes * 60)
