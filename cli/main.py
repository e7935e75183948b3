"""`returnbot`: the merchant's command line. `returnbot SUBCOMMAND --help` explains each one."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

from bot.settings import ROOT, Settings, SettingsError

DEMO_STORE = ROOT / "data" / "demo_orders.json"


def _services(settings: Settings):
    from bot.bootstrap import build

    return build(settings)


def _today():
    return datetime.now(timezone.utc).date()


def cmd_run(args, settings: Settings) -> int:
    from cli.model import ensure_model
    from cli.stack import Stack, StackError

    services = _services(settings)
    if services.store.count_orders() == 0 and not args.no_demo:
        _import(services, DEMO_STORE, rebase=True)
    model = ensure_model()
    stack = Stack(settings, model, log_dir=settings.var_dir / "logs" if args.quiet else None)
    print("starting the Rasa server, the action server and the gateway...", flush=True)
    try:
        stack.start()
    except StackError as exc:
        print(f"returnbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C while starting: leave nothing behind
        stack.stop()
        return 130
    _announce_channels(settings)
    print(f"\n  returnbot is up. Web chat: {settings.public_url}\n  Ctrl-C stops everything.\n", flush=True)
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # Ctrl-C, kill, closed terminal
        signal.signal(signum, lambda *_: stopping.append(True))
    while stack.alive() and not stopping:
        time.sleep(0.5)
    print("stopping...", flush=True)
    crashed = not stack.alive() and not stopping
    stack.stop()
    print("stopped.")
    return 1 if crashed else 0


def _announce_channels(settings: Settings) -> None:
    if not settings.telegram_bot_token:
        print("Telegram: off (set TELEGRAM_BOT_TOKEN to turn it on; see README).")
    if not (settings.slack_bot_token and settings.slack_app_token):
        print("Slack: off (set SLACK_BOT_TOKEN and SLACK_APP_TOKEN to turn it on; handoffs are listed by "
              "`returnbot handoffs list`).")


def cmd_train(args, settings: Settings) -> int:
    from cli.model import ensure_model

    ensure_model(force=args.force)
    return 0


def _import(services, path: Path, rebase: bool) -> None:
    from bot.importer import load_orders_file

    orders = load_orders_file(path, rebase_to=_today() if rebase else None)
    inserted, updated = services.store.upsert_orders(orders)
    print(f"imported {len(orders)} orders from {path.name}: {inserted} new, {updated} updated")


def cmd_import_orders(args, settings: Settings) -> int:
    from bot.importer import OrderImportError

    path = Path(args.file)
    if not path.exists():
        print(f"returnbot: no such file: {path}", file=sys.stderr)
        return 2
    try:
        _import(_services(settings), path, rebase=args.rebase_dates)
    except OrderImportError as exc:
        print(f"returnbot: {path.name}: {exc}", file=sys.stderr)
        print("nothing was imported.", file=sys.stderr)
        return 1
    return 0


def _rma_dict(rma) -> dict:
    return {
        "rma_id": rma.rma_id, "order_id": rma.order_id, "line_id": rma.line_id, "quantity": rma.quantity,
        "reason": rma.reason.value, "resolution": rma.resolution.value, "outcome": rma.outcome.value,
        "status": rma.status.value, "refund": str(rma.refund.amount), "currency": rma.refund.currency,
        "created_at": rma.created_at.isoformat(),
        "refunded_at": rma.refunded_at.isoformat() if rma.refunded_at else None,
    }


def cmd_returns_list(args, settings: Settings) -> int:
    rows = [_rma_dict(r) for r in _services(settings).store.list_rmas()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no returns yet")
    for r in rows:
        print(f"{r['rma_id']}  {r['order_id']:<22} {r['line_id']:<4} {r['status']:<14} {r['outcome']:<18} "
              f"{r['refund']:>9} {r['currency']}  {r['created_at'][:16]}")
    return 0


def cmd_returns_update(args, settings: Settings) -> int:
    from bot.ids import parse_rma_id
    from bot.models import RmaStatus

    rma_id = parse_rma_id(args.rma)
    if rma_id is None:
        print(f"returnbot: {args.rma!r} is not a valid RMA number (check for typos)", file=sys.stderr)
        return 2
    rma = _services(settings).returns.update_rma_status(rma_id, RmaStatus(args.status), note=args.note or "")
    if rma is None:
        print(f"returnbot: no return {rma_id}", file=sys.stderr)
        return 1
    print(f"{rma.rma_id}: {rma.status.value}")
    return 0


def cmd_orders_show(args, settings: Settings) -> int:
    from bot.text import parse_order_id

    services = _services(settings)
    order_id = parse_order_id(args.order_id) or args.order_id
    order = services.store.get_order(order_id)
    if order is None:
        print(f"returnbot: no order {args.order_id}", file=sys.stderr)
        return 1
    data = {
        "order_id": order.order_id, "channel": order.channel.value, "fulfillment": order.fulfillment.value,
        "status": order.status.value, "customer": order.customer.__dict__, "currency": order.currency,
        "placed_at": order.placed_at.isoformat(),
        "delivered_at": order.delivered_at.isoformat() if order.delivered_at else None,
        "carrier": order.carrier, "tracking_number": order.tracking_number,
        "lines": [{"line_id": l.line_id, "sku": l.sku, "title": l.title, "category": l.category,
                   "quantity": l.quantity, "unit_price": str(l.unit_price),
                   "returned_quantity": l.returned_quantity} for l in order.lines],
        "returns": [_rma_dict(r) for r in services.store.rmas_for_order(order.order_id)],
    }
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(f"{order.order_id}  {order.channel.value}/{order.fulfillment.value}  {order.status.value}  "
          f"{order.customer.name} <{order.customer.email}>")
    for line in data["lines"]:
        print(f"  {line['line_id']:<4} {line['title']:<40} x{line['quantity']} {line['unit_price']:>9} {order.currency}"
              f"  ({line['category']}, returned {line['returned_quantity']})")
    for rma in data["returns"]:
        print(f"  return {rma['rma_id']} for {rma['line_id']}: {rma['status']}")
    return 0


def cmd_handoffs_list(args, settings: Settings) -> int:
    handoffs = _services(settings).store.list_handoffs(status=args.status)
    rows = [{"handoff_id": h.handoff_id, "conversation_id": h.conversation_id, "reason": h.reason,
             "order_id": h.order_id, "status": h.status, "created_at": h.created_at.isoformat(),
             "summary": h.summary, "signals": list(h.signals)} for h in handoffs]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no handoffs")
    for h in rows:
        print(f"#{h['handoff_id']:<4} {h['status']:<7} {h['reason']:<17} {h['order_id'] or '-':<22} "
              f"{h['conversation_id']}  {h['created_at'][:16]}\n       {h['summary']}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="returnbot", description="Self-hostable returns assistant.")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="start Rasa, the action server and the gateway (web chat)",
                         description="Import the demo store if the database is empty, train the model if its "
                                     "inputs changed, start everything and wait; Ctrl-C stops all of it.")
    run.add_argument("--no-demo", action="store_true", help="do not import the demo store into an empty database")
    run.add_argument("--quiet", action="store_true", help="write process output to var/logs/ instead of here")
    run.set_defaults(func=cmd_run)

    train = sub.add_parser("train", help="train the Rasa model if its inputs changed",
                           description="Train the model from config.yml, domain.yml, nlu_data/ and rules/, "
                                       "only when they changed (models are cached by a hash of the inputs).")
    train.add_argument("--force", action="store_true", help="train even if an up-to-date model exists")
    train.set_defaults(func=cmd_train)

    imp = sub.add_parser("import-orders", help="load orders from a JSON or CSV file (idempotent)",
                         description="Insert or update orders from FILE (.json or .csv; see docs/orders-format.md). "
                                     "A bad file is rejected whole, naming the record and field.")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--rebase-dates", action="store_true",
                     help="shift all dates so the file's anchor_date is today (used for the demo store)")
    imp.set_defaults(func=cmd_import_orders)

    returns = sub.add_parser("returns", help="list or update returns (RMAs)",
                             description="List returns, or move one to a new status.")
    returns_sub = returns.add_subparsers(dest="returns_command", required=True, metavar="ACTION")
    listing = returns_sub.add_parser("list", help="list returns, newest first", description="List returns.")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=cmd_returns_list)
    update = returns_sub.add_parser("update", help="set a return's status", description="Set a return's status.")
    update.add_argument("rma", metavar="RMA")
    update.add_argument("--status", required=True, choices=[
        "authorised", "label_created", "in_transit", "received", "inspected", "refunded", "rejected"])
    update.add_argument("--note", help="a note kept with the status change")
    update.set_defaults(func=cmd_returns_update)

    orders = sub.add_parser("orders", help="look up orders", description="Look up orders.")
    orders_sub = orders.add_subparsers(dest="orders_command", required=True, metavar="ACTION")
    show = orders_sub.add_parser("show", help="show one order with its returns", description="Show one order.")
    show.add_argument("order_id", metavar="ORDER_ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=cmd_orders_show)

    handoffs = sub.add_parser("handoffs", help="conversations handed to a person",
                              description="Conversations handed to a person.")
    handoffs_sub = handoffs.add_subparsers(dest="handoffs_command", required=True, metavar="ACTION")
    hlist = handoffs_sub.add_parser("list", help="list handoffs", description="List handoffs, oldest first.")
    hlist.add_argument("--status", choices=["open", "claimed", "closed"])
    hlist.add_argument("--json", action="store_true", help="print JSON")
    hlist.set_defaults(func=cmd_handoffs_list)
    return top


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        print(f"returnbot: {exc}", file=sys.stderr)
        return 2
    return args.func(args, settings)


if __name__ == "__main__":
    sys.exit(main())
