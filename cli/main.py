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

from bot.settings import PROFILES, ROOT, Settings, SettingsError

DEMO_STORE = ROOT / "data" / "demo_orders.json"


def _services(settings: Settings):
    from bot.bootstrap import build

    return build(settings)


def _today():
    return datetime.now(timezone.utc).date()


def cmd_run(args, settings: Settings) -> int:
    from cli.model import ensure_model
    from cli.stack import Stack, StackError, prepare_database

    if args.profile:
        try:
            settings = Settings.from_env({**os.environ, "RETURNBOT_PROFILE": args.profile})
        except SettingsError as exc:
            print(f"returnbot: {exc}", file=sys.stderr)
            return 2
    if not settings.database_url.startswith("sqlite"):
        try:
            prepare_database(settings)  # the database, made if missing, and every table
        except StackError as exc:
            print(f"returnbot: {exc}", file=sys.stderr)
            return 1
    services = _services(settings)
    if services.store.count_orders() == 0 and not args.no_demo:
        _import(services, DEMO_STORE, rebase=True)
    model = ensure_model()
    stack = Stack(settings, model, log_dir=settings.var_dir / "logs" if args.quiet else None)
    if settings.rasa_replicas > 1 or settings.rabbitmq_url:
        print(f"starting {settings.rasa_replicas} Rasa servers, {settings.rasa_replicas} action servers, the gateway"
              + (" and the stats consumer" if settings.rabbitmq_url else "") + "...", flush=True)
    else:
        print("starting the Rasa server, the action server and the gateway...", flush=True)
    try:
        stack.start()
    except StackError as exc:
        print(f"returnbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C while starting: leave nothing behind
        stack.stop()
        return 130
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):  # Ctrl-C, kill, closed terminal
        signal.signal(signum, lambda *_: stopping.append(True))
    try:
        _announce_channels(settings)
        print(f"\n  returnbot is up. Web chat: {settings.public_url}\n  Ctrl-C stops everything.\n", flush=True)
        while stack.alive() and not stopping:
            time.sleep(0.5)
        _say("stopping...")
    finally:  # whatever happens here (even a closed terminal), the three processes stop
        crashed = not stack.alive() and not stopping
        stack.stop()
    _say("stopped.")
    return 1 if crashed else 0


def _say(text: str) -> None:
    """Print, even when nobody reads our output any more (the terminal or a pipe closed)."""
    try:
        print(text, flush=True)
    except (BrokenPipeError, OSError):
        pass


def _announce_channels(settings: Settings) -> None:
    if settings.telegram_bot_token:
        print("Telegram: on (" + ("webhook" if settings.telegram_webhook_url else "long polling") + ").")
    else:
        print("Telegram: off (set TELEGRAM_BOT_TOKEN to turn it on; see docs/telegram.md).")
    if settings.slack_bot_token:
        mode = "Socket Mode" if settings.slack_app_token else f"HTTP at {settings.public_url}/slack/events"
        print(f"Slack: on ({mode}); handoff cards go to channel {settings.slack_channel_id}.")
    else:
        print("Slack: off (handoffs are kept: `returnbot handoffs list`; to bring agents in, see docs/slack.md).")


def cmd_train(args, settings: Settings) -> int:
    from cli.model import ensure_models
    from cli.reload import reload_model

    models = ensure_models(force=args.force)
    if args.no_reload:
        return 0
    # a new language model alone is loaded by reloading the bot's model too (rasa_ext/languages.py)
    result = reload_model(settings, models.bot, force=args.force or any(lang != "en" for lang in models.new))
    print(result.message)
    return 0 if result.ok else 1


def cmd_nlu_eval(args, settings: Settings) -> int:
    from cli.nlu_eval import DEFAULT_TEST_SETS, FRESH, REPORT_DIR, run_eval

    test_sets = [Path(p).resolve() for p in args.test_set] if args.test_set else list(DEFAULT_TEST_SETS)
    missing = [str(p) for p in test_sets if not p.exists() and (args.test_set or p != FRESH)]
    if missing:
        print(f"returnbot: no such test set: {', '.join(missing)}", file=sys.stderr)
        return 2
    out_dir = Path(args.out).resolve() if args.out else REPORT_DIR
    candidates = [Path(p).resolve() for p in args.candidate or ()]
    missing = [str(p) for p in candidates if not p.exists()]
    if missing:
        print(f"returnbot: no such pipeline config: {', '.join(missing)}", file=sys.stderr)
        return 2
    results = run_eval(test_sets, out_dir, with_rasa_default=not args.skip_rasa_default,
                       rasa_default_epochs=args.rasa_default_epochs, candidates=candidates)
    print(results["table"])
    print(f"\nreport: {out_dir}/ (latest.json, summary.txt, confusion_matrix.png, misclassified.md/.csv)")
    return 0


def cmd_nlu_check(args, settings: Settings) -> int:
    from cli.nlu_tools import language_paths, languages, run_check

    status = 0
    for language in ([args.language] if args.language else languages()):
        print(f"\n== {language} ==")
        training, tests = language_paths(language)
        status |= run_check(training, tests, with_rasa=not args.no_rasa, verbose=args.verbose)
    return status


def cmd_nlu_review(args, settings: Settings) -> int:
    from cli.nlu_tools import run_review

    return run_review(settings, threshold=args.threshold, limit=args.limit, tracker=args.tracker,
                      export=Path(args.export) if args.export else None,
                      import_=Path(args.import_file) if args.import_file else None, list_only=args.list,
                      language=args.language)


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
    return _emit(rows, args.json, "no returns yet", lambda r: (
        f"{r['rma_id']}  {r['order_id']:<22} {r['line_id']:<4} {r['status']:<14} {r['outcome']:<18} "
        f"{r['refund']:>9} {r['currency']}  {r['created_at'][:16]}"))


def _emit(rows: List[dict], as_json: bool, when_empty: str, line) -> int:
    """Print rows as JSON, or one formatted line each (a sentence when there are none)."""
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(when_empty)
    for row in rows:
        print(line(row))
    return 0


def cmd_returns_update(args, settings: Settings) -> int:
    from bot.ids import parse_rma_id
    from bot.models import RmaStatus

    rma_id = parse_rma_id(args.rma)
    if rma_id is None:
        print(f"returnbot: {args.rma!r} is not a valid RMA number (check for typos)", file=sys.stderr)
        return 2
    from bot.return_updates import RefusedUpdate, UnknownRma

    try:
        recorded = _services(settings).updates.record(rma_id, RmaStatus(args.status), event_id=args.event_id,
                                                      note=args.note or "", source="cli")
    except UnknownRma:
        print(f"returnbot: no return {rma_id}", file=sys.stderr)
        return 1
    except RefusedUpdate as exc:
        print(f"returnbot: {rma_id}: {exc}", file=sys.stderr)
        return 1
    rma = recorded.rma
    print(f"{rma.rma_id}: {rma.status.value}" + ("" if recorded.applied else " (this event id was recorded before: "
                                                                              "nothing changed)"))
    return 0


def cmd_returns_webhook_secret(args, settings: Settings) -> int:
    from channels.returns_webhook import webhook_secret

    print(webhook_secret(settings.secret))
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
    handoffs = _services(settings).returns.handoffs.list(status=args.status)
    rows = [{"handoff_id": h.handoff_id, "conversation_id": h.conversation_id, "reason": h.reason,
             "order_id": h.order_id, "status": h.status, "created_at": h.created_at.isoformat(),
             "summary": h.summary, "signals": list(h.signals)} for h in handoffs]
    return _emit(rows, args.json, "no handoffs", lambda h: (
        f"#{h['handoff_id']:<4} {h['status']:<7} {h['reason']:<17} {h['order_id'] or '-':<22} "
        f"{h['conversation_id']}  {h['created_at'][:16]}\n       {h['summary']}"))


def cmd_forget(args, settings: Settings) -> int:
    from bot.erasure import normalise_email
    from cli.forget import forget

    email = normalise_email(args.email)
    if "@" not in email.strip("@"):
        print(f"returnbot: {args.email!r} is not an email address", file=sys.stderr)
        return 2
    try:
        erasure = forget(settings, email)
    except Exception as exc:  # the driver's message only: SQL parameters would show personal data
        print(f"returnbot: the erasure failed and the order store is unchanged ({type(exc).__name__}: "
              f"{getattr(exc, 'orig', None) or exc}); run it again once that is fixed", file=sys.stderr)
        return 1
    left = erasure.count("attachment_files_left")
    if left:
        print(f"returnbot: {left} attachment files could not be deleted; remove them from "
              f"{settings.var_dir / 'attachments'}", file=sys.stderr)
    if args.json:
        print(json.dumps(erasure.as_dict(), indent=2))
        return 1 if left else 0
    if erasure.found:
        print(f"erased what returnbot kept about {email}:")
    rows = [{"what": c.label, "count": c.count} for c in erasure.counts if c.count]
    _emit(rows, False, f"nothing to erase: no order, conversation or message names {email}",
          lambda r: f"  {r['what']:<48} {r['count']:>6}")
    if erasure.found:
        print("returns and refunds stay for your accounting, linked to nobody.")
    if erasure.agent_threads:
        print(f"\nthe agents' channel still holds {len(erasure.agent_threads)} case thread(s) about this customer "
              "(card, messages, photos); delete them there:")
        for channel, thread_ts in erasure.agent_threads:
            print(f"  channel {channel}, thread {thread_ts}")
    return 1 if left else 0


def cmd_platforms_sync(args, settings: Settings) -> int:
    import asyncio

    from integrations.report import print_runs
    from integrations.runner import sync_configured

    runs = asyncio.run(sync_configured(settings, _services(settings).platforms))
    return print_runs(runs, as_json=args.json)


def cmd_stats(args, settings: Settings) -> int:
    from bot.repositories import StoreUnavailable
    from cli.stats_report import print_stats

    try:
        return print_stats(settings, args.json)
    except StoreUnavailable as exc:
        print(f"returnbot: cannot read the statistics from the order database ({exc})", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="returnbot", description="Self-hostable returns assistant.")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="start Rasa, the action server and the gateway (web chat)",
                         description="Import the demo store if the database is empty, train the model if its "
                                     "inputs changed, start everything and wait; Ctrl-C stops all of it.")
    run.add_argument("--no-demo", action="store_true", help="do not import the demo store into an empty database")
    run.add_argument("--quiet", action="store_true", help="write process output to var/logs/ instead of here")
    run.add_argument("--profile", choices=PROFILES,
                     help="scaled: orders and conversations in PostgreSQL, Rasa's lock store in Redis, its events "
                          "in RabbitMQ counted by the stats consumer, two Rasa servers (default: $RETURNBOT_PROFILE, "
                          "else default; see README, Scaling out)")
    run.set_defaults(func=cmd_run)

    train = sub.add_parser("train", help="train the Rasa models if their inputs changed",
                           description="Train the bot's model from config.yml, domain.yml, nlu_data/ and rules/, "
                                       "and each other language's NLU model from languages/<lang>/nlu_data/, "
                                       "each only when its inputs changed (models are cached by a hash of "
                                       "the inputs).")
    train.add_argument("--force", action="store_true", help="train even if an up-to-date model exists")
    train.add_argument("--no-reload", action="store_true",
                       help="do not hand the model to a running bot (by default a running `returnbot run` "
                            "switches to it without a restart)")
    train.set_defaults(func=cmd_train)

    nlu = sub.add_parser("nlu", help="understanding customers: benchmark, check and improve the training data",
                         description="Tools for the NLU (what the bot understands): `eval` measures it, `check` "
                                     "validates the training data, `review` turns misunderstood customer "
                                     "messages into training examples. See docs/training.md.")
    nlu_sub = nlu.add_subparsers(dest="nlu_command", required=True, metavar="ACTION")
    ev = nlu_sub.add_parser("eval", help="benchmark: this pipeline vs Rasa's default vs keyword rules",
                            description="Train this project's pipeline (config.yml) and Rasa's default `rasa init` "
                                        "pipeline on nlu_data/, evaluate both and a keyword-rule baseline on the "
                                        "held-out test sets, print the figures side by side and write reports/nlu/ "
                                        "(latest.json, a confusion matrix, the misclassified messages). A benchmark, "
                                        "not a test: about 20 minutes on 2 cores, nearly all of it Rasa's default "
                                        "pipeline (DIET, 100 epochs); about 2 minutes with --skip-rasa-default.")
    ev.add_argument("--test-set", action="append", metavar="FILE",
                    help="a Rasa NLU YAML test file (repeatable; default: tests/nlu/heldout.yml, voices.yml and fresh.yml)")
    ev.add_argument("--out", metavar="DIR", help="where to write the report (default: reports/nlu)")
    ev.add_argument("--skip-rasa-default", action="store_true", help="leave out Rasa's default pipeline (much faster)")
    ev.add_argument("--candidate", action="append", metavar="CONFIG",
                    help="another pipeline config to train and score beside config.yml (repeatable), "
                         "e.g. benchmarks/nlu_candidates/sparse_diet.yml")
    ev.add_argument("--rasa-default-epochs", type=int, metavar="N",
                    help="cap the default pipeline's DIET epochs (as shipped: 100); the report says so")
    ev.set_defaults(func=cmd_nlu_eval)
    check = nlu_sub.add_parser("check", help="check the training data; exit status 1 if something must be fixed",
                               description="Run Rasa's validation and look for repeated examples, the same example "
                                           "under two intents, intents with fewer than 10 examples, and test "
                                           "messages that are also in the training data. Explains each problem "
                                           "and where it is (file and line).")
    check.add_argument("--no-rasa", action="store_true", help="skip Rasa's own validation (half a minute)")
    check.add_argument("--verbose", action="store_true", help="also show Rasa's notes about the dialogue")
    check.add_argument("--language", metavar="LANG", help="check one language only (en, de, fr, es, it, zh; default: all)")
    check.set_defaults(func=cmd_nlu_check)
    review = nlu_sub.add_parser("review", help="label customer messages the bot did not understand",
                                description="List customer messages from the conversation store that the bot did "
                                            "not understand or was unsure about, most frequent first, and label "
                                            "them: at a prompt (default), or export to CSV, fill in the 'label' "
                                            "column in a spreadsheet and import it back. Labelled messages are "
                                            "added to the nlu_data/ file of their intent, without duplicates, with "
                                            "order numbers, emails and postcodes replaced by demo values.")
    review.add_argument("--threshold", type=float, default=0.6, metavar="CONF",
                        help="also list messages understood with less than this confidence (default 0.6)")
    review.add_argument("--limit", type=int, metavar="N", help="only the N most frequent messages")
    review.add_argument("--language", metavar="LANG",
                        help="review the messages in this language and add them to languages/LANG/nlu_data/ "
                             "(default: English, nlu_data/)")
    review.add_argument("--tracker", metavar="DB",
                        help="conversation store: a SQLite file or database URL (default: var/tracker.db)")
    mode = review.add_mutually_exclusive_group()
    mode.add_argument("--list", action="store_true", help="only list the messages")
    mode.add_argument("--export", metavar="FILE", help="write the messages to a CSV file to label in a spreadsheet")
    mode.add_argument("--import", dest="import_file", metavar="FILE",
                      help="add the labelled messages of a CSV file written by --export")
    review.set_defaults(func=cmd_nlu_review)

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
    update.add_argument("--note", help="a note kept with the status change (a rejection's note is told to the "
                                       "customer)")
    update.add_argument("--event-id", help="your id for this change: sending it again changes nothing")
    secret = returns_sub.add_parser(
        "webhook-secret", help="print the secret that signs status events sent to /webhooks/returns",
        description="Print the secret a warehouse or carrier system signs its status events with "
                    "(see docs/returns-webhook.md).")
    secret.set_defaults(func=cmd_returns_webhook_secret)
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

    forget = sub.add_parser("forget", help="erase a customer's personal data (right to erasure)",
                            description="Erase everything returnbot keeps about the customer with EMAIL: their "
                                        "conversations (Rasa's tracker events, transcript, outbox), verifications, "
                                        "handoffs with their Slack records, tags and attachments (rows and files). "
                                        "Their orders, returns and refunds stay for your accounting with the name, "
                                        "email, postcode and tracking number replaced. Prints how much of each kind "
                                        "was erased; running it again finds nothing left.")
    forget.add_argument("email", metavar="EMAIL", help="the customer's email (any case)")
    forget.add_argument("--json", action="store_true", help="print JSON")
    forget.set_defaults(func=cmd_forget)

    stats = sub.add_parser("stats", help="conversation statistics: turns, intents, outcomes, automation rate",
                           description="Conversations, customer turns, intents, outcomes (RMA issued, returnless "
                                       "refund, Amazon's path, not eligible...), handoffs and the automation rate: "
                                       "conversations resolved without a person / conversations. Counted from "
                                       "Rasa's events by the stats consumer of the scaled profile.")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(func=cmd_stats)

    platforms = sub.add_parser("platforms", help="returns platforms you already run (AfterShip Returns, Loop)",
                               description="Returns and their status read from AfterShip Returns or Loop Returns, "
                                           "each on when its API key is set (AFTERSHIP_API_KEY, LOOP_API_KEY); "
                                           "see docs/platforms.md.")
    platforms_sub = platforms.add_subparsers(dest="platforms_command", required=True, metavar="ACTION")
    psync = platforms_sub.add_parser("sync", help="read what changed on each configured platform, once",
                                     description="Read the returns each configured platform changed since the last "
                                                 "sync, store them and print what changed; says which platforms "
                                                 "are off. A failed platform changes nothing the next sync would "
                                                 "not read again (exit status 1).")
    psync.add_argument("--json", action="store_true", help="print JSON")
    psync.set_defaults(func=cmd_platforms_sync)

    from cli import sources  # `returnbot sources add|status|sync` (cli/sources.py, docs/sources.md)

    sources.add_parser(sub)

    from cli import conversations  # the `eval conversations` runner (cli/conversations.py)

    evaluate = sub.add_parser("eval", help="measure the bot: the conversation corpus",
                              description="Measurements of the running bot. `eval conversations` plays the "
                                          "conversation corpus (tests/conversations/) and reports the share resolved "
                                          "per class; see docs/conversation.md.")
    evaluate_sub = evaluate.add_subparsers(dest="eval_command", required=True, metavar="WHAT")
    conversations.add_parser(evaluate_sub)
    return top


def main(argv: Optional[List[str]] = None) -> int:
    from cli.environment import PRIVATE_UMASK, child_environment

    args = parser().parse_args(argv)
    umask = os.umask(PRIVATE_UMASK)  # var/ and whatever else returnbot writes: for this user alone
    try:
        try:
            settings = Settings.from_env(os.environ)
        except SettingsError as exc:
            print(f"returnbot: {exc}", file=sys.stderr)
            return 2
        # Rasa in this process (nlu eval, check, review) and the `rasa train` it starts: no telemetry
        # unless the merchant turned it on, no dependency chatter
        os.environ.update(child_environment(settings.rasa_telemetry))
        return args.func(args, settings)
    finally:
        os.umask(umask)


if __name__ == "__main__":
    sys.exit(main())
