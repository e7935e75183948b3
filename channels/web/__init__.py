"""Web chat channel: the customer chat page and its JSON API (see `add_web_routes`), and the
self-service returns portal on the same sessions (see `channels.web.portal`)."""
from channels.web.app import DEFAULT_SHOP_NAME, MAX_BODY_BYTES, add_web_routes
from channels.web.portal import add_portal_routes

__all__ = ["DEFAULT_SHOP_NAME", "MAX_BODY_BYTES", "add_portal_routes", "add_web_routes"]
