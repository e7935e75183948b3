"""Web chat channel: the customer chat page and its JSON API (see `add_web_routes`)."""
from channels.web.app import DEFAULT_SHOP_NAME, MAX_BODY_BYTES, add_web_routes

__all__ = ["DEFAULT_SHOP_NAME", "MAX_BODY_BYTES", "add_web_routes"]
