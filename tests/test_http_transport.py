"""channels.http_transport.AiohttpTransport: httpx's API over aiohttp's client, with httpx's
answers and httpx's errors (the Rasa client's failover depends on which error it is)."""
from __future__ import annotations

import asyncio
import gzip
import json
import socket

import httpx
import pytest
from aiohttp import web

from channels.http_transport import AiohttpTransport
from channels.rasa_client import RasaClient, RasaUnavailable
from tests.loopback import serve

pytestmark = pytest.mark.asyncio
SEEN = web.AppKey("seen", list)


def rasa_like() -> web.Application:
    seen = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append((body, request.headers.get("Content-Type"), request.headers.get("Content-Length")))
        if body["message"] == "slow":
            await asyncio.sleep(2)
        if body["message"] == "fail":
            return web.json_response({"error": "boom"}, status=500)
        if body["message"] == "gzip":
            return web.Response(body=gzip.compress(json.dumps([{"text": "packed"}]).encode()),
                                headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
        return web.json_response([{"recipient_id": body["sender"], "text": f"you said {body['message']}"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    app[SEEN] = seen
    return app


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_post_gets_httpxs_response_over_one_kept_connection():
    app = rasa_like()
    runner, url = await serve(app)
    try:
        async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=5) as client:
            for n in range(3):
                response = await client.post(url + "/webhooks/rest/webhook", json={"sender": "web:a", "message": f"m{n}"})
                assert response.status_code == 200 and response.json() == [{"recipient_id": "web:a",
                                                                               "text": f"you said m{n}"}]
            failed = await client.post(url + "/webhooks/rest/webhook", json={"sender": "web:a", "message": "fail"})
            assert failed.status_code == 500 and failed.json() == {"error": "boom"}
            packed = await client.post(url + "/webhooks/rest/webhook", json={"sender": "web:a", "message": "gzip"})
            assert packed.json() == [{"text": "packed"}]  # httpx decodes it, as with its own transport
    finally:
        await runner.cleanup()
    _, content_type, length = app[SEEN][0]
    assert content_type == "application/json" and int(length) > 0  # httpx's headers, one Content-Length


async def test_a_refused_connection_is_a_connect_error_and_a_slow_answer_a_read_timeout():
    async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=httpx.Timeout(0.5, connect=2)) as client:
        with pytest.raises(httpx.ConnectError):  # nothing sent: another server may take the message
            await client.post(f"http://127.0.0.1:{closed_port()}/webhooks/rest/webhook", json={})
        runner, url = await serve(rasa_like())
        try:
            with pytest.raises(httpx.ReadTimeout):  # it may have reached Rasa: never sent again
                await client.post(url + "/webhooks/rest/webhook", json={"sender": "web:b", "message": "slow"})
        finally:
            await runner.cleanup()


async def test_the_rasa_client_fails_over_a_refused_server_and_answers():
    runner, url = await serve(rasa_like())
    try:
        rasa = RasaClient([f"http://127.0.0.1:{closed_port()}", url])
        assert await rasa.send("web:c", "hello") == [{"recipient_id": "web:c", "text": "you said hello"}]
        with pytest.raises(RasaUnavailable):
            await rasa.send("web:c", "fail")
        await rasa.aclose()
    finally:
        await runner.cleanup()
