"""Customers of each marketplace in the chat, end to end (issue 16): the order is one only the fake
marketplace knows (never imported), the customer types their answers, and everything between runs
as in production except the NLU and HTTP: the action (`actions.converse.ActionConverse`, its services
from `actions.deps`) hands each message to the dialogue, which verifies the customer through
`integrations.sources.connect`'s live lookups, and each adapter talks HTTP to the fakes of
tests/fake_marketplaces.py (`httpx.MockTransport`). Each message carries the intent the NLU would give
it and the entities `bot.text` (the extractor of rasa_ext/entities.py) finds in it; every answer is
rendered from the catalogue, as Rasa renders it, so a missing value fails here.

Also: an order refunded at its marketplace while its return is in progress (the return is refunded
and the customer told), or refunded there in part (the part told, the rest pending), or with no
return here ("where's my money", "hab das geld schon zurück bekommen?": what, how much, when), the marketplace down in the middle of a conversation (the answer from the
cached copy, one sentence saying how old it is, and a person still reachable), and the day a shipped
order is due."""
from __future__ import annotations

from datetime import timedelta
from typing import Dict, List

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import deps, names
from actions.converse import ActionConverse
from bot import replies
from bot import responses as said
from bot.catalogue import catalogue, speaking
from bot.conversation.outcomes import may_be_stale
from bot.models import Outcome
from bot.source_settings import SourceSettings
from bot.text import find_entities
from channels.marketplaces import MarketplaceOrdersChannel
from integrations.ebay import read_order as read_ebay_order
from integrations.sources import connect
from tests.builders import NOW
from tests.fake_marketplaces import (
    EBAY_FULFILMENT,
    FakeAmazon,
    FakeClock,
    FakeEbay,
    FakeShopify,
    amazon_order,
    ebay_order,
    shopify_order,
    shopify_order_refund,
    shopify_refund,
)

SHOPIFY = {"SHOPIFY_SHOP": "demo", "SHOPIFY_ACCESS_TOKEN": "shpat_good", "SHOPIFY_CREATE_RETURNS": "true"}
AMAZON = {"AMAZON_LWA_CLIENT_ID": "id", "AMAZON_LWA_CLIENT_SECRET": "secret", "AMAZON_REFRESH_TOKEN": "Atzr|good"}
EBAY = {"EBAY_CLIENT_ID": "app", "EBAY_CLIENT_SECRET": "cert", "EBAY_REFRESH_TOKEN": "v^1.1#good"}
DOWN = [(503, {"errors": "Service Unavailable"})] * 10  # more than any lookup's tries


class Clock:
    """The services' clock (the cache's age is measured on it), moved by the tests."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now


class Customer:
    """One customer in the web chat, as the action server sees each of their messages: a Tracker with
    the dialogue slot Rasa kept and the message's intent and entities. `says` returns the response
    keys of the answer; `text(key)` the sentence as the customer reads it."""

    def __init__(self, conversation: str) -> None:
        self.conversation, self.state, self.messages = conversation, None, []

    async def says(self, text: str, intent: str = "inform", confidence: float = 0.95,
                   language: str = "") -> List[str]:
        """`language`: the one the gateway chose for the message (its metadata), as a German customer's."""
        entities = [{"entity": e.kind, "value": e.value} for e in find_entities(text)]
        message = {"intent": {"name": intent, "confidence": confidence}, "entities": entities, "text": text}
        if language:
            message["metadata"] = {"language": language}
        tracker = Tracker(self.conversation, {names.DIALOGUE: self.state}, message, [], False, None, {}, None)
        dispatcher = CollectingDispatcher()
        events = await ActionConverse().run(dispatcher, tracker, {})
        for event in events:
            if event.get("event") == "slot" and event.get("name") == names.DIALOGUE:
                self.state = event["value"]
        self.messages = dispatcher.messages
        for message in self.messages:  # rendered as Rasa renders it: every placeholder has its value
            self._render(message)
        return [m.get("response") or m["utter_action"] for m in self.messages]

    @staticmethod
    def _render(message: Dict) -> str:
        if "utter_action" in message:  # another language: sent as its text (actions.converse.utter)
            return message["text"]
        return catalogue().text(message["response"], **message)

    def text(self, key: str) -> str:
        return next(self._render(m) for m in self.messages if (m.get("response") or m.get("utter_action")) == key)


def marketplace(services, clock: Clock, env: Dict[str, str], fake) -> object:
    """`services` with one marketplace connected as the action server connects it (actions/deps.py),
    over the fake's transport; the adapters' own clock and sleeps are the fake's (nothing waits)."""
    settings = services.settings.with_overrides(sources=SourceSettings.from_env(env))
    services = type(services)(**{**services.__dict__, "settings": settings})
    services.returns.clock = clock
    fake_clock = FakeClock(t=NOW.timestamp())
    live = connect(services, transport=fake.transport(), sleep=fake_clock.sleep, now=fake_clock.now)
    deps.use(services)
    return live


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
def unwired():
    yield
    deps.use(None)


def recent_shopify(number: int, delivered: bool = True, **kw) -> dict:
    """A Shopify order placed a few days before NOW, delivered (inside the return window) or on its way."""
    order = shopify_order(number, delivered=delivered, **kw)
    order["createdAt"], order["updatedAt"] = "2026-11-10T12:00:00Z", "2026-11-15T12:00:00Z"
    for fulfillment in order["fulfillments"]:
        fulfillment["createdAt"] = "2026-11-11T09:00:00Z"
        if fulfillment["deliveredAt"]:
            fulfillment["deliveredAt"] = "2026-11-14T15:00:00Z"
    return order


# -- one customer per marketplace ----------------------------------------------------------------

async def test_shopify_customer_gets_an_rma_and_the_return_appears_in_the_shopify_admin(services, clock):
    shop = FakeShopify()
    shop.add(recent_shopify(5501))
    live = marketplace(services, clock, SHOPIFY, shop)
    assert services.store.get_order("#5501") is None  # only Shopify knows it
    customer = Customer("web:mp-shopify")
    assert (await customer.says("hi, the trail shoes from order #5501 are too small, can I send them back?",
                                "request_return"))[-1] == said.ASK_CUSTOMER_PROOF
    assert await customer.says("jane@exmaple.com") == [said.VERIFICATION_FAILED_KEEP]  # a typo: not her email
    answer = await customer.says("sorry, jane@example.com")
    assert said.ORDER_MAY_BE_STALE not in answer and answer[-1] == said.ASK_QUANTITY  # 2 pairs: how many?
    assert (await customer.says("just one pair", "inform", 0.54))[-1] == said.ASK_RESOLUTION
    assert (await customer.says("money back pls", "request_refund"))[-1] == said.RMA_ISSUED
    [rma] = services.store.rmas_for_order("#5501")
    assert (rma.line_id, rma.quantity, rma.reason.value, rma.outcome) == ("111", 1, "too_small", Outcome.RMA)
    assert rma.rma_id in customer.text(said.RMA_ISSUED)

    MarketplaceOrdersChannel(live, None, interval=0).sync_once()  # the gateway's next round
    [made] = shop.returns["#5501"]
    assert made["returnLineItems"]["nodes"][0]["returnReasonNote"] == f"returnbot {rma.rma_id}"
    MarketplaceOrdersChannel(live, None, interval=0).sync_once()
    assert len(shop.returns["#5501"]) == 1  # once


async def test_amazon_fba_customer_verified_by_postcode_is_sent_to_amazon_and_gets_no_rma(services, clock):
    amazon = FakeAmazon()
    order = amazon_order("114-5555555-5555555", channel="AFN", latest_delivery="2026-11-14T07:59:59Z")
    order["PurchaseDate"] = "2026-11-08T12:00:00Z"
    amazon.add(order)
    marketplace(services, clock, AMAZON, amazon)
    customer = Customer("web:mp-amazon")
    assert (await customer.says("I want to return my amazon order 114-5555555-5555555",
                                "request_return"))[-1] == said.ASK_CUSTOMER_PROOF
    answer = await customer.says("my zip is 98101")  # what an Amazon buyer knows (docs/sources.md)
    assert said.AMAZON_FBA in answer, answer
    assert "114-5555555-5555555" in customer.text(said.AMAZON_FBA)
    assert services.store.rmas_for_order("114-5555555-5555555") == []


async def test_amazon_without_buyer_data_the_customer_gets_the_wrong_pair_answer_and_can_reach_a_person(services,
                                                                                                       clock):
    amazon = FakeAmazon(pii_role=False)
    amazon.add(amazon_order("114-7777777-7777777"))
    marketplace(services, clock, {**AMAZON, "AMAZON_PII": "none"}, amazon)
    customer = Customer("web:mp-amazon-no-pii")
    await customer.says("where is 114-7777777-7777777", "track_order")
    assert await customer.says("98101") == [said.VERIFICATION_FAILED_KEEP]  # docs/sources.md: not verifiable here
    assert await customer.says("i need a human", "human_handoff") == [said.HANDOFF]


async def test_with_shopify_create_returns_off_the_rma_is_issued_and_shopify_is_left_alone(services, clock):
    shop = FakeShopify()
    shop.add(recent_shopify(5508))
    live = marketplace(services, clock, {k: v for k, v in SHOPIFY.items() if k != "SHOPIFY_CREATE_RETURNS"}, shop)
    customer = Customer("web:mp-shopify-off")
    await customer.says("return #5508 pls, the socks dont fit", "request_return")
    assert (await customer.says("94107"))[-1] == said.ASK_RETURN_REASON  # "don't fit": too big or too small?
    assert (await customer.says("too big"))[-1] == said.ASK_RESOLUTION
    assert (await customer.says("store credit", "inform", 0.8))[-1] == said.RMA_ISSUED
    MarketplaceOrdersChannel(live, None, interval=0).sync_once()
    assert services.store.rmas_for_order("#5508") and shop.returns == {}


async def test_ebay_customer_asks_where_the_parcel_is_and_gets_ebays_tracking(services, clock):
    ebay = FakeEbay()
    ebay.add(ebay_order("27-99999-12345"), [EBAY_FULFILMENT])
    marketplace(services, clock, EBAY, ebay)
    customer = Customer("web:mp-ebay")
    assert (await customer.says("where is my parcel?? ebay order 27-99999-12345", "track_order"))[-1] \
        == said.ASK_CUSTOMER_PROOF
    assert await customer.says("sw1a 1aa") == [said.TRACKING]
    assert "Carrier: Royal Mail. Tracking number RM123456785GB: https://www.royalmail.com/" in customer.text(said.TRACKING)


async def test_ebay_customer_hears_by_when_ebay_expects_the_parcel(services, clock):
    ebay = FakeEbay()
    ebay.add(ebay_order("27-99999-12346", due="2026-11-24T23:59:59.000Z"), [EBAY_FULFILMENT])
    marketplace(services, clock, EBAY, ebay)
    customer = Customer("web:mp-ebay-due")
    await customer.says("where is my parcel? ebay order 27-99999-12346", "track_order")
    assert await customer.says("sw1a 1aa") == [said.TRACKING]
    assert "is on its way: it shipped on 2 January 2026 and is due by 24 November 2026." in \
        customer.text(said.TRACKING)
    clock.now += timedelta(days=6)  # the day has passed and eBay still says nothing of delivery: no promise
    ebay.add(ebay_order("27-99999-12346", due="2026-11-24T23:59:59.000Z"), [EBAY_FULFILMENT])
    await customer.says("where is it now?", "track_order")
    assert "due by" not in customer.text(said.TRACKING)


@pytest.mark.parametrize("language, words", [("de", "soll spätestens am 24. November 2026 ankommen"),
                                             ("fr", "au plus tard le 24 novembre 2026"),
                                             ("es", "como muy tarde el 24 de noviembre de 2026"),
                                             ("it", "entro il 24 novembre 2026"), ("zh", "预计最晚2026年11月24日送达")])
def test_the_due_date_is_said_in_each_language(language, words):
    with speaking(language):
        order = read_ebay_order(ebay_order(due="2026-11-24T23:59:59.000Z"), [EBAY_FULFILMENT])
        said_now = replies.delivery_status(order, now=NOW)
    assert words in said_now


# -- an order that changes while its return is in progress ----------------------------------------

async def test_a_refund_made_in_shopify_during_the_return_refunds_it_and_nothing_is_returned_twice(services, clock):
    shop = FakeShopify()
    shop.add(recent_shopify(5502))
    marketplace(services, clock, SHOPIFY, shop)
    customer = Customer("web:mp-change")
    await customer.says("i'd like to return something from #5502", "request_return")
    assert (await customer.says("94107"))[-1] == said.ASK_LINE
    assert (await customer.says("the shoes"))[-1] == said.ASK_QUANTITY
    assert (await customer.says("both"))[-1] == said.ASK_RETURN_REASON
    assert (await customer.says("too small"))[-1] == said.ASK_RESOLUTION
    assert (await customer.says("refund", "request_refund", 0.76))[-1] == said.RMA_ISSUED
    [rma] = services.store.rmas_for_order("#5502")
    services.updates.due()  # the gateway's notices run from here on

    # the merchant refunds them in Shopify, after the return was made
    shop.add(recent_shopify(5502, refunds=[shopify_refund(111, 2, at="2026-11-20T12:10:00Z")]))
    clock.now += timedelta(minutes=30)  # the copy is older than RETURNBOT_ORDER_MAX_AGE_MINUTES
    asked = len(shop.requests)
    assert await customer.says("has my refund gone through?", "where_is_my_refund") == [said.RETURN_STATUS]
    assert len(shop.requests) > asked  # read again before answering
    assert "refunded 179.98 USD" in customer.text(said.RETURN_STATUS)  # the return moved to refunded
    assert services.store.get_order("#5502").line("111").returned_quantity == 2
    [notice] = [n for n in services.updates.due() if n.rma.rma_id == rma.rma_id]  # and the customer is told, once
    assert notice.conversation_id == "web:mp-change" and "we refunded 179.98 USD" in notice.text
    assert await customer.says("return the shoes", "request_return") != [said.RMA_ISSUED]
    [after] = services.store.rmas_for_order("#5502")  # the same return, not a second one
    assert after.rma_id == rma.rma_id and after.status.value == "refunded"


@pytest.mark.parametrize("count, price, rest", [(1, "89.99", "89.99 USD"),  # one shoe of the two
                                                 (2, "80.00", "19.98 USD")])  # both, for less money
async def test_a_return_refunded_in_part_in_shopify_stays_in_progress_and_the_part_is_told(services, clock,
                                                                                            count, price, rest):
    shop = FakeShopify()
    shop.add(recent_shopify(5503))
    marketplace(services, clock, SHOPIFY, shop)
    customer = Customer("web:mp-part")
    await customer.says("i'd like to return something from #5503", "request_return")
    await customer.says("94107")
    await customer.says("the shoes")
    await customer.says("both")
    await customer.says("too small")
    assert (await customer.says("refund", "request_refund", 0.76))[-1] == said.RMA_ISSUED
    [rma] = services.store.rmas_for_order("#5503")
    shop.add(recent_shopify(5503, refunds=[shopify_refund(111, count, at="2026-11-20T12:10:00Z", price=price)]))
    clock.now += timedelta(minutes=30)
    assert await customer.says("where's my money for order #5503", "where_is_my_refund") == [said.RETURN_STATUS]
    told = customer.text(said.RETURN_STATUS)
    assert "So far the shop has refunded" in told and "20 November 2026" in told
    assert f"the remaining {rest} is still pending" in told
    [after] = services.store.rmas_for_order("#5503")
    assert after.rma_id == rma.rma_id and after.status.value != "refunded"


async def test_a_refund_made_in_shopify_with_no_return_here_is_what_where_is_my_money_answers(services, clock):
    shop = FakeShopify()
    shop.add(recent_shopify(5504, refunds=[shopify_refund(112, 1, at="2026-11-18T09:00:00Z", price="9.50")]))
    marketplace(services, clock, SHOPIFY, shop)
    customer = Customer("web:mp-refunded")
    await customer.says("where's my money for order #5504", "where_is_my_refund")
    assert await customer.says("94107") == [said.MARKETPLACE_REFUNDED]
    told = customer.text(said.MARKETPLACE_REFUNDED)
    assert "9.50" in told and "Socks M" in told and "18 November 2026" in told
    assert services.store.rmas_for_order("#5504") == []  # told, and no return made for it


async def test_a_shipping_refund_made_in_shopify_is_told_with_the_item_refunds(services, clock):
    shop = FakeShopify()
    shop.add(recent_shopify(5506, refunds=[shopify_refund(112, 1, at="2026-11-18T09:00:00Z", price="9.50"),
                                           shopify_order_refund("4.99", at="2026-11-19T09:00:00Z")]))
    marketplace(services, clock, SHOPIFY, shop)
    customer = Customer("web:mp-shipping")
    await customer.says("where's my money for order #5506", "where_is_my_refund")
    assert await customer.says("94107") == [said.MARKETPLACE_REFUNDED]
    assert "9.50 USD for Socks M on 18 November 2026; 4.99 USD on 19 November 2026" in \
        customer.text(said.MARKETPLACE_REFUNDED)


async def test_a_german_customer_hears_of_the_shopify_refund_in_german(services, clock):
    shop = FakeShopify()
    shop.add(recent_shopify(5505, refunds=[shopify_refund(111, 2, at="2026-11-18T09:00:00Z")]))
    marketplace(services, clock, SHOPIFY, shop)
    customer = Customer("web:mp-refunded-de")
    await customer.says("hab das geld schon zurück bekommen? bestellung #5505", "where_is_my_refund", language="de")
    assert await customer.says("94107", language="de") == [said.MARKETPLACE_REFUNDED]
    told = customer.text(said.MARKETPLACE_REFUNDED)
    assert "Trail shoe 42" in told and "179,98" in told and "18. November 2026" in told and "Rücksendung" in told


async def test_an_order_cancelled_in_shopify_before_the_customer_answers_is_not_returned(services, clock):
    shop = FakeShopify()
    shop.add(recent_shopify(5503, delivered=False))
    marketplace(services, clock, SHOPIFY, shop)
    customer = Customer("web:mp-cancel")
    await customer.says("where is order #5503", "track_order")
    assert await customer.says("jane@example.com") == [said.TRACKING]
    assert "1Z999AA10123456784" in customer.text(said.TRACKING)
    shop.add(recent_shopify(5503, fulfilled=False, cancelled=True))
    clock.now += timedelta(minutes=20)
    answer = await customer.says("and where is it now?", "track_order", 0.56)
    assert said.ORDER_MAY_BE_STALE not in answer
    assert services.store.get_order("#5503").status.value == "cancelled"


# -- the marketplace down in the middle of a conversation -----------------------------------------

async def test_shopify_down_the_answer_comes_from_the_cache_with_one_sentence_and_a_person_is_reachable(services,
                                                                                                  clock):
    shop = FakeShopify()
    shop.add(recent_shopify(5601, delivered=False))  # on its way: its status and tracking may move
    marketplace(services, clock, SHOPIFY, shop)
    customer = Customer("web:mp-down")
    await customer.says("where is my parcel? order #5601", "track_order")
    assert await customer.says("jane@example.com") == [said.TRACKING]
    assert "on its way" in customer.text(said.TRACKING)

    clock.now += timedelta(hours=3)
    shop.fail_next = list(DOWN)  # Shopify is down
    answer = await customer.says("hi again, where's my parcel now?", "track_order")
    assert answer == [said.ORDER_MAY_BE_STALE, said.TRACKING]
    assert "last updated 3 hours ago (2026-11-20 12:00 UTC)" in customer.text(said.ORDER_MAY_BE_STALE)
    assert "1Z999AA10123456784" in customer.text(said.TRACKING)  # the cached tracking still answers

    shop.fail_next = []  # back, and the parcel was delivered meanwhile
    shop.add(recent_shopify(5601, delivered=True))
    clock.now += timedelta(minutes=5)
    back = await customer.says("can you check again where it is", "track_order", 0.61)  # as the model reads it
    assert back == [said.TRACKING] and "delivered" in customer.text(said.TRACKING)

    shop.fail_next = list(DOWN)  # down again: a person is still reachable
    clock.now += timedelta(hours=1)
    assert await customer.says("can i talk to a real person please", "human_handoff") == [said.HANDOFF]
    assert services.returns.handoffs.list()[-1].conversation_id == "web:mp-down"


async def test_a_new_conversation_while_shopify_is_down_verifies_on_the_cached_copy_and_says_so(services, clock):
    shop = FakeShopify()
    shop.add(recent_shopify(5604, delivered=False))
    marketplace(services, clock, SHOPIFY, shop)
    earlier = Customer("web:mp-down-earlier")
    await earlier.says("where is #5604", "track_order")
    assert await earlier.says("94107") == [said.TRACKING]
    clock.now += timedelta(hours=2)
    shop.fail_next = list(DOWN)
    customer = Customer("web:mp-down-later")
    await customer.says("hallo, wo ist meine bestellung #5604?", "track_order")
    answer = await customer.says("jane@example.com")
    assert answer == [said.ORDER_MAY_BE_STALE, said.TRACKING]
    assert customer.text(said.ORDER_MAY_BE_STALE).count(".") == 1  # one short sentence


async def test_shopify_down_when_the_customer_first_names_the_order_says_so_with_the_answer(services, clock):
    shop = FakeShopify()
    shop.add(recent_shopify(5602, delivered=False))
    live = marketplace(services, clock, SHOPIFY, shop)
    live.lookup("#5602")  # read an hour ago (the sync, or another conversation)
    clock.now += timedelta(hours=1)
    shop.fail_next = list(DOWN)
    customer = Customer("web:mp-down-first")
    await customer.says("wheres my order #5602", "track_order")
    assert await customer.says("94107") == [said.ORDER_MAY_BE_STALE, said.TRACKING]


@pytest.mark.parametrize("case", ["delivered", "fresh"])
async def test_no_sentence_when_the_copy_cannot_be_out_of_date_in_a_way_that_matters(services, clock, case):
    shop = FakeShopify()
    shop.add(recent_shopify(5603, delivered=case == "delivered"))
    live = marketplace(services, clock, SHOPIFY, shop)
    live.lookup("#5603")
    clock.now += timedelta(hours=3) if case == "delivered" else timedelta(minutes=5)
    shop.fail_next = list(DOWN)
    customer = Customer(f"web:mp-{case}")
    await customer.says("where is #5603", "track_order")
    assert await customer.says("jane@example.com") == [said.TRACKING]


async def test_an_order_placed_while_shopify_is_down_is_not_called_wrong_and_the_customer_can_try_again(services,
                                                                                                       clock):
    shop = FakeShopify()
    shop.add(recent_shopify(5605, delivered=False))  # placed minutes ago: returnbot has never read it
    marketplace(services, clock, SHOPIFY, shop)
    shop.fail_next = list(DOWN)
    customer = Customer("web:mp-unreachable")
    await customer.says("where's my order #5605 please", "track_order")
    assert await customer.says("jane@example.com") == [said.ORDER_SOURCE_UNREACHABLE]
    assert "#5605" in customer.text(said.ORDER_SOURCE_UNREACHABLE)
    assert catalogue().entry(said.ORDER_SOURCE_UNREACHABLE).buttons[0][1] == "/human_handoff"  # Rasa adds the button
    shop.fail_next = []  # back a few minutes later: the same email now answers
    clock.now += timedelta(minutes=3)
    assert await customer.says("jane@example.com") == [said.TRACKING]


async def test_yes_after_the_marketplace_is_unreachable_reaches_a_person(services, clock):
    shop = FakeShopify()
    marketplace(services, clock, SHOPIFY, shop)
    shop.fail_next = list(DOWN)
    customer = Customer("web:mp-unreachable-person")
    await customer.says("i want to return order #5606", "request_return")
    assert await customer.says("94107") == [said.ORDER_SOURCE_UNREACHABLE]
    assert await customer.says("yes please", "affirm") == [said.HANDOFF]


async def test_an_unknown_order_with_the_marketplace_up_is_the_usual_wrong_pair(services, clock):
    shop = FakeShopify()
    marketplace(services, clock, SHOPIFY, shop)
    customer = Customer("web:mp-unknown")
    await customer.says("where is #5607", "track_order")
    assert await customer.says("jane@example.com") == [said.VERIFICATION_FAILED_KEEP]


@pytest.mark.parametrize("language, words", [("de", "zuletzt vor 3 Stunden aktualisiert (Stand: 2026-11-20 12:00 UTC)"),
                                             ("fr", "pour la dernière fois il y a 3 heures (2026-11-20 12:00 UTC)"),
                                             ("es", "por última vez hace 3 horas (2026-11-20 12:00 UTC)"),
                                             ("it", "l'ultima volta 3 ore fa (2026-11-20 12:00 UTC)"),
                                             ("zh", "最后更新于3小时前（2026-11-20 12:00 UTC）")])
def test_the_sentences_read_naturally_in_each_language(language, words):
    with speaking(language):
        say = may_be_stale(NOW, NOW + timedelta(hours=3, minutes=10))
    assert words in catalogue(language=language).text(said.ORDER_MAY_BE_STALE, **say.values)
    assert "#5605" in catalogue(language=language).text(said.ORDER_SOURCE_UNREACHABLE, order_id="#5605")


@pytest.mark.parametrize("elapsed, english", [(timedelta(seconds=20), "1 minute ago"),
                                              (timedelta(minutes=40), "40 minutes ago"),
                                              (timedelta(minutes=100), "2 hours ago"),
                                              (timedelta(days=1, hours=2), "1 day ago")])
def test_the_stale_sentence_says_how_old_the_copy_is(elapsed, english):
    say = may_be_stale(NOW, NOW + elapsed)
    assert say.values["age"] == english
    assert f"was last updated {english} (2026-11-20 12:00 UTC)" in catalogue().text(said.ORDER_MAY_BE_STALE,
                                                                                   **say.values)
