"""`returnbot sources`: connect the marketplaces orders are read from live (docs/sources.md).

- `sources add shopify|amazon|ebay` takes the credentials from the environment or the sources file,
  asks for any that are missing (secrets without echo), checks them against the marketplace's API
  and says what they can read. Only then does it save what it asked for in the sources file
  (`var/sources.env` or `RETURNBOT_SOURCES_FILE`, mode 600). `--check-only` saves nothing.
- `sources status` says which marketplaces are on, how many orders each has cached, when each was
  last synced and its last error.
- `sources sync` reads what changed at each marketplace once.
Secrets are never printed.
"""
from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional

from bot.ports import SourceError
from bot.source_settings import REQUIRED, SourceSettings, SourceSettingsError, write_sources_file

Prompt = Callable[[str, bool], str]  # (variable name, secret?) -> value


def _ask(name: str, secret: bool) -> str:
    if not sys.stdin.isatty():
        raise SourceSettingsError(f"{name} is not set: set it in the environment or run this in a terminal")
    return (getpass.getpass if secret else input)(f"{name}: ").strip()


def sources_file(settings: Any) -> Path:
    sources: SourceSettings = settings.sources
    return sources.file or Path(settings.var_dir) / "sources.env"


def add(name: str, settings: Any, *, check_only: bool = False, prompt: Prompt = _ask,
        env: Optional[Mapping[str, str]] = None, out=print, **io: Any) -> int:
    """Check (and save) one marketplace's credentials; 0 when they work, 1 when refused, 2 when missing."""
    from integrations.sources import TITLES, build_source

    title = TITLES[name]
    path = sources_file(settings)
    known: Dict[str, str] = dict(env or {})
    asked: Dict[str, str] = {}
    try:
        current = SourceSettings.from_env(known, path)
        for variable, secret in REQUIRED[name]:
            if not _value_of(current, variable):
                value = prompt(variable, secret)
                if not value:
                    raise SourceSettingsError(f"{variable} is needed for {title}")
                asked[variable] = value
        candidate = SourceSettings.from_env({**known, **asked}, path)
    except SourceSettingsError as exc:
        out(f"returnbot: {exc}")
        return 2
    source = build_source(name, candidate, **io)
    try:
        found = source.check()
    except SourceError as exc:
        out(f"{title}: the credentials do not work: {exc.message}")
        out("nothing was saved." if not check_only else "")
        return 1
    finally:
        source.close()
    out(f"{title}: connected to {found['account']}")
    out(f"  can read: {', '.join(found['scopes']) or 'nothing listed'}")
    for missing in found["missing"]:
        out(f"  missing: {missing}")
    if check_only:
        return 0
    if asked:
        write_sources_file(path, asked)
        out(f"saved {', '.join(sorted(asked))} in {path} (readable by you only)")
    else:
        out("the credentials come from the environment or the sources file; nothing to save")
    return 0


def _value_of(settings: SourceSettings, variable: str) -> Optional[str]:
    fields = {"SHOPIFY_SHOP": "shopify_shop", "SHOPIFY_ACCESS_TOKEN": "shopify_access_token",
              "AMAZON_LWA_CLIENT_ID": "amazon_client_id", "AMAZON_LWA_CLIENT_SECRET": "amazon_client_secret",
              "AMAZON_REFRESH_TOKEN": "amazon_refresh_token", "EBAY_CLIENT_ID": "ebay_client_id",
              "EBAY_CLIENT_SECRET": "ebay_client_secret", "EBAY_REFRESH_TOKEN": "ebay_refresh_token"}
    return getattr(settings, fields[variable])


def status(settings: Any, engine: Any, *, as_json: bool = False, out=print) -> int:
    from bot.sql.order_sources import SqlOrderSources
    from integrations.sources import TITLES

    configured = settings.sources.configured()
    states = {s.source: s for s in SqlOrderSources(engine).states()}
    rows: List[Dict[str, Any]] = []
    for name, title in TITLES.items():
        state = states.get(name)
        rows.append({"source": name, "on": name in configured, "orders": state.orders if state else 0,
                     "synced_at": state.synced_at.isoformat() if state and state.synced_at else None,
                     "error": state.error if state else None,
                     "error_at": state.error_at.isoformat() if state and state.error_at else None})
    if as_json:
        out(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        if not row["on"]:
            out(f"{TITLES[row['source']]}: off (returnbot sources add {row['source']})")
            continue
        synced = row["synced_at"] or "never"
        out(f"{TITLES[row['source']]}: on, {row['orders']} orders cached, last synced {synced}")
        if row["error"]:
            out(f"  last error ({row['error_at']}): {row['error']}")
    return 0


def sync(services: Any, *, out=print, **io: Any) -> int:
    from integrations.sources import build_sources, live_orders, mirror_returns

    sources = build_sources(services.settings.sources, **io)
    if not sources:
        out("no marketplace is configured; see docs/sources.md")
        return 0
    live = live_orders(services, sources)
    failed = False
    for name in live.sources:
        result = live.sync(name)
        out(f"{name}: {result.read} orders read, {result.stored} kept"
            + (f", {len(result.refused)} owned by another source" if result.refused else "")
            + (f", {len(result.refunded)} returns refunded there" if result.refunded else ""))
        if result.error:
            failed = True
            out(f"  stopped: {result.error.message}")
    for name, done, error in mirror_returns(live):
        out(f"{name}: {len(done)} returns created in the admin")
        if error:
            failed = True
            out(f"  stopped: {error.message}")
    return 1 if failed else 0


def cmd_add(args, settings) -> int:
    import os

    return add(args.source, settings, check_only=args.check_only, env=os.environ)


def cmd_status(args, settings) -> int:
    from bot.store import make_engine

    engine = make_engine(settings.database_url)
    try:
        return status(settings, engine, as_json=args.json)
    finally:
        engine.dispose()


def cmd_sync(args, settings) -> int:
    from bot.bootstrap import build

    return sync(build(settings))


def add_parser(sub) -> None:
    """`returnbot sources ...` (registered by cli/main.py)."""
    sources = sub.add_parser("sources", help="marketplaces orders are read from live (Shopify, Amazon, eBay)",
                             description="Connect Shopify, Amazon SP-API and eBay, so customers' orders are read "
                                         "live; see docs/sources.md.")
    actions = sources.add_subparsers(dest="sources_command", required=True, metavar="ACTION")
    adding = actions.add_parser("add", help="check a marketplace's credentials and save them",
                                description="Take the credentials from the environment or the sources file, ask for "
                                            "the missing ones, check them against the API, say what they can read "
                                            "and save what was asked in the sources file (mode 600). Exit status 1 "
                                            "when the marketplace refuses them (nothing saved).")
    adding.add_argument("source", choices=("shopify", "amazon", "ebay"))
    adding.add_argument("--check-only", action="store_true", help="check, save nothing")
    adding.set_defaults(func=cmd_add)
    state = actions.add_parser("status", help="which marketplaces are on, their cached orders, last sync and error")
    state.add_argument("--json", action="store_true", help="print JSON")
    state.set_defaults(func=cmd_status)
    once = actions.add_parser("sync", help="read what changed at each marketplace, once")
    once.set_defaults(func=cmd_sync)
