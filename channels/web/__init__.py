"""Web chat channel: the customer chat page and its JSON API (see `add_web_routes`), and the
self-service returns portal on the same sessions (see `channels.web.portal`).

The portal is not a channel of its own: its conversations are the chat's (`web:<session id>`, one
cookie, `channels.web.session`) and what it says goes to the same page. `web_channel` is the
gateway's entry: both pages and the slip downloads as one routes-only channel that renders the
replies of `web:` conversations (the page pulls them; nothing is sent)."""
from __future__ import annotations

from functools import partial

from channels.contract import Channel, Hub, RoutesChannel
from channels.limits import SESSION_DEFAULTS, ClientAddresses, Limit, WindowCounter
from channels.web.app import MAX_BODY_BYTES, add_web_routes, web_payloads
from channels.web.page import DEFAULT_SHOP_NAME
from channels.web.portal import add_portal_routes
from channels.web.session import CHANNEL

__all__ = ["DEFAULT_SHOP_NAME", "MAX_BODY_BYTES", "add_portal_routes", "add_web_routes", "web_channel"]


def web_channel(hub: Hub) -> Channel:
    """The web chat, the returns portal and slip downloads on the gateway's router and outbox. Settings:
    the secret (session cookies), shop name, public URL (https: `Secure` cookies), trusted proxies,
    the shop's contact and the limits on new sessions."""
    settings, services = hub.settings, hub.services
    return RoutesChannel(CHANNEL, partial(
        add_web_routes, router=hub.router, outbox=hub.outbox, store=services.store,
        slip_pdf=services.returns.slip_pdf, secret=settings.secret, shop_name=settings.shop_name or DEFAULT_SHOP_NAME,
        secure_cookie=settings.public_url.startswith("https://"), returns=services.returns,
        addresses=ClientAddresses(getattr(settings, "trusted_proxies", ())),
        contact=getattr(settings, "shop_contact", ""),
        sessions=WindowCounter(Limit.of(settings, "session", SESSION_DEFAULTS))), renderer=web_payloads)
