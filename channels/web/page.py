"""What the web chat and the returns portal pages share: their files, the headers every page gets
and the shop's name in their titles."""
from __future__ import annotations

import html
from pathlib import Path

from aiohttp import web

from bot.language import accept_language, served

DEFAULT_SHOP_NAME = "returnbot demo shop"
STATIC_DIR = Path(__file__).parent / "static"

# The page loads nothing from elsewhere; bot images may come from https hosts.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
STATIC_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


def page_text(filename: str, shop_name: str) -> str:
    """The page `filename` of the static folder with the shop's name (escaped) in it."""
    page = (STATIC_DIR / filename).read_text(encoding="utf-8")
    return page.replace("{{shop_name}}", html.escape(shop_name or DEFAULT_SHOP_NAME))


def static_file(request: web.Request) -> web.FileResponse:
    """The static file its route matched as `name` (each route's pattern names the files it serves)."""
    return web.FileResponse(STATIC_DIR / request.match_info["name"], headers=STATIC_HEADERS)


def page_language(request: web.Request) -> str:
    """The language a page or an API answer is in: `?lang=` (the links the chat gives carry the
    conversation's language), else the browser's `Accept-Language`, else English."""
    asked = served(request.query.get("lang"))
    if asked:
        return asked
    ranked = accept_language(request.headers.get("Accept-Language", ""))
    return ranked[0] if ranked else "en"
