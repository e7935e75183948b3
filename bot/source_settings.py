"""Settings of the marketplaces orders are read from live (docs/sources.md): Shopify, Amazon SP-API
and eBay. Each is on when its credentials are set, in the environment or in a sources file: lines
`NAME=value` (blank lines and `#` comments allowed) in `RETURNBOT_SOURCES_FILE`, by default
`var/sources.env` when it exists (what `returnbot sources add` writes; a file named in
`RETURNBOT_SOURCES_FILE` that does not exist yet counts as empty, and `sources add` makes it). The file must belong to the
user returnbot runs as and be readable by nobody else (mode 600), or it is refused. The
environment wins over the file. Secrets are kept out of `repr`.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

SOURCES = ("shopify", "amazon", "ebay")
AMAZON_REGIONS = ("NA", "EU", "FE")
AMAZON_PII = ("rdt", "none")
# what each source needs, in the order `returnbot sources add` asks for it; True: a secret
REQUIRED: Dict[str, Tuple[Tuple[str, bool], ...]] = {
    "shopify": (("SHOPIFY_SHOP", False), ("SHOPIFY_ACCESS_TOKEN", True)),
    "amazon": (("AMAZON_LWA_CLIENT_ID", False), ("AMAZON_LWA_CLIENT_SECRET", True), ("AMAZON_REFRESH_TOKEN", True)),
    "ebay": (("EBAY_CLIENT_ID", False), ("EBAY_CLIENT_SECRET", True), ("EBAY_REFRESH_TOKEN", True)),
}
OPTIONAL = {
    "shopify": ("SHOPIFY_WEBHOOK_SECRET", "SHOPIFY_CREATE_RETURNS", "SHOPIFY_API_BASE_URL"),
    "amazon": ("AMAZON_REGION", "AMAZON_MARKETPLACE_IDS", "AMAZON_PII", "AMAZON_API_BASE_URL", "AMAZON_LWA_BASE_URL"),
    "ebay": ("EBAY_SANDBOX", "EBAY_API_BASE_URL"),
}


class SourceSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class SourceSettings:
    shopify_shop: Optional[str] = None
    shopify_access_token: Optional[str] = field(default=None, repr=False)
    shopify_webhook_secret: Optional[str] = field(default=None, repr=False)  # the app's client secret
    shopify_api_base_url: Optional[str] = None
    shopify_create_returns: bool = False  # RMAs of Shopify orders become returns in Shopify's admin
    amazon_client_id: Optional[str] = None
    amazon_client_secret: Optional[str] = field(default=None, repr=False)
    amazon_refresh_token: Optional[str] = field(default=None, repr=False)
    amazon_region: str = "NA"
    amazon_marketplace_ids: Tuple[str, ...] = ("ATVPDKIKX0DER",)
    amazon_pii: str = "rdt"
    amazon_api_base_url: Optional[str] = None
    amazon_lwa_base_url: Optional[str] = None
    ebay_client_id: Optional[str] = None
    ebay_client_secret: Optional[str] = field(default=None, repr=False)
    ebay_refresh_token: Optional[str] = field(default=None, repr=False)
    ebay_sandbox: bool = False
    ebay_api_base_url: Optional[str] = None
    max_age_minutes: int = 15  # a cached order older than this is read again when a customer names it
    sync_minutes: int = 10  # how often the gateway syncs each source (0: never; webhooks and lookups only)
    file: Optional[Path] = None  # the sources file read, if any

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, default_file: Optional[Path] = None) -> "SourceSettings":
        path = (env.get("RETURNBOT_SOURCES_FILE") or "").strip()
        file = Path(path) if path else (default_file if default_file and default_file.exists() else None)
        # a file named but not made yet is empty: `returnbot sources add` makes it
        values: Dict[str, str] = dict(read_sources_file(file)) if file and file.exists() else {}
        values.update({k: v for k, v in env.items() if v is not None and v.strip() != ""})
        get = lambda name: (values.get(name) or "").strip() or None  # noqa: E731
        for source in SOURCES:
            given = [name for name, _ in REQUIRED[source] if get(name)]
            if given and len(given) != len(REQUIRED[source]):
                missing = [name for name, _ in REQUIRED[source] if not get(name)]
                raise SourceSettingsError(f"{', '.join(missing)} missing: {source} needs "
                                          f"{', '.join(n for n, _ in REQUIRED[source])}; see docs/sources.md")
        for name in ("SHOPIFY_ACCESS_TOKEN", "AMAZON_REFRESH_TOKEN", "EBAY_REFRESH_TOKEN", "AMAZON_LWA_CLIENT_SECRET",
                     "EBAY_CLIENT_SECRET", "SHOPIFY_WEBHOOK_SECRET"):
            if get(name) and any(c.isspace() for c in get(name)):
                raise SourceSettingsError(f"{name} must be the value alone, without spaces")
        for name in ("SHOPIFY_API_BASE_URL", "AMAZON_API_BASE_URL", "AMAZON_LWA_BASE_URL", "EBAY_API_BASE_URL"):
            if get(name) and not get(name).startswith(("https://", "http://")):
                raise SourceSettingsError(f"{name} must be an https:// URL")
        region = (get("AMAZON_REGION") or "NA").upper()
        if region not in AMAZON_REGIONS:
            raise SourceSettingsError(f"AMAZON_REGION must be one of {', '.join(AMAZON_REGIONS)}, got {region!r}")
        pii = (get("AMAZON_PII") or "rdt").lower()
        if pii not in AMAZON_PII:
            raise SourceSettingsError(f"AMAZON_PII must be one of {', '.join(AMAZON_PII)}, got {pii!r}")
        marketplaces = tuple(m.strip() for m in (get("AMAZON_MARKETPLACE_IDS") or "ATVPDKIKX0DER").split(",")
                             if m.strip())
        return cls(
            shopify_shop=get("SHOPIFY_SHOP"), shopify_access_token=get("SHOPIFY_ACCESS_TOKEN"),
            shopify_webhook_secret=get("SHOPIFY_WEBHOOK_SECRET"),
            shopify_api_base_url=(get("SHOPIFY_API_BASE_URL") or "").rstrip("/") or None,
            shopify_create_returns=_yes(get("SHOPIFY_CREATE_RETURNS")),
            amazon_client_id=get("AMAZON_LWA_CLIENT_ID"), amazon_client_secret=get("AMAZON_LWA_CLIENT_SECRET"),
            amazon_refresh_token=get("AMAZON_REFRESH_TOKEN"), amazon_region=region,
            amazon_marketplace_ids=marketplaces, amazon_pii=pii,
            amazon_api_base_url=(get("AMAZON_API_BASE_URL") or "").rstrip("/") or None,
            amazon_lwa_base_url=(get("AMAZON_LWA_BASE_URL") or "").rstrip("/") or None,
            ebay_client_id=get("EBAY_CLIENT_ID"), ebay_client_secret=get("EBAY_CLIENT_SECRET"),
            ebay_refresh_token=get("EBAY_REFRESH_TOKEN"),
            ebay_sandbox=_yes(get("EBAY_SANDBOX")),
            ebay_api_base_url=(get("EBAY_API_BASE_URL") or "").rstrip("/") or None,
            max_age_minutes=_number(get, "RETURNBOT_ORDER_MAX_AGE_MINUTES", 15, 1),
            sync_minutes=_number(get, "RETURNBOT_ORDER_SYNC_MINUTES", 10, 0),
            file=file,
        )

    def configured(self) -> Tuple[str, ...]:
        """The sources whose credentials are set, in SOURCES order."""
        on = {"shopify": self.shopify_access_token, "amazon": self.amazon_refresh_token,
              "ebay": self.ebay_refresh_token}
        return tuple(s for s in SOURCES if on[s])


def _yes(value: Optional[str]) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


def _number(get, name: str, default: int, least: int) -> int:
    raw = get(name)
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise SourceSettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < least:
        raise SourceSettingsError(f"{name} must be at least {least}")
    return value


def read_sources_file(path: Path) -> Dict[str, str]:
    """`NAME=value` lines of a sources file that only its owner, returnbot's user, can read."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SourceSettingsError(f"RETURNBOT_SOURCES_FILE {path} does not exist") from None
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise SourceSettingsError(f"{path} must belong to the user returnbot runs as")
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise SourceSettingsError(f"{path} is readable by others: chmod 600 {path}")
    values: Dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip().replace("_", "").isalnum():
            raise SourceSettingsError(f"{path} line {number}: expected NAME=value")
        values[name.strip()] = value.strip()
    return values


def write_sources_file(path: Path, updates: Mapping[str, str]) -> None:
    """Add or replace `updates` in the sources file, created readable by its owner only."""
    current = read_sources_file(path) if path.exists() else {}
    current.update(updates)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# returnbot marketplace credentials (docs/sources.md); keep this file mode 600\n")
        out.writelines(f"{k}={v}\n" for k, v in sorted(current.items()))
    os.chmod(temp, 0o600)
    os.replace(temp, path)
