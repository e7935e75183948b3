"""Serving a fake service (an aiohttp app) on a free loopback port for the length of a test."""
from __future__ import annotations

from typing import Tuple

from aiohttp import web


async def serve(app: web.Application) -> Tuple[web.AppRunner, str]:
    """Start `app` on 127.0.0.1 with a free port; returns the runner (to clean up) and its base URL."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}"
