"""Reading a JSON request body at the edge, the same way for every route that takes one (the web
chat's /api/messages, the portal's /api/portal/*, the returns webhook).

A body is refused, with the status and message of a `BadBody`, before anything else reads it when it
is over the route's byte limit (413), not `application/json` (415), nested deeper than
`MAX_DEPTH` arrays and objects (400, checked by a scan of the raw bytes before the parser could
recurse into it), not JSON (400), holds a lone UTF-16 surrogate anywhere in a key or a string
(400: such a string can be neither stored nor sent on), or is not a JSON object (400).

`answer_expect_safely` gives every route the same answer to an `Expect` header as
aiohttp's own (100 Continue, or 417 for any other expectation) but with a fixed text: aiohttp's
default quotes the header back, and a header that is not UTF-8 made that a 500 on every route.

`read_body` and `parse_object` are the two halves of `read_object`, for a route that must look at
the raw bytes in between (the webhook checks their signature before it parses them).
"""
from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any, Dict

from aiohttp import web, web_urldispatcher
from aiohttp.http import HttpVersion11

JSON_TYPE = "application/json"
MAX_REQUEST_BYTES = 64 * 1024  # the gateway reads no larger body at all (aiohttp's client_max_size); routes limit more
MAX_DEPTH = 20  # arrays and objects inside each other; our bodies need 3
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)  # unrolled: linear, an unclosed one runs to the end
_SURROGATE = re.compile("[\ud800-\udfff]")  # the parser joins a valid pair into one character: what is left is lone


async def expect_continue(request: web.Request) -> None:
    """aiohttp's expect handler without echoing the header: it runs before any middleware."""
    if request.version != HttpVersion11:
        return
    if request.headers.get("Expect", "").lower() != "100-continue":
        raise web.HTTPExpectationFailed(text="Only 'Expect: 100-continue' is supported.")
    await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")


def answer_expect_safely() -> None:
    """Make `expect_continue` aiohttp's default expect handler. Call it before any route is added:
    aiohttp reads the default when a route is made, and also makes one per request that matches no
    route or method (the 404 and 405 answers), so setting it on the routes would miss those. There is
    no public setter; tests/test_fuzz_http.py fails if an aiohttp upgrade moves it."""
    web_urldispatcher._default_expect_handler = expect_continue  # noqa: SLF001


class BadBody(ValueError):
    """A request body refused at the edge; `status` and the message are the answer to send."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def read_body(request: web.Request, max_bytes: int) -> bytes:
    """The raw body of a JSON request of at most `max_bytes`."""
    too_big = BadBody(413, f"request body over {max_bytes} bytes")
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_big
    if request.content_type != JSON_TYPE:  # with the SameSite cookie, also keeps cross-site form posts out
        raise BadBody(415, f"send the request as {JSON_TYPE}")
    try:
        raw = await request.read()  # bounded by the app's client_max_size too
    except web.HTTPRequestEntityTooLarge:
        raise too_big from None
    if len(raw) > max_bytes:
        raise too_big
    return raw


def parse_object(raw: bytes) -> Dict[str, Any]:
    """The JSON object in `raw`."""
    if too_deep(raw):
        raise BadBody(400, f"the body is nested more than {MAX_DEPTH} levels deep")
    try:
        body = json.loads(raw)
    except ValueError:  # not JSON, or not UTF-8/16/32 text
        raise BadBody(400, "the body must be a JSON object") from None
    if has_lone_surrogate(body):
        raise BadBody(400, "the body holds a lone surrogate (\\ud800-\\udfff without its pair): "
                           "text must be valid Unicode")
    if not isinstance(body, dict):
        raise BadBody(400, "the body must be a JSON object")
    return body


async def read_object(request: web.Request, max_bytes: int) -> Dict[str, Any]:
    """The request's JSON object (`read_body`, then `parse_object`)."""
    return parse_object(await read_body(request, max_bytes))


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays and objects nest more than `limit` deep in the JSON text `raw` (brackets inside
    strings do not count). Cheap: a body with at most `limit` brackets is not scanned at all, and the
    scan runs in C (a regex over the strings, a byte translation, an accumulate). Malformed JSON may
    be over-counted, which only refuses what the parser would refuse anyway."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit


def has_lone_surrogate(value: Any) -> bool:
    """Whether a parsed JSON value holds a lone surrogate in any string, keys included. Only called
    on a value whose nesting is bounded (`parse_object`)."""
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(v) for v in value)
    return False
