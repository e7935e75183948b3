"""The gateway's Rasa client over several Rasa servers: messages in turn, a server that refuses the
connection skipped for a while and the message sent to another, and never a second send once the
request may have reached Rasa."""
from __future__ import annotations

from typing import Callable, Dict, List, Set

import httpx
import pytest

from channels.rasa_client import RasaClient, RasaUnavailable
from tests.clock import Clock

SERVERS = ("http://rasa-1.test", "http://rasa-2.test", "http://rasa-3.test")


class Servers:
    """Fake Rasa servers by host: each answers, refuses connections, or fails as told."""

    def __init__(self) -> None:
        self.seen: List[str] = []  # the host of every request that reached the transport
        self.refusing: Set[str] = set()
        self.failing: Dict[str, Callable[[httpx.Request], httpx.Response]] = {}

    def handler(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host in self.refusing:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        self.seen.append(host)
        if host in self.failing:
            return self.failing[host](request)
        if request.method == "GET":
            return httpx.Response(200, text="Hello from Rasa: 3.6.21")
        return httpx.Response(200, json=[{"recipient_id": "c", "text": f"hi from {host}"}])

    def client(self, servers=SERVERS, clock=lambda: 0.0) -> RasaClient:
        return RasaClient(servers, client=httpx.AsyncClient(transport=httpx.MockTransport(self.handler)),
                          cooldown=10.0, clock=clock)


@pytest.fixture
def servers() -> Servers:
    return Servers()


async def test_messages_go_to_the_servers_in_turn(servers):
    rasa = servers.client()
    answers = [(await rasa.send(f"web:{i}", "hello"))[0]["text"] for i in range(6)]
    assert answers == [f"hi from rasa-{n}.test" for n in (1, 2, 3, 1, 2, 3)]
    assert servers.seen == ["rasa-1.test", "rasa-2.test", "rasa-3.test"] * 2


async def test_one_url_behaves_as_before(servers):
    rasa = servers.client(servers="http://rasa-1.test/")
    assert rasa.base_url == "http://rasa-1.test" and rasa.base_urls == ("http://rasa-1.test",)
    for _ in range(3):
        await rasa.send("web:a", "hello")
    assert servers.seen == ["rasa-1.test"] * 3


async def test_a_refused_connection_sends_the_message_to_the_next_server_once(servers):
    servers.refusing.add("rasa-1.test")
    rasa = servers.client()
    replies = await rasa.send("web:a", "hello")
    assert replies[0]["text"] == "hi from rasa-2.test"
    assert servers.seen == ["rasa-2.test"]


async def test_a_server_that_refused_is_skipped_for_a_while_then_tried_again(servers):
    clock = Clock(1000.0)  # monotonic seconds
    servers.refusing.add("rasa-1.test")
    rasa = servers.client(servers=SERVERS[:2], clock=clock)
    await rasa.send("web:a", "1")  # rasa-1 refuses: rasa-2 answers, rasa-1 cools down
    servers.refusing.clear()
    for text in ("2", "3", "4"):
        await rasa.send("web:a", text)
    assert servers.seen == ["rasa-2.test"] * 4
    clock.now += 10.5
    await rasa.send("web:a", "5")
    await rasa.send("web:a", "6")
    assert servers.seen[4:] == ["rasa-1.test", "rasa-2.test"]


def _raise(exc_type):
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc_type("failed", request=request)
    return fail


async def test_a_connect_timeout_counts_as_nothing_sent(servers):
    servers.failing["rasa-1.test"] = _raise(httpx.ConnectTimeout)
    rasa = servers.client(servers=SERVERS[:2])
    assert (await rasa.send("web:a", "hello"))[0]["text"] == "hi from rasa-2.test"


@pytest.mark.parametrize("failure", [
    pytest.param(_raise(httpx.ReadTimeout), id="read-timeout"),
    pytest.param(_raise(httpx.RemoteProtocolError), id="connection-dropped"),
    pytest.param(_raise(httpx.WriteError), id="write-error"),
    pytest.param(lambda request: httpx.Response(500, text="boom"), id="5xx"),
    pytest.param(lambda request: httpx.Response(200, json=[]), id="no-answer"),
])
async def test_a_request_that_may_have_reached_rasa_is_never_sent_again(servers, failure):
    servers.failing["rasa-1.test"] = failure
    rasa = servers.client()
    with pytest.raises(RasaUnavailable):
        await rasa.send("web:a", "I want to return my shoes")
    assert servers.seen == ["rasa-1.test"]
    assert (await rasa.send("web:a", "again"))[0]["text"] == "hi from rasa-2.test"  # not cooled down: a new turn


async def test_when_every_server_refuses_each_is_tried_once_and_the_customer_is_asked_to_retry(servers):
    servers.refusing.update(host.removeprefix("http://") for host in SERVERS)
    rasa = servers.client()
    with pytest.raises(RasaUnavailable, match="no Rasa server reachable"):
        await rasa.send("web:a", "hello")
    servers.refusing.clear()
    assert (await rasa.send("web:a", "hello"))[0]["text"].startswith("hi from")  # all cooling down: still tried


async def test_healthy_when_any_server_answers(servers):
    rasa = servers.client()
    servers.refusing.update({"rasa-1.test", "rasa-3.test"})
    assert await rasa.healthy()
    servers.refusing.add("rasa-2.test")
    assert not await rasa.healthy()
