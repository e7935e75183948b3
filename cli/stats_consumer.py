"""The statistics consumer: reads the events Rasa publishes to RabbitMQ and keeps conversation
statistics (bot/conversation_stats.py) in the order database; `returnbot stats` prints them.

`python -m cli.stats_consumer` runs it until SIGTERM; the scaled stack starts it as "stats".
It is a process of its own rather than a task in the gateway: the gateway is what customers wait on,
and a consumer catching up on a backlog (after an outage, or with many Rasa servers publishing) must
not take its CPU; it can stop, restart or be moved without touching a conversation; and the gateway
stays free of RabbitMQ, which the default profile does not have.

RabbitMQ delivers each message at least once. A batch of messages is acknowledged only after its
facts are committed, and each fact is keyed by a hash of its event, so a redelivered message counts
once and a crash or a database outage loses none (unacknowledged messages wait in the queue).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import List, Optional

import aio_pika

from bot.conversation_stats import Fact, facts
from bot.settings import Settings, SettingsError
from bot.sql.conversation_stats import SqlStats
from bot.sql.engine import make_engine

log = logging.getLogger("returnbot.stats")

BATCH = 200  # messages per transaction (and RabbitMQ prefetch)
RETRY_SECONDS = 5.0


async def consume(settings: Settings, stats: SqlStats, ready: Optional[Path] = None) -> None:
    """Consume settings.events_queue until cancelled. The queue and its fanout exchange are declared
    exactly as Rasa's PikaEventBroker declares them, so whichever starts first, no event is lost."""
    connection = await _connect(settings.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=BATCH)
        exchange = await channel.declare_exchange(settings.events_queue, aio_pika.ExchangeType.FANOUT)
        queue = await channel.declare_queue(settings.events_queue, durable=True)
        await queue.bind(exchange, "")
        inbox: asyncio.Queue = asyncio.Queue()
        await queue.consume(inbox.put)
        log.info("counting events from queue %s", settings.events_queue)
        if ready is not None:
            ready.write_text(str(os.getpid()))
        while True:
            batch = [await inbox.get()]
            while not inbox.empty() and len(batch) < BATCH:
                batch.append(inbox.get_nowait())
            await _store(stats, batch, settings.secret)


async def _connect(url: str) -> aio_pika.abc.AbstractRobustConnection:
    """The first connection, waiting for RabbitMQ to come up (later losses are aio-pika's to mend)."""
    while True:
        try:
            return await aio_pika.connect_robust(url)
        except (ConnectionError, OSError, aio_pika.exceptions.AMQPError) as exc:
            log.warning("RabbitMQ not reachable (%s); retrying in %.0f s", type(exc).__name__, RETRY_SECONDS)
            await asyncio.sleep(RETRY_SECONDS)


async def _store(stats: SqlStats, batch: List[aio_pika.abc.AbstractIncomingMessage], secret: str) -> None:
    """Commit the batch's facts (retrying while the database is away), then acknowledge the batch."""
    found: List[Fact] = []
    for message in batch:
        try:
            event = json.loads(message.body)
        except ValueError:
            log.warning("dropping a message that is not JSON (%d bytes)", len(message.body))
            continue
        if isinstance(event, dict):
            found.extend(facts(event, secret))
    while True:
        try:
            await asyncio.to_thread(stats.record, found)
            break
        except Exception as exc:  # noqa: BLE001 - the messages stay unacknowledged until it works
            log.warning("statistics not stored (%s: %s); retrying in %.0f s", type(exc).__name__,
                        getattr(exc, "orig", None) or exc, RETRY_SECONDS)
            await asyncio.sleep(RETRY_SECONDS)
    try:
        await batch[-1].ack(multiple=True)
    except Exception as exc:  # noqa: BLE001 - a lost channel: the broker delivers them again, they count once
        log.warning("acknowledgement lost (%s); the messages come again and count once", type(exc).__name__)


async def _main(settings: Settings, ready: Optional[Path]) -> None:
    engine = make_engine(settings.database_url)
    stats = SqlStats(engine)
    stats.create_schema()
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    try:
        await consume(settings, stats, ready)
    except asyncio.CancelledError:
        log.info("stopping")
    finally:
        if ready is not None:
            ready.unlink(missing_ok=True)
        engine.dispose()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.stats_consumer",
                                     description="Count conversation statistics from Rasa's events in RabbitMQ.")
    parser.add_argument("--ready-file", type=Path, help="write this file once consuming (the stack waits for it)")
    args = parser.parse_args(argv)
    from bot.privacy import PersonalDataFilter

    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # whatever a library prints, no customer's personal data
        handler.addFilter(PersonalDataFilter())
    logging.getLogger("aio_pika").setLevel(logging.WARNING)
    logging.getLogger("aiormq").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        print(f"stats consumer: {exc}", file=sys.stderr)
        return 2
    if not settings.rabbitmq_url:
        print("stats consumer: RETURNBOT_RABBITMQ_URL is not set: there are no events to count", file=sys.stderr)
        return 2
    asyncio.run(_main(settings, args.ready_file))
    return 0


if __name__ == "__main__":
    sys.exit(main())
