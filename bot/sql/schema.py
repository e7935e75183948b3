"""Every table of the order store's database, declared here so that creating the schema needs no
module imported for its side effects. Uniqueness lives in the schema: one RMA per order line, one
refund per RMA, one outbox row per key. Money is stored as decimal strings and times as UTC, so
both databases round-trip them exactly.

The statistics table is on a `MetaData` of its own (`stats_metadata`): it holds no conversation id
and outlives an erasure.
"""
from __future__ import annotations

from datetime import timezone
from decimal import Decimal

import sqlalchemy as sa

from bot.handoffs.types import MAX_NOTE, MAX_WORDS


class UtcDateTime(sa.types.TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored naive in UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class DecimalString(sa.types.TypeDecorator):
    impl = sa.String(32)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else str(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


metadata = sa.MetaData()

orders = sa.Table(
    "orders", metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("fulfillment", sa.String(16), nullable=False),
    sa.Column("email", sa.String(320), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("postcode", sa.String(32), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("placed_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("shipped_at", UtcDateTime),
    sa.Column("delivered_at", UtcDateTime),
    sa.Column("carrier", sa.String(40)),
    sa.Column("tracking_number", sa.String(64)),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("return_shipping_cost", DecimalString),
)

order_lines = sa.Table(
    "order_lines", metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("line_id", sa.String(64), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", DecimalString, nullable=False),
    sa.Column("returned_quantity", sa.Integer, nullable=False),
)

# Units taken off an order before it shipped (a whole order's cancellation is its status). Kept apart
# from order_lines so an order imported again keeps what the customer cancelled.
cancelled_lines = sa.Table(
    "cancelled_lines", metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("line_id", sa.String(64), primary_key=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)

# When a marketplace expects a shipped order delivered (Amazon's LatestDeliveryDate, eBay's latest
# estimate): a table of its own, so a database made before it gains it with the others (create_all).
order_deliveries = sa.Table(
    "order_deliveries", metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("due_by", UtcDateTime, nullable=False),
)

rmas = sa.Table(
    "rmas", metadata,
    sa.Column("rma_id", sa.String(20), primary_key=True),
    sa.Column("order_id", sa.String(64), nullable=False),
    sa.Column("line_id", sa.String(64), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("resolution", sa.String(32), nullable=False),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("refund_amount", DecimalString, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("conversation_id", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("refunded_at", UtcDateTime),
    sa.UniqueConstraint("order_id", "line_id", name="one_rma_per_order_line"),
)

rma_events = sa.Table(
    "rma_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("rma_id", sa.String(20), nullable=False, index=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("note", sa.String(500), nullable=False, default=""),
)

rma_event_keys = sa.Table(  # status events from outside (warehouse, carrier, CLI) applied once per event id
    "rma_event_keys", metadata,
    sa.Column("event_key", sa.String(200), primary_key=True),
    sa.Column("rma_id", sa.String(20), nullable=False),
    sa.Column("rma_event_id", sa.Integer, nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
)

refunds = sa.Table(
    "refunds", metadata,
    sa.Column("rma_id", sa.String(20), primary_key=True),  # one refund per RMA
    sa.Column("amount", DecimalString, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("issued_at", UtcDateTime, nullable=False),
)

verifications = sa.Table(
    "verifications", metadata,
    sa.Column("conversation_id", sa.String(200), primary_key=True),
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("verified_at", UtcDateTime, nullable=False),
)

verification_failures = sa.Table(
    "verification_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
    sa.Column("order_id", sa.String(64), nullable=False, index=True),
    sa.Column("at", UtcDateTime, nullable=False),
)

return_words = sa.Table(  # the customer's own words for why they return, kept for the merchant
    "return_words", metadata,
    sa.Column("rma_id", sa.String(20), primary_key=True),
    sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
    sa.Column("words", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)

tags = sa.Table(
    "conversation_tags", metadata,
    sa.Column("conversation_id", sa.String(200), primary_key=True),
    sa.Column("tag", sa.String(64), primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
)

messages = sa.Table(
    "messages", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
    sa.Column("direction", sa.String(3), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
)


# -- cases for a person (bot/handoffs/, bot/sql/handoffs.py) -------------------------------------
handoffs = sa.Table(
    "handoffs", metadata,
    sa.Column("handoff_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
    sa.Column("order_id", sa.String(64)),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("signals", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

handoff_facts = sa.Table(
    "handoff_facts", metadata,
    sa.Column("handoff_id", sa.Integer, primary_key=True),  # one row per case
    sa.Column("order_id", sa.String(64)),
    sa.Column("line_id", sa.String(64)),
    sa.Column("quantity", sa.Integer),
    sa.Column("reason", sa.String(32)),
    sa.Column("resolution", sa.String(32)),
    sa.Column("words", sa.String(MAX_WORDS), nullable=False, default=""),
    sa.Column("language", sa.String(16), nullable=False),
)

handoff_events = sa.Table(
    "handoff_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("handoff_id", sa.Integer, nullable=False, index=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("agent_id", sa.String(64)),
    sa.Column("agent_name", sa.String(200)),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("note", sa.String(MAX_NOTE), nullable=False, default=""),
    sa.Column("rma_id", sa.String(20)),
    sa.Column("decides", sa.Integer, unique=True),
)


# -- what the Slack channel remembers (bot/sql/slack_ledger.py) -----------------------------------
handoff_cards = sa.Table(
    "handoff_cards", metadata,
    sa.Column("handoff_id", sa.Integer, primary_key=True),  # one card per case
    sa.Column("channel", sa.String(64), nullable=False),  # the Slack channel id
    sa.Column("ts", sa.String(32)),  # the card's message id; NULL while a post is in flight
    sa.Column("thread_ts", sa.String(32)),
    sa.Column("reserved_at", UtcDateTime, nullable=False),
    sa.Column("posted_at", UtcDateTime),
    sa.UniqueConstraint("channel", "ts", name="one_case_per_card"),
)

slack_events = sa.Table(
    "slack_events", metadata,
    sa.Column("key", sa.String(255), primary_key=True),  # e.g. message:<channel>:<ts>
    sa.Column("received_at", UtcDateTime, nullable=False),
)

slack_posts = sa.Table(
    "slack_posts", metadata,
    sa.Column("key", sa.String(255), primary_key=True),  # e.g. customer:<outbox key>, upload:<attachment>:<case>
    sa.Column("handoff_id", sa.Integer, index=True),
    sa.Column("ts", sa.String(64)),  # the message ts (or file id); NULL while the call is in flight
    sa.Column("reserved_at", UtcDateTime, nullable=False),
    sa.Column("posted_at", UtcDateTime),
)

# -- the outbox (bot/outbox.py) ----------------------------------------------------------------
outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(200), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("idempotency_key", sa.String(255), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("sent_at", UtcDateTime),
    sa.Column("last_error", sa.String(500)),
    sa.Column("delivery_ref", sa.String(100)),  # the channel's id for the sent message
    sa.UniqueConstraint("idempotency_key", name="one_outbox_row_per_key"),
    sa.UniqueConstraint("conversation_id", "seq", name="one_outbox_seq_per_conversation"),
    sa.Index("outbox_status_conversation", "status", "conversation_id", "seq"),
)

processed_inbound = sa.Table(
    "processed_inbound", metadata,
    sa.Column("key", sa.String(255), primary_key=True),  # e.g. telegram:<bot id>:update:<update id>
    sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("answered_at", UtcDateTime),  # set in the transaction that queues the replies
)


# -- files customers send (bot/attachments.py) ----------------------------------------------------
attachments = sa.Table(
    "attachments", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(200), nullable=False, index=True),
    sa.Column("handoff_id", sa.Integer, index=True),
    sa.Column("path", sa.String(500), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)


# -- returns read from returns platforms (bot/platforms.py) --------------------------------------
external_returns = sa.Table(
    "external_returns", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("external_id", sa.String(100), nullable=False),
    sa.Column("rma_number", sa.String(100), nullable=False),
    sa.Column("rma_key", sa.String(100), nullable=False, index=True),
    sa.Column("order_id", sa.String(64), nullable=False, index=True),
    sa.Column("order_name", sa.String(64), nullable=False),
    sa.Column("order_number", sa.String(64)),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("platform_status", sa.String(64), nullable=False),
    sa.Column("items", sa.Text, nullable=False),
    sa.Column("label_url", sa.String(2000)),
    sa.Column("tracking_number", sa.String(100)),
    sa.Column("carrier", sa.String(64)),
    sa.Column("refund_amount", DecimalString),
    sa.Column("refund_currency", sa.String(3)),
    sa.Column("refunded_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),  # the platform's
    sa.Column("synced_at", UtcDateTime, nullable=False),  # when this row last changed here
    sa.Column("anonymised", sa.Boolean, nullable=False, default=False),  # the customer was forgotten
    sa.UniqueConstraint("platform", "external_id", name="one_row_per_platform_return"),
)

platform_sync_cursors = sa.Table(
    "platform_sync_cursors", metadata,
    sa.Column("platform", sa.String(32), primary_key=True),
    sa.Column("synced_through", UtcDateTime, nullable=False),  # everything changed before this is stored
    sa.Column("succeeded_at", UtcDateTime, nullable=False),
)


# -- notices of a return's progress (bot/return_updates.py) ----------------------------------------
update_cursor = sa.Table(
    "update_cursor", metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("last_event_id", sa.Integer, nullable=False),
)

update_optouts = sa.Table(
    "update_optouts", metadata,
    sa.Column("subject", sa.String(250), primary_key=True),  # conversation:<id> or email:<address>
    sa.Column("at", UtcDateTime, nullable=False),
)


# -- the language each conversation is in (bot/language.py chooses it; channels/router.py keeps it) --
conversation_languages = sa.Table(
    "conversation_languages", metadata,
    sa.Column("conversation_id", sa.String(200), primary_key=True),
    sa.Column("language", sa.String(8), nullable=False),  # a served language: en, de, fr, es, it, zh
)


# -- conversation statistics (bot/conversation_stats.py) -------------------------------------------
stats_metadata = sa.MetaData()  # apart from `metadata`: no conversation id, kept when a customer is erased

conversation_stats = sa.Table(
    "conversation_stats", stats_metadata,
    sa.Column("fact_key", sa.String(80), primary_key=True),
    sa.Column("conversation_key", sa.String(32), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Index("conversation_stats_kind_name", "kind", "name"),
)

# Live orders from marketplaces (bot/sql/order_sources.py)
order_sources = sa.Table(
    "order_sources", metadata,
    sa.Column("source", sa.String(16), primary_key=True),
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("order_id", name="uq_order_sources_order"),
)

source_cursors = sa.Table(
    "source_cursors", metadata,
    sa.Column("source", sa.String(16), primary_key=True),
    sa.Column("cursor", sa.Text),
    sa.Column("synced_at", UtcDateTime),
    sa.Column("error", sa.String(300)),
    sa.Column("error_at", UtcDateTime),
)

source_webhooks = sa.Table(
    "source_webhooks", metadata,
    sa.Column("source", sa.String(16), primary_key=True),
    sa.Column("webhook_id", sa.String(100), primary_key=True),
    sa.Column("received_at", UtcDateTime, nullable=False),
)

source_returns = sa.Table(
    "source_returns", metadata,
    sa.Column("source", sa.String(16), primary_key=True),
    sa.Column("rma_id", sa.String(20), primary_key=True),
    sa.Column("external_id", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Refunds the merchant made in a marketplace, one row per (source, refund id) and line, kept once
# however often the order is read; `rma_id` is the return it refunded, when one was in progress.
order_refunds = sa.Table(
    "order_refunds", metadata,
    sa.Column("source", sa.String(16), primary_key=True),
    sa.Column("refund_id", sa.String(200), primary_key=True),
    sa.Column("order_id", sa.String(64), nullable=False, index=True),
    sa.Column("line_id", sa.String(64), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("amount", DecimalString),
    sa.Column("currency", sa.String(3)),
    sa.Column("refunded_at", UtcDateTime),  # the marketplace's time, when it gives one
    sa.Column("seen_at", UtcDateTime, nullable=False),
    sa.Column("rma_id", sa.String(20)),
)
