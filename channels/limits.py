"""Limits on what a stranger can start through the gateway: new web chat sessions, and new cases for a
person from customers who have not verified an order, per client address and overall.

Counted in the gateway's memory over a sliding window (a restart starts the counts afresh), so the
message path pays a dictionary look-up, and a case check only after a turn that opened a case.

- The client address is the TCP peer's, or, when that peer is one of `trusted_proxies` (your TLS
  proxy), the address its `X-Forwarded-For` names: the right-most one that is not itself a trusted
  proxy, so a client cannot pick its own by sending the header. IPv6 clients count per /64 network
  (one subscriber's), IPv4 ones per address. A request from this machine itself (loopback, no
  `X-Forwarded-For`: tests, health checks, the operator's tools) is not limited. A peer that is no
  public address and not a trusted proxy (an unconfigured proxy, a container bridge) stands for
  clients it does not tell apart: they are `SHARED`, limited only overall, never per client (which
  would lock every customer out at once), and the log says once to set RETURNBOT_TRUSTED_PROXIES.
- Sessions: `WebChat.session` asks `sessions.admit(client)` before issuing one; a refused client gets
  429 with a `notice` for the customer.
- Cases: `CaseGate` wraps each turn the router sends to Rasa. When the turn opened a case (the action
  server opens it) for a conversation that has verified no order, the case is counted for the turn's
  client (web: its address; another channel: the conversation); over a limit the case is closed
  again at once, before an agent is told about it ("declined", kept on record), and the bot's "I've
  passed your conversation on" answer is replaced by a plain notice (`said.GATEWAY_CASES_BUSY`, in the
  conversation's language). A customer who
  verified an order is never limited.
"""
from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Deque, Dict, List, Optional, Protocol, Sequence, Tuple

from aiohttp import web

from bot import responses as said
from bot.catalogue import catalogue
from bot.clock import utc_now

log = logging.getLogger(__name__)

LOCAL = "local"  # the client key of this machine: never limited
SHARED = "shared"  # the client key of clients a proxy we do not trust stands for: limited overall only
FORWARDED_FOR = "X-Forwarded-For"
TOO_MANY_FROM_CLIENT, TOO_MANY_IN_TOTAL = "client", "total"
NEW_CASE_SLACK = timedelta(seconds=5)  # the action server's clock may trail the gateway's a little
SEEN_CASES = 10_000  # case ids remembered as counted, so none is counted twice



def with_contact(text: str, contact: str, language: Optional[str] = None) -> str:
    """`text`, and how to reach the shop besides the chat when the shop said (RETURNBOT_SHOP_CONTACT),
    in `language` (a sentence of its own after `text`)."""
    if not contact:
        return text
    return f"{text} {catalogue(language=language).text(said.GATEWAY_CONTACT, contact=contact.rstrip('.'))}"


@dataclass(frozen=True)
class Limit:
    per_client: int  # 0: no limit
    total: int  # 0: no limit
    window: float  # seconds

    @classmethod
    def of(cls, settings: Any, kind: str, default: "Limit") -> "Limit":
        """Settings' `<kind>_limit_per_client`, `_total` and `_minutes`; `default`'s for settings
        without them (tests' fakes)."""
        return cls(getattr(settings, f"{kind}_limit_per_client", default.per_client),
                   getattr(settings, f"{kind}_limit_total", default.total),
                   60.0 * getattr(settings, f"{kind}_limit_minutes", default.window / 60))


SESSION_DEFAULTS = Limit(per_client=10, total=300, window=600.0)  # as bot.settings' defaults
CASE_DEFAULTS = Limit(per_client=3, total=30, window=3600.0)


class WindowCounter:
    """Admits at most `per_client` events per client and `total` in all within any `window` seconds;
    only admitted events count. The clients it remembers are at most those admitted in a window."""

    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.clock = limit, clock
        self._all: Deque[float] = deque()
        self._clients: Dict[str, Deque[float]] = {}

    def admit(self, client: str) -> Optional[str]:
        """None: admitted and counted. Else which limit refuses it: TOO_MANY_FROM_CLIENT or TOO_MANY_IN_TOTAL.
        LOCAL is always admitted and not counted; SHARED is counted in the total only."""
        if client == LOCAL:
            return None
        now = self.clock()
        since = now - self.limit.window
        _drop_before(self._all, since)
        mine = None if client == SHARED else self._clients.get(client)
        if mine is not None:
            _drop_before(mine, since)
        if self.limit.per_client and mine is not None and len(mine) >= self.limit.per_client:
            return TOO_MANY_FROM_CLIENT
        if self.limit.total and len(self._all) >= self.limit.total:
            return TOO_MANY_IN_TOTAL
        if len(self._clients) > 2 * max(self.limit.total, 1000):
            self._forget_idle(since)
        self._all.append(now)
        if client != SHARED:
            self._clients.setdefault(client, deque()).append(now)
        return None

    def retry_after(self, client: str, refused: str) -> int:
        """Seconds until the refusing limit has room again (at least 1)."""
        times = self._all if refused == TOO_MANY_IN_TOTAL else self._clients.get(client) or self._all
        oldest = times[0] if times else self.clock()
        return max(1, int(oldest + self.limit.window - self.clock()) + 1)

    def _forget_idle(self, since: float) -> None:
        for client in [c for c, times in self._clients.items() if not times or times[-1] < since]:
            del self._clients[client]


def _drop_before(times: Deque[float], since: float) -> None:
    while times and times[0] <= since:
        times.popleft()


class ClientAddresses:
    """The client key of a request: its address (IPv6: the /64), LOCAL or SHARED (see the module)."""

    def __init__(self, trusted_proxies: Sequence[str] = ()) -> None:
        self.trusted = tuple(ipaddress.ip_network(p, strict=False) for p in trusted_proxies)
        self._warned: set = set()

    def key(self, request: web.BaseRequest) -> str:
        peer = _ip(request.remote)
        forwarded = [part.strip() for part in ",".join(request.headers.getall(FORWARDED_FOR, ())).split(",")
                     if part.strip()]
        if peer is None or (peer.is_loopback and not forwarded):
            return LOCAL  # a Unix socket, or this machine itself
        if self._trusted(peer):
            client = self._forwarded_for(peer, forwarded)
            if self._trusted(client):  # the proxy named nobody else (its own health check)
                return LOCAL if client.is_loopback else SHARED
            return LOCAL if client.is_loopback else _per_client(client)
        if not peer.is_global:  # a proxy or bridge we were not told to trust: its clients are one crowd
            if forwarded and len(self._warned) < 100 and peer not in self._warned:
                self._warned.add(peer)
                log.warning("requests from %s carry %s but it is not in RETURNBOT_TRUSTED_PROXIES: its clients "
                            "are limited only together, not each", peer, FORWARDED_FOR)
            return SHARED
        return _per_client(peer)

    def _forwarded_for(self, peer: ipaddress._BaseAddress, hops: List[str]) -> ipaddress._BaseAddress:
        """The right-most address in `hops` that is not a trusted proxy (the first one a trusted proxy
        did not add itself); an entry that is no address ends the walk."""
        client = peer
        for hop in reversed(hops):
            hop_ip = _ip(hop)
            if hop_ip is None:
                break
            client = hop_ip
            if not self._trusted(hop_ip):
                break
        return client

    def _trusted(self, address: ipaddress._BaseAddress) -> bool:
        return any(address in network for network in self.trusted)


def _per_client(address: ipaddress._BaseAddress) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _ip(text: Optional[str]) -> Optional[ipaddress._BaseAddress]:
    if not text:
        return None
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:192.0.2.1 is 192.0.2.1
    return mapped if mapped is not None else address


# -- cases ---------------------------------------------------------------------------------------
class CaseBook(Protocol):
    """The part of bot.handoffs.HandoffService the gate uses."""

    def active(self, conversation_id: str) -> Any: ...  # a bot.models.Handoff or None

    def has_verified(self, conversation_id: str) -> bool: ...

    def decline(self, handoff_id: int, note: str) -> bool: ...


class CaseGate:
    """Keeps new cases from unverified customers within `limit` (see the module's docstring)."""

    def __init__(self, cases: CaseBook, limit: Limit, *, contact: str = "",
                 clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = utc_now) -> None:
        self.cases, self.now = cases, now
        self.counter = WindowCounter(limit, clock)
        self.contact = contact
        self._seen: "OrderedDict[int, None]" = OrderedDict()

    async def guard(self, conversation_id: str, client: Optional[str],
                    ask: Callable[[], Awaitable[List[Dict[str, Any]]]], language: str = "en") -> List[Dict[str, Any]]:
        """`ask()` (one turn), then the limits on a case that turn opened; a case refused is said so in
        `language`. `client` None: the conversation is the client (a channel without addresses, such as
        Telegram)."""
        since = self.now() - NEW_CASE_SLACK
        replies = await ask()
        try:
            return self._checked(conversation_id, client or conversation_id, since, replies, language)
        except Exception as exc:  # the database briefly unavailable: the case stands, the answer goes out
            log.warning("case limits not checked for %s: %s", conversation_id, type(exc).__name__)
            return replies

    def notice(self, language: str = "en") -> str:
        """What a customer whose case was refused is told, in `language`."""
        return with_contact(catalogue(language=language).text(said.GATEWAY_CASES_BUSY), self.contact, language)

    def _checked(self, conversation_id: str, client: str, since: datetime,
                 replies: List[Dict[str, Any]], language: str) -> List[Dict[str, Any]]:
        case = self.cases.active(conversation_id)
        if case is None or case.status != "open" or case.handoff_id in self._seen or case.created_at < since:
            return replies
        self._remember(case.handoff_id)
        if self.cases.has_verified(conversation_id):
            return replies
        refused = self.counter.admit(client)
        if refused is None:
            return replies
        why = "from this client" if refused == TOO_MANY_FROM_CLIENT else "in all"
        if not self.cases.decline(case.handoff_id, f"Not passed on: too many new cases {why} from customers "
                                                   "who verified no order."):
            return replies  # an agent took it meanwhile: it stands
        log.info("case #%s of %s declined: too many new cases %s", case.handoff_id, conversation_id, why)
        return _replaced(replies, case.handoff_id, self.notice(language))

    def _remember(self, handoff_id: int) -> None:
        self._seen[handoff_id] = None
        while len(self._seen) > SEEN_CASES:
            self._seen.popitem(last=False)


def _replaced(replies: List[Dict[str, Any]], handoff_id: int, notice: str) -> List[Dict[str, Any]]:
    """The replies with the one announcing case #`handoff_id` replaced by `notice` (added at the end
    when none names it)."""
    names = re.compile(rf"#{handoff_id}(?![0-9])")
    out, replaced = [], False
    for reply in replies:
        if not replaced and isinstance(reply.get("text"), str) and names.search(reply["text"]):
            out.append({"text": notice})
            replaced = True
        else:
            out.append(reply)
    return out if replaced else out + [{"text": notice}]


def session_notice(refused: str, retry_after: int, contact: str, language: str = "en") -> str:
    """Why no new chat can start now, and when to try again, in `language`."""
    words = catalogue(language=language)
    wait = (words.text(said.PHRASE_WAIT_A_MINUTE) if retry_after <= 60
            else words.text(said.PHRASE_WAIT_MINUTES, minutes=-(-retry_after // 60)))
    key = said.GATEWAY_SESSIONS_BUSY_CLIENT if refused == TOO_MANY_FROM_CLIENT else said.GATEWAY_SESSIONS_BUSY_TOTAL
    return with_contact(words.text(key, wait=wait), contact, language)


__all__: Tuple[str, ...] = ("CASE_DEFAULTS", "LOCAL", "SESSION_DEFAULTS", "SHARED", "CaseGate",
                            "ClientAddresses", "Limit", "WindowCounter", "session_notice", "with_contact")
