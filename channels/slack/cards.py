"""Block Kit for the agents' channel: the handoff card, the reject-reason modal, thread lines, and
turning an agent's Slack text into plain text for the customer. Pure: dicts in, dicts out.

Customer text never reaches Slack unescaped: `&`, `<` and `>` become entities, so `<!channel>`,
`<@U123>` and `<http://evil|ok>` show as typed and ping or link nothing, and every text object
holding it is `verbatim` (Slack then parses no mentions, channel names or URLs in it either).
Limits kept: a section's text under 3,000 characters, at most 50 blocks.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Tuple

from bot.handoffs import Action, Agent, HandoffContext, HandoffEvent, MessageView

APPROVE = "handoff_approve"
REJECT = "handoff_reject"
OFFER_REPLACEMENT = "handoff_offer_replacement"
TAKE_OVER = "handoff_take_over"
HAND_BACK = "handoff_hand_back"
BUTTONS = (APPROVE, REJECT, OFFER_REPLACEMENT, TAKE_OVER, HAND_BACK)
REJECT_VIEW = "handoff_reject_reason"  # the modal's callback id
REASON_BLOCK = REASON_INPUT = "reason"

CARD_EVENT = "returnbot_handoff_card"  # message metadata: how a card is found again after a failed post
THREAD_EVENT = "returnbot_thread_post"

SECTION_MAX = 2900
MESSAGE_MAX = 300  # characters of one customer message shown on the card
REASONS = {
    "fraud_review": "Fraud review",
    "damage_claim": "Damage claim",
    "customer_request": "Customer asked for a person",
    "misunderstood": "The bot didn't understand",
    "policy_exception": "Policy exception",
}
SENDERS = {"customer": "Customer", "bot": "Bot", "agent": "Agent"}
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")  # whole ids only (fullmatch: `$` would let a final newline in)
LANGUAGES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "zh": "Chinese"}
NO_FACTS = (":hourglass: This case was opened before returnbot kept a case's item, quantity and reason: it can't "
            "be approved from the card. Take over, ask the customer, and resolve it by hand.")
AMAZON_REPLY = (":stopwatch: Amazon order: Amazon expects an answer to a buyer's message within 24 hours, "
                "so by {deadline} (docs/sources.md).")
UNVERIFIED = (":grey_question: *Unverified*: this customer has not proven any order is theirs (order number with "
              "its email or postcode). Anyone can ask for a person; check who you are talking to.")


def escape(text: Any) -> str:
    """Text made inert for Slack mrkdwn: `&`, `<` and `>` as entities (Slack's own rule)."""
    return str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> Dict[str, Any]:
    """A mrkdwn text object that Slack takes as written: no auto-linked URLs, names or mentions."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str, limit: int = 150) -> Dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit), "emoji": True}


def when(moment: Optional[datetime]) -> str:
    """A time shown in each agent's own time zone (UTC in the fallback)."""
    if moment is None:
        return "?"
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def who(agent: Optional[Agent]) -> str:
    if agent is None:
        return "returnbot"
    return f"<@{agent.id}>" if _USER_ID.fullmatch(agent.id or "") else escape(agent.name)


# -- the card -------------------------------------------------------------------------------------
def handoff_card(ctx: HandoffContext, photos: int = 0) -> Tuple[str, List[Dict[str, Any]]]:
    """(notification text, blocks) of a case's card, as it stands now."""
    title = f"Case #{ctx.handoff_id}: {REASONS.get(ctx.reason, ctx.reason.replace('_', ' ').capitalize())}"
    blocks: List[Dict[str, Any]] = [
        {"type": "header", "text": plain(title)},
        {"type": "section", "fields": [
            mrkdwn(f"*Status*\n{_status(ctx)}"),
            mrkdwn(f"*Customer writes on*\n{escape(ctx.conversation_channel.capitalize())}"),
            mrkdwn(f"*Order*\n{escape(ctx.order_id) if ctx.order_id else 'none given'}"
                   + (f" ({escape(ctx.sales_channel)})" if ctx.sales_channel else "")),
            mrkdwn(f"*Opened*\n{when(ctx.created_at)}"),
        ]},
    ]
    if ctx.verified is False:
        blocks.append({"type": "context", "elements": [mrkdwn(UNVERIFIED)]})
    if ctx.sales_channel == "amazon":
        blocks.append({"type": "context", "elements": [mrkdwn(AMAZON_REPLY.format(
            deadline=when(ctx.created_at + timedelta(hours=24))))]})
    if ctx.customer_email or ctx.customer_name:
        who_ = ", ".join(escape(part) for part in (ctx.customer_name, ctx.customer_email, ctx.customer_postcode,
                                                   ctx.customer_country) if part)
        blocks.append({"type": "section", "text": mrkdwn(f"*Customer* (masked)\n{who_}")})
    if ctx.items:
        blocks.append({"type": "section", "text": mrkdwn(_items(ctx))})
    if ctx.facts is not None and ctx.facts.words:
        blocks.append({"type": "section", "text": mrkdwn(
            f"*In the customer's words* (masked; written in {escape(language(ctx.facts.language))})\n"
            f"> {escape(_cut(ctx.facts.words, 1000))}")})
    if ctx.history is not None:
        h = ctx.history
        blocks.append({"type": "section", "text": mrkdwn(
            f"*Return history* (last {h.lookback_days} days)\n{h.orders} orders, {h.orders_with_returns} with "
            f"returns: *{h.rate:.0%}* return rate")})
    if ctx.signals:
        blocks.append({"type": "section", "text": mrkdwn(
            _fit("*Signals*", [f":warning: {escape(s)}" for s in ctx.signals]))})
    if ctx.summary and (not ctx.items or ctx.facts is None):
        blocks.append({"type": "section", "text": mrkdwn(f"*Summary*\n{escape(_cut(ctx.summary, 1000))}")})
    if ctx.facts is None and ctx.order_id and ctx.decision is None:
        blocks.append({"type": "context", "elements": [mrkdwn(NO_FACTS)]})
    if ctx.messages:
        blocks.append({"type": "section", "text": mrkdwn(
            _fit("*Last messages* (masked; the conversation continues in the thread)",
                 [_message(m) for m in ctx.messages], keep_last=True))})
    if photos:
        blocks.append({"type": "context", "elements": [mrkdwn(
            f":camera: {photos} photo{'s' if photos != 1 else ''} from the customer, in the thread")]})
    history = [_event_line(e) for e in ctx.events]
    if history:
        blocks.append({"type": "context", "elements": [mrkdwn(_fit("", history, keep_last=True).strip())]})
    buttons = _buttons(ctx)
    if buttons:
        blocks.append({"type": "actions", "block_id": f"handoff:{ctx.handoff_id}", "elements": buttons})
    unverified = ", unverified" if ctx.verified is False else ""
    return f"{title} ({ctx.conversation_channel}{unverified})", blocks


def _status(ctx: HandoffContext) -> str:
    if ctx.status == "claimed":
        owner = ctx.owner
        return f":large_green_circle: {who(owner)} has the conversation; the bot is silent"
    if ctx.status == "closed":
        return ":white_circle: Closed: the bot answers the customer"
    return ":large_yellow_circle: Waiting for an agent; the bot still answers"


def _items(ctx: HandoffContext) -> str:
    lines = []
    for item in ctx.items:
        returned = f", {item.returned_quantity} returned before" if item.returned_quantity else ""
        mark = f" :arrow_left: *this return*{_asked(ctx)}" if item.requested else ""
        lines.append(f"• {escape(item.title)} ({escape(item.sku)}) × {item.quantity} at {escape(item.unit_price)}"
                     f" = {escape(item.total)}{returned}{mark}")
    head = "*Items*"
    if ctx.return_reason is not None:
        head += f" (reason given: {escape(ctx.return_reason.value.replace('_', ' '))})"
    text = _fit(head, lines)
    if ctx.order_total is not None:
        text += f"\nOrder total: {escape(ctx.order_total)}"
    if ctx.rma is not None:
        text += f"\nReturn: {escape(ctx.rma.rma_id)} ({escape(ctx.rma.status.value.replace('_', ' '))})"
    return text


def _asked(ctx: HandoffContext) -> str:
    """What the customer asked for the item: how many, and the resolution when they chose one."""
    facts = ctx.facts
    if facts is None:
        return ""
    asked = [f"{facts.quantity} asked"] if facts.quantity else []
    if facts.resolution is not None:
        asked.append(f"{facts.resolution.value.replace('_', ' ')} wanted")
    return f" ({', '.join(asked)})" if asked else ""


def language(code: str) -> str:
    """A language's name for agents ("de": German); a code we have no name for as it is."""
    return LANGUAGES.get((code or "").lower(), code or "unknown")


def _message(m: MessageView) -> str:
    at = when(m.at) if m.at else ""
    return f"• *{SENDERS.get(m.sender, m.sender)}* {at}: {escape(_cut(m.text, MESSAGE_MAX))}"


def _event_line(e: HandoffEvent) -> str:
    at = when(e.at)
    if e.action is Action.APPROVE:
        return f":white_check_mark: Approved by {who(e.agent)} {at}" + (f": {escape(e.rma_id)}" if e.rma_id else "")
    if e.action is Action.REJECT:
        return f":x: Rejected by {who(e.agent)} {at}: “{escape(_cut(e.note, 300))}”"
    if e.action is Action.OFFER_REPLACEMENT:
        return f":repeat: Replacement offered by {who(e.agent)} {at}" + (f": {escape(e.rma_id)}" if e.rma_id else "")
    if e.action is Action.TAKE_OVER:
        return f":raising_hand: Taken over by {who(e.agent)} {at}"
    if e.action is Action.HAND_BACK:
        return f":robot_face: Handed back to the bot by {who(e.agent)} {at}"
    if e.action is Action.REANNOUNCE:
        return f":alarm_clock: Still waiting {at}"
    if e.action is Action.DECLINE:
        return f":no_entry: {escape(_cut(e.note, 300))} {at}"
    return f"{escape(e.action.value)} {at}"


def _buttons(ctx: HandoffContext) -> List[Dict[str, Any]]:
    value = str(ctx.handoff_id)
    buttons = []
    if ctx.can_decide:
        item = ctx.requested_item
        if ctx.rma is not None:  # a damage claim: its return waits for this decision
            approving = (f"{escape(ctx.rma.rma_id)} ({escape(ctx.rma.resolution.value.replace('_', ' '))}) is "
                         "authorised and the customer is told.")
        else:
            approving = (f"{escape(item.title)} ({escape(item.total)}): an RMA is issued and the customer gets it "
                         "with the return slip.")
        buttons += [
            _button("Approve return", APPROVE, value, "primary", confirm=("Approve this return?", approving)),
            _button("Reject", REJECT, value, "danger"),
            _button("Offer replacement", OFFER_REPLACEMENT, value, confirm=(
                "Offer a replacement?", f"An RMA for a replacement {escape(item.title)} is issued and sent to the "
                                        "customer.")),
        ]
    if ctx.status != "claimed":
        buttons.append(_button("Take over", TAKE_OVER, value))
    if ctx.status != "closed":
        buttons.append(_button("Hand back to bot", HAND_BACK, value))
    return buttons


def _button(text: str, action_id: str, value: str, style: Optional[str] = None,
            confirm: Optional[Tuple[str, str]] = None) -> Dict[str, Any]:
    button: Dict[str, Any] = {"type": "button", "text": plain(text), "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = {"title": plain(confirm[0], 100), "text": mrkdwn(_cut(confirm[1], 300)),
                             "confirm": plain("Yes", 30), "deny": plain("Cancel", 30)}
    return button


# -- the reject modal -----------------------------------------------------------------------------
def reject_modal(ctx: HandoffContext, channel: str, message_ts: str) -> Dict[str, Any]:
    """Asks the agent for the reason, which is sent to the customer as written."""
    item = ctx.requested_item
    about = f"{escape(item.title)} ({escape(item.total)})" if item else f"case #{ctx.handoff_id}"
    return {
        "type": "modal",
        "callback_id": REJECT_VIEW,
        "private_metadata": json.dumps({"handoff_id": ctx.handoff_id, "channel": channel, "ts": message_ts}),
        "title": plain("Reject the return", 24),
        "submit": plain("Reject and tell them", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            {"type": "section", "text": mrkdwn(f"Case #{ctx.handoff_id}: {about}. The customer receives your reason "
                                               "exactly as you write it.")},
            {"type": "input", "block_id": REASON_BLOCK, "label": plain("Reason, for the customer"),
             "element": {"type": "plain_text_input", "action_id": REASON_INPUT, "multiline": True,
                         "min_length": 5, "max_length": 500,
                         "placeholder": plain("e.g. The item was worn and its tags removed.")}},
        ],
    }


# -- thread lines ---------------------------------------------------------------------------------
def customer_line(text: str) -> Tuple[str, List[Dict[str, Any]]]:
    """A customer's message in the card's thread (the caller masks it first, if it should be)."""
    body = escape(_cut(text, 2800)) or "_(no text)_"
    return f"Customer: {body}", [{"type": "section", "text": mrkdwn(f"*Customer:* {body}")}]


def note_line(text: str) -> Tuple[str, List[Dict[str, Any]]]:
    """Our own line in a thread (what the customer was told, a warning); any customer words in it
    are escaped here."""
    body = escape(_cut(text, 2800))
    return body, [{"type": "context", "elements": [mrkdwn(body)]}]


# -- agent text -> customer text ------------------------------------------------------------------
_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def slack_to_plain(text: str) -> str:
    """An agent's Slack message as plain text for the customer: `<https://x|label>` -> `label
    (https://x)`, `<mailto:a@b|a@b>` -> `a@b`, `<#C1|help>` -> `#help`, mentions of people and
    `<!here>` dropped, `&lt;` `&gt;` `&amp;` back to `<` `>` `&`."""
    def link(m: "re.Match[str]") -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith("@") or target.startswith("!"):
            return f"@{label}" if label and target.startswith("@") else ""
        if target.startswith("#"):
            return f"#{label}" if label else ""
        if target.startswith("mailto:"):
            return label or target[len("mailto:"):]
        if label and label != target and label != target.split("://", 1)[-1]:
            return f"{label} ({target})"
        return target

    converted = _LINK.sub(link, text or "")
    converted = converted.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]{2,}", " ", converted).strip()


# -- helpers --------------------------------------------------------------------------------------
def _cut(text: str, limit: int) -> str:
    text = str(text or "")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fit(head: str, lines: List[str], keep_last: bool = False) -> str:
    """`head` and as many `lines` as fit in a section (the latest ones when `keep_last`)."""
    lines = list(lines)
    dropped = 0
    while lines and len(head) + sum(len(line) + 1 for line in lines) + 40 > SECTION_MAX:
        lines.pop(0 if keep_last else -1)
        dropped += 1
    if dropped:
        lines.insert(0 if keep_last else len(lines), f"_…{dropped} more not shown_")
    return "\n".join([head, *lines]) if head else "\n".join(lines)
