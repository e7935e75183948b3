"""An httpx transport that sends over aiohttp's client: for the gateway's hottest call, one POST
to Rasa per customer message.

The gateway talks to Rasa with httpx (`channels/rasa_client.py`); httpx's own transport (httpcore
on anyio) cost the gateway ~3.7 ms of CPU per message, 40 % of all its work (py-spy during
`make bench`); aiohttp's client, which the gateway already runs on as a server, does the same
request for about a third of that. The httpx API stays (timeouts, errors, `MockTransport` in
tests); only the bytes go through aiohttp. Errors keep httpx's meaning, which the Rasa client's
failover relies on: `ConnectError`/`ConnectTimeout` only when nothing was sent, anything later a
`ReadTimeout` or `ReadError` (the request may have reached the server).
"""
from __future__ import annotations

import asyncio
from typing import Optional

import aiohttp
import httpx

# set by aiohttp itself from the body it sends; passing httpx's too would send them twice
_NOT_FORWARDED = {"content-length", "transfer-encoding"}


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session (keep-alive connections) for the life of the httpx client; made on first
    use, inside the running event loop, and closed with the client (`aclose`)."""

    def __init__(self) -> None:
        self._session: Optional[aiohttp.ClientSession] = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw
                   if name.lower().decode("latin-1") not in _NOT_FORWARDED]
        body = await request.aread()
        try:
            async with self._session_now().request(
                    request.method, str(request.url), headers=headers, data=body or None,
                    timeout=aiohttp.ClientTimeout(total=None, connect=timeout.get("connect"),
                                                  sock_read=timeout.get("read"))) as response:
                content = await response.read()
                return httpx.Response(response.status, headers=list(response.raw_headers), content=content,
                                      extensions={"http_version": b"HTTP/1.1",
                                                  "reason_phrase": (response.reason or "").encode("latin-1")})
        except aiohttp.ClientConnectorError as exc:  # no connection: nothing was sent
            raise httpx.ConnectError(str(exc), request=request) from exc
        except aiohttp.ServerTimeoutError as exc:
            if str(exc).startswith("Connection timeout"):  # aiohttp's words for the connect phase
                raise httpx.ConnectTimeout(str(exc), request=request) from exc
            raise httpx.ReadTimeout(str(exc), request=request) from exc
        except asyncio.TimeoutError as exc:
            raise httpx.ReadTimeout("timed out", request=request) from exc
        except aiohttp.ClientError as exc:  # the connection broke after the request may have gone
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # no decompression here: httpx decodes the body by its Content-Encoding, as with its own transport
            self._session = aiohttp.ClientSession(auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar())
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
