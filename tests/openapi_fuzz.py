"""Requests for the gateway generated from docs/openapi.yml: a small JSON Schema -> Hypothesis strategy
translator (for the subset the document uses, and nothing else: an unknown keyword is an error), and
hostile variants of each operation's requests (wrong types, missing and extra fields, huge strings,
lone surrogates, deep nesting, bodies that are not JSON, wrong content types, absurd headers, bad
cookies, ids with a trailing newline).

A drawn `Draft` is what to send, with the credentials left symbolic (`VALID`, `NOW`, a cookie kind):
the harness in tests/test_fuzz_http.py knows the secrets and fills them in over the final bytes, so
that a signed request can carry a hostile body past the signature check."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union
from urllib.parse import quote

import yaml
from hypothesis import strategies as st

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "openapi.yml"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SCHEMA_KEYWORDS = {  # the subset the translator understands; the document must keep to it
    "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "minLength",
    "maxLength", "pattern", "enum", "const", "oneOf", "$ref", "minimum", "maximum", "format", "description",
    "examples", "contentMediaType", "contentSchema"}
DEFAULT_MAX_TEXT = 40
DEFAULT_MAX_ITEMS = 4


class Symbol(str):
    """A value the harness fills in when it sends the request (it knows the secrets and the clock)."""

    def __repr__(self) -> str:
        return f"<{str(self)}>"


VALID = Symbol("valid credential")  # a signature over the final bytes, the right secret token, a slip token
NOW = Symbol("now")  # the current unix time, as a timestamp header
STALE = Symbol("six minutes ago")
SESSION_KINDS = ("valid", "verified", "fresh")  # cookies the harness issues (verified: proved an order)


def load_document(path: Path = DOCUMENT) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def resolve(doc: Dict[str, Any], node: Dict[str, Any]) -> Dict[str, Any]:
    """`node`, or what its `$ref` (`#/components/...`) points to, followed to the end."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
        seen += 1
        if seen > 20:
            raise ValueError(f"reference loop at {ref}")
    return node


# -- schema -> strategy ------------------------------------------------------------------------------------
def from_schema(doc: Dict[str, Any], schema: Dict[str, Any]) -> st.SearchStrategy:
    """Values that conform to `schema` (a JSON Schema in the document's subset)."""
    unknown = set(schema) - SCHEMA_KEYWORDS
    if unknown:
        raise ValueError(f"schema keywords the fuzz translator does not know: {sorted(unknown)}")
    if "$ref" in schema:
        return from_schema(doc, resolve(doc, {"$ref": schema["$ref"]}))
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "oneOf" in schema:
        return st.one_of([from_schema(doc, option) for option in schema["oneOf"]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([from_schema(doc, {**schema, "type": one}) for one in kind])
    base = _typed(doc, schema, kind)
    examples = schema.get("examples")
    if examples:
        return st.one_of(st.sampled_from(examples), base)  # the document's examples reach deeper code
    return base


def _typed(doc: Dict[str, Any], schema: Dict[str, Any], kind: Optional[str]) -> st.SearchStrategy:
    if kind == "string":
        if "contentSchema" in schema:
            if schema.get("contentMediaType") != "application/json":
                raise ValueError("contentSchema is supported for application/json only")
            return from_schema(doc, schema["contentSchema"]).map(json.dumps)
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        if schema.get("format") == "date-time":
            return st.datetimes(timezones=st.just(timezone.utc)).map(lambda moment: moment.isoformat())
        low = schema.get("minLength", 0)
        return st.text(min_size=low, max_size=schema.get("maxLength", max(low, DEFAULT_MAX_TEXT)))
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        low = schema.get("minItems", 0)
        return st.lists(from_schema(doc, schema.get("items", {})), min_size=low,
                        max_size=schema.get("maxItems", max(low, DEFAULT_MAX_ITEMS)))
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {name: from_schema(doc, sub) for name, sub in properties.items() if name in required},
            optional={name: from_schema(doc, sub) for name, sub in properties.items() if name not in required})
    if kind is None and set(schema) <= {"description", "examples"}:
        return json_values()  # anything
    raise ValueError(f"schema type the fuzz translator does not know: {kind!r}")


def json_values() -> st.SearchStrategy:
    """Any JSON value, small."""
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                        st.text(max_size=20))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                        max_leaves=8)


# -- operations --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Operation:
    path: str  # the document's template, /returns/{rma_id}/slip.pdf
    method: str  # lower case
    spec: Dict[str, Any] = field(compare=False, repr=False)
    path_item: Dict[str, Any] = field(compare=False, repr=False)

    @property
    def id(self) -> str:
        return self.spec.get("operationId") or f"{self.method} {self.path}"

    @property
    def signs_conforming_bodies_only(self) -> bool:
        """A body whose fields were broken goes unsigned (the document's x-returnbot-signed-bodies says why)."""
        return str(self.path_item.get("x-returnbot-signed-bodies", "")).startswith("conforming")

    @property
    def optional_route(self) -> Optional[str]:
        """When the route exists only with some configuration: what turns it on."""
        return self.path_item.get("x-returnbot-when")

    def parameters(self, doc: Dict[str, Any]) -> List[Dict[str, Any]]:
        return [resolve(doc, p) for p in self.path_item.get("parameters", []) + self.spec.get("parameters", [])]

    def security(self, doc: Dict[str, Any]) -> List[Tuple[str, Dict[str, Any]]]:
        """The security schemes of the operation (names and definitions); `{}` (none) is left out."""
        names = [name for requirement in self.spec.get("security", []) for name in requirement]
        schemes = doc.get("components", {}).get("securitySchemes", {})
        return [(name, schemes[name]) for name in names]

    def body_media(self, doc: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
        body = self.spec.get("requestBody")
        return dict(resolve(doc, body).get("content", {})) if body else {}

    def responses(self, doc: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
        return {str(status): resolve(doc, answer) for status, answer in self.spec.get("responses", {}).items()}


def operations(doc: Dict[str, Any]) -> List[Operation]:
    return [Operation(path, method, spec, item) for path, item in doc["paths"].items()
            for method, spec in item.items() if method in METHODS]


# -- what to send --------------------------------------------------------------------------------------------
HeaderValue = Union[str, bytes, Symbol]


@dataclass
class Draft:
    """A request before the harness fills in credentials. `headers` values that are bytes go out as raw
    bytes (the harness then writes the request on a socket itself); `body` None sends no body."""

    operation: Operation
    path_values: Dict[str, str]  # already percent-encoded
    query: List[Tuple[str, str]]  # already percent-encoded
    headers: List[Tuple[str, HeaderValue]]
    body: Optional[bytes]
    cookie: Optional[HeaderValue]  # a SESSION_KINDS name, or the Cookie header's value as sent
    credentials: Dict[str, HeaderValue]  # security scheme name -> VALID, or the hostile value sent instead
    mutations: List[str]  # what was done to a conforming request, for the failure report

    @property
    def path(self) -> str:
        path = self.operation.path
        for name, value in self.path_values.items():
            path = path.replace("{" + name + "}", value)
        return path

    @property
    def target(self) -> str:
        query = "&".join(f"{name}={value}" if value is not None else name for name, value in self.query)
        return self.path + ("?" + query if query else "")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # how Hypothesis shows a failing example
        printer.text(self.describe())

    def describe(self) -> str:
        body = self.body if self.body is None or len(self.body) <= 600 else (
            self.body[:300] + b"...<%d bytes>..." % len(self.body) + self.body[-100:])
        headers = [(name, (value[:200] + "..." if isinstance(value, (str, bytes)) and len(value) > 200 else value))
                   for name, value in self.headers]
        return (f"{self.operation.method.upper()} {self.target[:500]}\n  mutations: {self.mutations}\n"
                f"  headers: {headers}\n  cookie: {self.cookie!r:.300}\n  credentials: {self.credentials}\n"
                f"  body: {body!r}")


def encode(value: str) -> str:
    """Percent-encoding of any text for a path segment or query value, lone surrogates included (as the
    UTF-8 bytes of the code point, the way a careless client would send them)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


# -- hostile material ------------------------------------------------------------------------------------------
LONE_SURROGATES = ("\ud800", "\udfff", "\udc00", "\ude00\ud83d")  # the last: a pair the wrong way round


def huge_text() -> st.SearchStrategy:
    """A long string, built (not drawn character by character: Hypothesis stays fast)."""
    return st.builds(lambda char, size: char * size, st.sampled_from(["x", "é", "\u4e00", "\U0001F600", " ", "\\"]),
                     st.sampled_from([2_001, 10_000, 16_385, 40_000, 65_537]))


@dataclass(frozen=True)
class Deep:
    """Arrays or objects nested `depth` deep around a 1, written as JSON text by `dumps` (json.dumps
    would recurse)."""

    kind: str  # "array" | "object"
    depth: int

    def text(self) -> str:
        if self.kind == "array":
            return "[" * self.depth + "1" + "]" * self.depth
        return '{"a":' * self.depth + "1" + "}" * self.depth


def deep_values() -> st.SearchStrategy:
    return st.builds(Deep, st.sampled_from(["array", "object"]),
                     st.one_of(st.integers(19, 22), st.sampled_from([100, 1_000, 5_000, 20_000])))


def deep_text() -> st.SearchStrategy:
    """Deep nesting as raw JSON text, closed or cut off half way."""
    def text(deep: Deep, closed: bool) -> bytes:
        whole = deep.text()
        return (whole if closed else whole[:len(whole) // 2]).encode()

    return st.builds(text, st.builds(Deep, st.sampled_from(["array", "object"]),
                                     st.sampled_from([30, 1_000, 30_000, 60_000])), st.booleans())


def wrong_values() -> st.SearchStrategy:
    """A value of some other type than the field wants."""
    return st.one_of(
        st.none(), st.booleans(), st.integers(-2**63, 2**63), st.just(10**400), st.just(-10**400),
        st.floats(), st.sampled_from([float("nan"), float("inf"), -0.0, 1e308]),
        st.text(max_size=30), st.just(""), st.just(" \t\n"), st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=3), st.just([]), st.just({}))


def with_surrogate() -> st.SearchStrategy:
    return st.builds(lambda text, lone, at: text[:at] + lone + text[at:], st.text(max_size=12),
                     st.sampled_from(LONE_SURROGATES), st.integers(0, 12))


def hostile_strings() -> st.SearchStrategy:
    """Text for ids, headers and parameters that should not be: trailing newlines, controls, digits
    from other scripts, very long, lone surrogates."""
    return st.one_of(
        st.sampled_from(["", " ", "\n", "\r\n", "0", "-1", "+1", "1.5", "1e9", "0x10", "null", "undefined",
                         "\u0661\u0662\u0663", "\uff11\uff12", "9" * 19, "9" * 400, "\x00", "%", "%00", "../..",
                         "' OR 1=1 --", "<script>", "\u202e", "é", "\ufeff"]),
        st.text(max_size=30), with_surrogate(), huge_text())


def _paths(value: Any, here: Tuple = ()) -> Iterator[Tuple]:
    yield here
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _paths(sub, here + (key,))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from _paths(sub, here + (index,))


def _at(value: Any, path: Tuple) -> Any:
    for step in path:
        value = value[step]
    return value


def _replaced(value: Any, path: Tuple, new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


def _without(value: Any, path: Tuple) -> Any:
    if len(path) == 1:
        copy = dict(value) if isinstance(value, dict) else list(value)
        del copy[path[0]]
        return copy
    return _replaced(value, path[:1], _without(value[path[0]], path[1:]))


@st.composite
def mutated_value(draw: Callable, value: Any) -> Tuple[Any, str]:
    """`value` (a conforming body) with one thing wrong, and what."""
    where = draw(st.sampled_from(list(_paths(value))))
    here = _at(value, where)
    kinds = ["wrong type", "extra field", "huge string", "lone surrogate", "deep nesting", "not an object"]
    if where:
        kinds.append("missing field")
    if isinstance(here, str):
        kinds += ["trailing newline", "lone surrogate in text"]
    if isinstance(here, dict):
        kinds.append("lone surrogate in a key")
    kind = draw(st.sampled_from(kinds))
    label = f"{kind} at {'/'.join(map(str, where)) or 'the root'}"
    if kind == "wrong type":
        return _replaced(value, where, draw(wrong_values())), label
    if kind == "missing field":
        return _without(value, where), label
    if kind == "extra field":
        target = here if isinstance(here, dict) else value if isinstance(value, dict) else None
        if target is None:
            return _replaced(value, where, {"extra": draw(json_values())}), label
        path = where if isinstance(here, dict) else ()
        extra = dict(target)
        extra[draw(st.one_of(st.text(max_size=12), st.sampled_from(["__proto__", "constructor", "", "text "])))] = (
            draw(json_values()))
        return _replaced(value, path, extra), label
    if kind == "huge string":
        return _replaced(value, where, draw(huge_text())), label
    if kind == "lone surrogate":
        return _replaced(value, where, draw(with_surrogate())), label
    if kind == "lone surrogate in text":
        at = draw(st.integers(0, len(here)))
        return _replaced(value, where, here[:at] + draw(st.sampled_from(LONE_SURROGATES)) + here[at:]), label
    if kind == "lone surrogate in a key":
        return _replaced(value, where, {**here, draw(with_surrogate()): 1}), label
    if kind == "trailing newline":
        return _replaced(value, where, here + draw(st.sampled_from(["\n", "\r\n", " \n", "\x00", "\u2028"]))), label
    if kind == "deep nesting":
        return _replaced(value, where, draw(deep_values())), label
    return draw(st.one_of(st.lists(json_values(), max_size=3), st.text(max_size=10), st.integers(), st.none(),
                          st.booleans(), st.just([value]))), label


def dumps(value: Any, ascii_only: bool) -> bytes:
    """JSON text of `value` with its `Deep` values written out, lone surrogates kept (escaped with
    ascii_only, else as the bytes of the code point, which is not valid UTF-8)."""
    deep: List[Deep] = []

    def placeholders(node: Any) -> Any:
        if isinstance(node, Deep):
            deep.append(node)
            return f"\x00deep{len(deep) - 1}\x00"
        if isinstance(node, dict):
            return {key: placeholders(sub) for key, sub in node.items()}
        if isinstance(node, list):
            return [placeholders(sub) for sub in node]
        return node

    text = json.dumps(placeholders(value), ensure_ascii=ascii_only)
    for index, nested in enumerate(deep):  # control characters are escaped whatever ensure_ascii says
        text = text.replace(f'"\\u0000deep{index}\\u0000"', nested.text(), 1)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def mutated_bytes(draw: Callable, raw: bytes) -> Tuple[bytes, str]:
    """Bytes that are not the JSON object the route wants, whatever the content type says."""
    kind = draw(st.sampled_from(["random bytes", "truncated", "empty", "byte order mark", "trailing garbage",
                                 "utf-16", "latin-1", "form text", "deep raw nesting", "over the limit",
                                 "duplicate keys", "NaN", "huge number"]))
    if kind == "random bytes":
        return draw(st.binary(max_size=64)), kind
    if kind == "truncated":
        return raw[:draw(st.integers(0, max(len(raw) - 1, 0)))], kind
    if kind == "empty":
        return b"", kind
    if kind == "byte order mark":
        return b"\xef\xbb\xbf" + raw, kind
    if kind == "trailing garbage":
        return raw + draw(st.sampled_from([b"x", b"}", b"]", b"\x00", b" {}", b"\n\n\xff"])), kind
    if kind == "utf-16":
        return raw.decode("utf-8", "surrogatepass").encode("utf-16", "surrogatepass"), kind
    if kind == "latin-1":
        return raw.replace(b"}", ',"x":"\xe9\xff"}'.encode("latin-1"), 1) if b"}" in raw else b"\xe9\xff", kind
    if kind == "form text":
        return b"text=hello&id=abcdefgh&payload=%7B%7D", kind
    if kind == "deep raw nesting":
        return draw(deep_text()), kind
    if kind == "over the limit":
        size = draw(st.sampled_from([16 * 1024 + 1, 64 * 1024 + 1, 200_000]))
        padded = raw.rstrip(b"}") + b',"pad":"' if raw.endswith(b"}") and raw != b"{}" else b'{"pad":"'
        return padded + b"x" * max(size - len(padded) - 2, 0) + b'"}', f"{kind} ({size} bytes)"
    if kind == "duplicate keys":
        whole_object = raw.startswith(b"{") and raw.endswith(b"}") and raw != b"{}"
        return (raw[:-1] + b"," + raw[1:]) if whole_object else raw, kind
    if kind == "NaN":
        return b'{"text": NaN, "order_id": Infinity, "update_id": -Infinity, "event_id": NaN}', kind
    return b'{"text": 1' + b"0" * 5000 + b', "update_id": 1e999999, "quantity": 1' + b"0" * 4400 + b"}", kind


HOSTILE_CONTENT_TYPES = [None, "", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                         "application/json; charset=utf-16", "application/json; charset=latin-1",
                         "APPLICATION/JSON", "application/jsonx", "application/json, text/plain", "*/*",
                         "application/vnd.api+json", "application/json; charset=\"\u00e9\"", "application/json;;;",
                         "text/json"]
HOSTILE_TIMESTAMPS = ["9" * 400, "-1", "0", "1e9", " 1700000000", "1700000000.5", "\u0661\u0667\u0660\u0660", "",
                      "0" * 30 + "1700000000", "99999999999", "999999999999", "9999999999999", "0x6553f100",
                      "1700000000\x0b"]


ADDRESSES = ["[::1", "1.2.3.4, unknown, ::1", "::ffff:10.0.0.1", "203.0.113.9", "2001:db8::7", "203.0.113.9:99999",
             "fe80::1%eth0", ", , ,", "unknown", "127.0.0.1, 203.0.113.9", "1.1.1.1, " * 900]
ABSURD_HEADERS = {  # headers a route reads or aiohttp acts on, and values they should not have
    "X-Returnbot-Timestamp": HOSTILE_TIMESTAMPS, "X-Slack-Request-Timestamp": HOSTILE_TIMESTAMPS,
    "X-Returnbot-Signature": ["v1=" + "0" * 64, "v1=" + "G" * 64, "V1=" + "a" * 64, "v1=" + "a" * 65, "v0=",
                              "v1=" + "\u00e9" * 64],
    "X-Slack-Signature": ["v0=" + "0" * 64, "v0=\u00e9", "v0", "v1=" + "0" * 64],
    "X-Telegram-Bot-Api-Secret-Token": ["", "x" * 300, "\u00e9", "secret"],
    "X-Forwarded-For": ADDRESSES, "X-Real-Ip": ADDRESSES, "X-Slack-Retry-Num": ["-1", "9" * 400, "x"],
    "Content-Encoding": ["gzip", "deflate", "br", "gzip, gzip", "identity", "x"],
    "Range": ["bytes=5-1", "bytes=0-", "bytes=-0", "bytes=99999999999999999999-", "lines=1-2"],
    "If-Modified-Since": ["Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "yesterday", "0"],
    "Expect": ["100-continue", "200-ok"], "Accept": ["*/*;q=0", "text/html" * 900],
    "Origin": ["null", "https://evil.example"],
}


def session_cookies() -> st.SearchStrategy:
    """Cookie header values the gateway did not issue."""
    return st.one_of(
        st.sampled_from(["", "rb_session=", "rb_session=.", "rb_session=abc", "rb_session=abc.def",
                         "rb_session=\"quoted.value\"", "=;=;=", "rb_session=a.b; rb_session=c.d",
                         "rb_session=" + "A" * 5000 + ".sig", "rb_session=\u00e9\u00e9.\u00e9",
                         "rb_session=%ED%A0%80.x", "rb_session=valid-looking-id.Zm9yZ2Vk"]),
        st.builds(lambda v: f"rb_session={v}", hostile_strings().filter(header_safe)),
        st.sampled_from([b"rb_session=\xff\xfe.\x80", b"rb_session=\xed\xa0\x80.x"]))


def header_safe(text: str) -> bool:
    """What an HTTP client can put in a header value at all (no line breaks or NULs; no surrogates)."""
    return not any(c in text for c in "\r\n\x00") and len(text) < 8000 and not any(
        "\ud800" <= c <= "\udfff" for c in text)


def hostile_header_values() -> st.SearchStrategy:
    return st.one_of(
        hostile_strings().filter(header_safe),
        st.sampled_from([b"\xff\xfe", b"\xed\xa0\x80", b"v1=\xff" + b"0" * 63, b"\x80" * 64]))


# Where a hostile request is broken, weighted: the body has the most to break. Every other part stays as
# the document says, so that the broken one is what the gateway has to deal with.
SITES = {"body value": 5, "body bytes": 2, "content type": 1, "parameter": 3, "cookie": 1, "credential": 1,
         "header": 1, "extra query": 1, "unwanted body": 1}


def _sites(doc: Dict[str, Any], operation: Operation) -> List[str]:
    schemes = operation.security(doc)
    possible = {
        "body value": bool(operation.body_media(doc)), "body bytes": bool(operation.body_media(doc)),
        "content type": bool(operation.body_media(doc)), "unwanted body": not operation.body_media(doc),
        "parameter": bool(operation.parameters(doc)), "credential": any(s["in"] != "cookie" for _, s in schemes),
        "cookie": True, "header": True, "extra query": True}
    return [site for site, weight in SITES.items() if possible[site] for _ in range(weight)]


@st.composite
def requests(draw: Callable, doc: Dict[str, Any], operation: Operation) -> Draft:
    """A request for `operation`: conforming to the document (about half), or with one or two of its parts
    broken."""
    mutations: List[str] = []
    broken = set()
    if draw(st.booleans(), label="hostile"):
        broken = set(draw(st.lists(st.sampled_from(_sites(doc, operation)), min_size=1, max_size=2), label="broken"))
    params = operation.parameters(doc)
    broken_param = draw(st.sampled_from([p["name"] for p in params])) if "parameter" in broken else None
    path_values: Dict[str, str] = {}
    query: List[Tuple[str, str]] = []
    headers: List[Tuple[str, HeaderValue]] = []
    for param in params:
        name, where, schema = param["name"], param["in"], param.get("schema", {})
        value: Any = draw(from_schema(doc, schema), label=f"{where} {name}")
        if where == "header" and name.lower().endswith("timestamp"):
            value = draw(st.sampled_from([NOW, NOW, NOW, STALE]))  # a conforming timestamp is a current one
        if name == broken_param:
            how = draw(st.sampled_from({"path": ["hostile", "trailing newline", "missing"],
                                        "query": ["hostile", "trailing newline", "missing", "repeated"],
                                        "header": ["hostile", "hostile", "missing"]}[where]))
            mutations.append(f"{how} {where} parameter {name}")
            if how == "hostile" and name.lower().endswith("timestamp"):
                value = draw(st.one_of(st.sampled_from(HOSTILE_TIMESTAMPS), hostile_header_values()))
            elif how == "hostile":
                value = draw(hostile_strings() if where != "header" else hostile_header_values())
            elif how == "trailing newline":
                value = str(value) + "\n"
            elif how == "missing":
                value = None
            else:
                query.append((name, encode(str(draw(hostile_strings())))))
        if value is None:
            if where == "path":
                value = ""
            else:
                continue
        if where == "path":
            path_values[name] = encode(value) if isinstance(value, str) else encode(str(value))
        elif where == "query":
            query.append((name, encode(value) if isinstance(value, str) else encode(dumps(value, True).decode())))
        elif where == "header":
            if isinstance(value, str) and not isinstance(value, Symbol) and not header_safe(value):
                value = value.encode("utf-8", "surrogatepass").replace(b"\r", b"").replace(b"\n", b"")
            headers.append((name, value))
    if "extra query" in broken:
        mutations.append("extra query parameters")
        query.append((encode(draw(st.text(max_size=10))), encode(draw(hostile_strings()))))

    credentials: Dict[str, HeaderValue] = {}
    cookie: Optional[HeaderValue] = None
    schemes = operation.security(doc)
    headed = [n for n, s in schemes if s["in"] != "cookie"]
    broken_scheme = draw(st.sampled_from(headed)) if "credential" in broken else None
    for name, scheme in schemes:
        if scheme["in"] == "cookie":
            cookie = draw(st.sampled_from(SESSION_KINDS))
            continue
        value = VALID
        if name == broken_scheme:
            value = draw(st.one_of(st.just(None), hostile_header_values()))
            mutations.append(f"{'missing' if value is None else 'bad'} {name}")
        credentials[name] = value
    if "cookie" in broken:
        cookie = draw(session_cookies())
        mutations.append(f"cookie {cookie!r:.60}")

    body: Optional[bytes] = None
    media = operation.body_media(doc)
    if media:
        content_type = draw(st.sampled_from(sorted(media)), label="content type")
        value = draw(from_schema(doc, media[content_type].get("schema", {})), label="body")
        if "body value" in broken:
            for _ in range(draw(st.integers(1, 2))):
                value, what = draw(mutated_value(value))
                mutations.append(what)
            if operation.signs_conforming_bodies_only:
                for name in credentials:
                    if credentials[name] is VALID:
                        credentials[name] = draw(hostile_header_values())
                        mutations.append(f"bad {name} (a body with broken fields goes unsigned)")
        if content_type == "application/x-www-form-urlencoded":
            body = "&".join(f"{encode(str(k))}={encode(v if isinstance(v, str) else dumps(v, True).decode())}"
                            for k, v in (value.items() if isinstance(value, dict) else [("payload", value)])
                            ).encode()
        else:
            body = dumps(value, ascii_only=draw(st.booleans(), label="ascii json"))
        if "body bytes" in broken:
            body, what = draw(mutated_bytes(body))
            mutations.append(what)
        sent_type: Optional[str] = content_type
        if "content type" in broken:
            sent_type = draw(st.sampled_from(HOSTILE_CONTENT_TYPES))
            mutations.append(f"content type {sent_type!r}")
        if sent_type is not None:
            headers.append(("Content-Type", sent_type))
    elif "unwanted body" in broken:
        body = draw(st.sampled_from([b"{}", b"x" * 70_000, b"\xff\xfe", b'{"text": "\\ud800"}']))
        headers.append(("Content-Type", draw(st.sampled_from(["application/json", "text/plain"]))))
        mutations.append("a body the route does not take")

    if "header" in broken:
        for name, value in draw(st.lists(st.sampled_from(list(ABSURD_HEADERS)).flatmap(
                lambda name: st.tuples(st.just(name), st.one_of(st.sampled_from(ABSURD_HEADERS[name]),
                                                                hostile_header_values()))),
                min_size=1, max_size=3), label="absurd headers"):
            if isinstance(value, str) and not header_safe(value):
                continue
            if name == "Content-Encoding" and body is None:
                continue  # framing: aiohttp's client decides it from the body it sends
            headers = [(n, v) for n, v in headers if n.lower() != name.lower()] + [(name, value)]
            mutations.append(f"header {name}: {value!r:.40}")
    return Draft(operation, path_values, query, headers, body, cookie, credentials, mutations)


__all__: Sequence[str] = ("DOCUMENT", "NOW", "STALE", "SESSION_KINDS", "VALID", "Draft", "Operation", "Symbol",
                          "encode", "from_schema", "load_document", "operations", "requests", "resolve")
