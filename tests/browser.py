"""Headless Chromium for browser tests: find or apt-install it, launch it, drive a page over DevTools.

`ensure_chromium()` returns a binary path or skips the test with the reason; `Chromium` is an async
context manager whose `page` speaks the DevTools protocol over its websocket (aiohttp client).
"""
from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
import pytest

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--remote-debugging-port=0",
)
STARTUP_LIMIT_S = 60.0  # a generous deadline for the browser to come up, not a performance check
WAIT_LIMIT_S = 30.0  # the same for a DOM condition to become true


def find_chromium() -> str | None:
    """The first Chromium binary on this machine, or None."""
    for path in CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


def ensure_chromium() -> str:
    """Chromium's path, installing Debian's package when missing; skips the test when that fails."""
    found = find_chromium()
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip("browser test needs Chromium: /usr/bin/chromium is missing and apt-get as root is not available")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            pytest.skip(f"browser test needs Chromium; `{' '.join(cmd)}` failed: {' | '.join(tail)}")
    found = find_chromium()
    if not found:
        pytest.skip("browser test needs Chromium; apt-get installed `chromium` but no binary was found")
    return found


class CdpError(RuntimeError):
    """A DevTools command answered with an error, or a page condition never became true."""


class Page:
    """One page target, driven by DevTools commands over its own websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict:
        msg_id = next(self._ids)
        await self._ws.send_json({"id": msg_id, "method": method, "params": params})
        async for msg in self._ws:
            data = json.loads(msg.data)
            if data.get("id") == msg_id:
                if "error" in data:
                    raise CdpError(f"{method}: {data['error']}")
                return data.get("result", {})
        raise CdpError(f"{method}: the DevTools connection closed")

    async def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression (promises are awaited)."""
        result = await self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise CdpError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, what: str) -> Any:
        """Poll until the expression is truthy; fails the test with `what` after a generous deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_LIMIT_S
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if loop.time() > deadline:
                raise CdpError(f"waited in vain for {what}")
            await asyncio.sleep(0.05)

    async def navigate(self, url: str) -> None:
        await self.send("Page.navigate", url=url)
        await self.wait_for("document.readyState === 'complete'", f"{url} to load")

    async def type_text(self, text: str) -> None:
        await self.send("Input.insertText", text=text)

    async def press_enter(self) -> None:
        for kind in ("keyDown", "keyUp"):
            await self.send("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
                            windowsVirtualKeyCode=13, nativeVirtualKeyCode=13,
                            **({"text": "\r"} if kind == "keyDown" else {}))

    async def click(self, selector: str) -> None:
        """A real mouse click at the centre of the first element matching the CSS selector."""
        box = await self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()")
        if box is None:
            raise CdpError(f"nothing matches {selector}")
        for kind in ("mousePressed", "mouseReleased"):
            await self.send("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left", clickCount=1)

    async def set_viewport(self, width: int, height: int, scale: float = 2.0, mobile: bool = True) -> None:
        await self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                        deviceScaleFactor=scale, mobile=mobile)

    async def screenshot(self, path: str | Path) -> None:
        shot = await self.send("Page.captureScreenshot", format="png")
        Path(path).write_bytes(base64.b64decode(shot["data"]))


class Chromium:
    """`async with Chromium(binary) as page:` a headless browser with one blank page, removed afterwards."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        # Chromium's helper processes may still write to the profile as it closes: tolerate that
        self._profile = tempfile.TemporaryDirectory(prefix="rb-chromium-", ignore_cleanup_errors=True)
        self._proc: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None

    async def __aenter__(self) -> Page:
        self._proc = await asyncio.create_subprocess_exec(
            self.binary, *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        port = await self._devtools_port()
        self._http = aiohttp.ClientSession()
        async with self._http.get(f"http://127.0.0.1:{port}/json/list") as resp:
            targets = await resp.json()
        page = next(t for t in targets if t.get("type") == "page")
        self._ws = await self._http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        return Page(self._ws)

    async def _devtools_port(self) -> int:
        """Chromium writes the port it chose into DevToolsActivePort in its profile."""
        marker = Path(self._profile.name) / "DevToolsActivePort"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP_LIMIT_S
        while loop.time() < deadline:
            if self._proc is not None and self._proc.returncode is not None:
                raise CdpError(f"Chromium exited with code {self._proc.returncode}")
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            await asyncio.sleep(0.05)
        raise CdpError("Chromium did not open its DevTools port")

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            try:
                await asyncio.wait_for(self._proc.wait(), timeout=10)
            except asyncio.TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        self._profile.cleanup()
