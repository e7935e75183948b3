"""Agents' side of a handoff on the demo store, in memory (the ports' fakes, tests/fakes.py) and on SQLite:
the case as an agent sees it (masked), and each action once, with who and when, and what the customer is
told."""
import subprocess
from dataclasses import replace
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.handoffs import Action, Agent, HandoffFacts, HandoffService
from bot.models import Customer, Outcome, Resolution, ReturnReason, RmaStatus
from bot.sql.handoffs import handoff_facts
from tests.builders import NOW, line, order
from tests.stores import demo_store, services_over

SAM_ORDER, SAM_EMAIL = "114-7777777-0000001", "sam.serial@example.com"
ERIN_ORDER = "#1004"
CONV = "telegram:4242"
ANA = Agent("U0ANA", "Ana Lopez")
BO = Agent("U0BO", "Bo Chen")


@pytest.fixture(params=["memory", "sqlite"])
def services(request, settings, tmp_path):
    store, close = demo_store(request, request.param, tmp_path)
    yield services_over(store, settings)
    close()


@pytest.fixture
def handoffs(services):
    return HandoffService(services.store, services.returns)


def fraud_case(services, conversation=CONV):
    returns = services.returns
    assert returns.verify(conversation, SAM_ORDER, SAM_EMAIL).verified
    services.store.append_message(conversation, "in", {"text": f"return {SAM_ORDER}, I'm {SAM_EMAIL}, "
                                                              "call me on +1 415-555-0132"}, NOW)
    services.store.append_message(conversation, "out", {"text": "Thanks. A member of our team..."}, NOW)
    result = returns.request_return(conversation, SAM_ORDER, "L1", ReturnReason.TOO_LARGE)
    assert result.decision.outcome is Outcome.FRAUD_REVIEW
    return result.handoff


def damage_case(services, conversation=CONV):
    assert services.returns.verify(conversation, ERIN_ORDER, "M5V 2T6").verified
    result = services.returns.request_return(conversation, ERIN_ORDER, "L1", ReturnReason.DAMAGED)
    return result.handoff, result.rma


def as_if_stored(services, handoff_id: int, **changes) -> None:
    """Change a stored case behind the service's back: its `summary`, or `facts=None` (no facts kept)."""
    cases = services.returns.handoffs
    if not hasattr(services.store, "engine"):  # in memory (tests/fakes.py FakeHandoffs)
        if "summary" in changes:
            cases.cases[handoff_id] = replace(cases.cases[handoff_id], summary=changes["summary"])
        if "facts" in changes:
            cases.case_facts.pop(handoff_id, None)
        return
    from bot.sql.handoffs import handoffs as table

    with services.store.engine.begin() as conn:
        if "summary" in changes:
            conn.execute(table.update().where(table.c.handoff_id == handoff_id).values(summary=changes["summary"]))
        if "facts" in changes:
            conn.execute(handoff_facts.delete().where(handoff_facts.c.handoff_id == handoff_id))


# -- what the agent sees ----------------------------------------------------------------------------
def test_the_case_of_a_serial_returner_shows_history_signals_and_masked_customer(services, handoffs):
    case = handoffs.context(fraud_case(services).handoff_id)
    assert (case.reason, case.status, case.conversation_channel, case.order_id) == (
        "fraud_review", "open", "telegram", SAM_ORDER)
    assert (case.history.orders, case.history.orders_with_returns, case.history.rate) == (10, 8, Decimal("0.8"))
    assert "return rate 80%" in case.signals[0]
    assert (case.customer_name, case.customer_email, case.customer_postcode) == ("Sam S.", "s***@e***.com", "10***")
    assert [(i.title, str(i.unit_price), i.requested) for i in case.items] == [("Red dress", "120.00 USD", True)]
    assert case.return_reason is ReturnReason.TOO_LARGE and case.can_decide and case.rma is None
    said = " ".join(m.text for m in case.messages)
    assert [m.sender for m in case.messages] == ["customer", "bot"]
    assert SAM_ORDER in said and "s***@e***.com" in said and "+* ***-***-**32" in said
    assert SAM_EMAIL not in said and "415-555" not in said


def test_a_request_for_a_person_without_an_order_shows_what_there_is(services, handoffs):
    handoff = services.returns.open_handoff("web:abc", "customer_request", None, "The customer asked for a person.")
    case = handoffs.context(handoff.handoff_id)
    assert (case.conversation_channel, case.order_id, case.items, case.history) == ("web", None, (), None)
    assert not case.can_decide


# -- approve ------------------------------------------------------------------------------------------
def test_approve_issues_one_rma_despite_the_fraud_flag_and_tells_the_customer(services, handoffs):
    handoff = fraud_case(services)
    update = handoffs.approve(handoff.handoff_id, ANA)
    assert update.changed and update.rma.outcome is Outcome.RMA and update.rma.resolution is Resolution.REFUND
    assert update.rma.conversation_id == CONV and update.rma.refund.amount == Decimal("120.00")
    assert update.rma.rma_id in update.customer_text and "/slip.pdf?t=" in update.customer_text
    assert update.context.status == "closed" and update.context.decision.agent == ANA
    assert update.context.decision.rma_id == update.rma.rma_id

    again = handoffs.approve(handoff.handoff_id, BO)
    assert not again.changed and again.rma == update.rma and again.customer_text == update.customer_text
    assert "Already approved by Ana Lopez" in again.note
    assert len(services.store.list_rmas()) == 1


def test_simultaneous_approvals_make_one_rma_and_one_message_to_the_customer(services, handoffs):
    handoff = fraud_case(services)
    with ThreadPoolExecutor(max_workers=4) as pool:
        updates = list(pool.map(lambda agent: handoffs.approve(handoff.handoff_id, agent), [ANA, BO, ANA, BO]))
    assert sum(u.changed for u in updates) == 1
    assert len({u.rma.rma_id for u in updates if u.rma}) == 1 and len(services.store.list_rmas()) == 1


def test_approve_still_applies_every_rule_but_the_fraud_one(services, handoffs):
    assert services.returns.verify(CONV, "12-34567-89012", "SW1A 1AA").verified  # window closed
    handoff = services.returns.open_handoff(
        CONV, "customer_request", "12-34567-89012", "The customer asked for a person.",
        facts=HandoffFacts(order_id="12-34567-89012", line_id="L1", quantity=1, reason=ReturnReason.OTHER))
    update = handoffs.approve(handoff.handoff_id, ANA)
    assert not update.changed and "window closed" in update.note and update.customer_text is None
    assert services.store.list_rmas() == [] and update.context.decision is None  # still open to a decision


def test_approve_without_an_order_is_refused(services, handoffs):
    handoff = services.returns.open_handoff(CONV, "customer_request", None, "The customer asked for a person.")
    update = handoffs.approve(handoff.handoff_id, ANA)
    assert not update.changed and "no order" in update.note


def test_approving_a_damage_claim_authorises_the_pending_replacement(services, handoffs):
    handoff, rma = damage_case(services)
    update = handoffs.approve(handoff.handoff_id, ANA)
    assert update.rma.rma_id == rma.rma_id and update.rma.status is RmaStatus.AUTHORISED
    assert "replacement" in update.customer_text and rma.rma_id in update.customer_text


# -- reject and replacement -----------------------------------------------------------------------
def test_reject_sends_the_reason_and_blocks_other_decisions(services, handoffs):
    handoff = fraud_case(services)
    assert not handoffs.reject(handoff.handoff_id, ANA, "   ").changed  # a reason is required
    update = handoffs.reject(handoff.handoff_id, ANA, "The dress was worn and the tags removed")
    assert update.changed and "The dress was worn and the tags removed." in update.customer_text
    assert "Red dress" in update.customer_text and update.context.decision.note.startswith("The dress")
    approve = handoffs.approve(handoff.handoff_id, BO)
    assert not approve.changed and "Already decided: rejected by Ana Lopez" in approve.note
    assert services.store.list_rmas() == []


def test_rejecting_a_damage_claim_rejects_its_pending_return(services, handoffs):
    handoff, rma = damage_case(services)
    update = handoffs.reject(handoff.handoff_id, ANA, "The photo shows a different vase.")
    assert services.store.get_rma(rma.rma_id).status is RmaStatus.REJECTED and update.rma.rma_id == rma.rma_id


def test_offer_replacement_issues_a_replacement_return(services, handoffs):
    handoff = fraud_case(services)
    update = handoffs.offer_replacement(handoff.handoff_id, ANA)
    assert update.changed and update.rma.resolution is Resolution.REPLACEMENT
    assert update.rma.rma_id in update.customer_text and "replacement" in update.customer_text
    assert handoffs.offer_replacement(handoff.handoff_id, ANA).rma == update.rma


# -- who holds the conversation -------------------------------------------------------------------
def test_take_over_silences_the_bot_until_hand_back(services, handoffs):
    handoff = fraud_case(services)
    assert not handoffs.is_agent_owned(CONV)
    taken = handoffs.take_over(handoff.handoff_id, ANA)
    assert taken.changed and "Ana" in taken.customer_text and taken.context.owner == ANA
    assert handoffs.is_agent_owned(CONV) and not handoffs.take_over(handoff.handoff_id, ANA).changed

    decided = handoffs.approve(handoff.handoff_id, ANA)  # a decision keeps the agent in the conversation
    assert decided.context.status == "claimed" and handoffs.is_agent_owned(CONV)

    back = handoffs.hand_back(handoff.handoff_id, ANA)
    assert back.changed and back.context.status == "closed" and "assistant" in back.customer_text
    assert not handoffs.is_agent_owned(CONV) and not handoffs.hand_back(handoff.handoff_id, ANA).changed
    assert [e.action for e in back.context.events] == [Action.TAKE_OVER, Action.APPROVE, Action.HAND_BACK]


def test_another_agent_can_take_a_conversation_over(services, handoffs):
    handoff = fraud_case(services)
    handoffs.take_over(handoff.handoff_id, ANA)
    moved = handoffs.take_over(handoff.handoff_id, BO)
    assert moved.changed and moved.context.owner == BO and "Bo" in moved.customer_text


def test_a_closed_case_can_be_taken_over_again_unless_a_newer_one_is_open(services, handoffs):
    handoff = fraud_case(services)
    handoffs.hand_back(handoff.handoff_id, ANA)
    assert handoffs.take_over(handoff.handoff_id, ANA).context.status == "claimed"
    handoffs.hand_back(handoff.handoff_id, ANA)
    newer = services.returns.open_handoff(CONV, "customer_request", None, "again")
    refused = handoffs.take_over(handoff.handoff_id, ANA)
    assert not refused.changed and f"#{newer.handoff_id}" in refused.note


# -- waiting cases ----------------------------------------------------------------------------------
def test_an_open_case_nobody_picked_up_is_due_again_every_interval(services, handoffs):
    handoff = fraud_case(services)
    after = timedelta(minutes=15)
    assert handoffs.overdue(NOW + timedelta(minutes=14), after) == []
    [due] = handoffs.overdue(NOW + timedelta(minutes=15), after)
    assert due.handoff.handoff_id == handoff.handoff_id and due.waiting == after and due.announcements == 0

    first = handoffs.reannounce(handoff.handoff_id, NOW + timedelta(minutes=15))
    assert f"#{handoff.handoff_id}" in first.customer_text  # an honest update, once
    assert handoffs.overdue(NOW + timedelta(minutes=29), after) == []
    [again] = handoffs.overdue(NOW + timedelta(minutes=30), after)
    assert again.announcements == 1
    assert handoffs.reannounce(handoff.handoff_id, NOW + timedelta(minutes=30)).customer_text is None


def test_a_case_taken_over_or_decided_is_not_due(services, handoffs):
    taken = fraud_case(services)
    handoffs.take_over(taken.handoff_id, ANA)
    decided, _ = damage_case(services, conversation="web:other")
    handoffs.approve(decided.handoff_id, ANA)
    assert handoffs.overdue(NOW + timedelta(hours=2)) == []


# -- the case's facts -------------------------------------------------------------------------------
SAM_BASKET = "114-7777777-0000099"


def serial_basket(services):
    """An order of the serial returner with three pairs of socks (fraud review on any return)."""
    sam = services.store.get_order(SAM_ORDER).customer
    services.store.upsert_orders([order(line(line_id="L1", title="Wool socks", category="apparel", quantity=3,
                                             unit_price=Decimal("12.00")),
                                        order_id=SAM_BASKET, customer=Customer(sam.email, sam.name, sam.postcode,
                                                                               sam.country),
                                        delivered_days_ago=3)])
    assert services.returns.verify(CONV, SAM_BASKET, SAM_EMAIL).verified


def test_a_case_keeps_what_the_customer_asked_as_facts(services, handoffs):
    serial_basket(services)
    result = services.returns.request_return(CONV, SAM_BASKET, "L1", ReturnReason.TOO_SMALL, Resolution.EXCHANGE, 2,
                                             words="  they pinch,\n my email is sam.serial@example.com ")
    assert result.decision.outcome is Outcome.FRAUD_REVIEW
    assert handoffs.facts(result.handoff.handoff_id) == HandoffFacts(
        order_id=SAM_BASKET, line_id="L1", quantity=2, reason=ReturnReason.TOO_SMALL, resolution=Resolution.EXCHANGE,
        words="they pinch, my email is sam.serial@example.com", language="en")
    case = handoffs.context(result.handoff.handoff_id)  # the agent sees them masked
    assert case.facts.words == "they pinch, my email is s***@e***.com" and case.facts.quantity == 2
    assert case.return_reason is ReturnReason.TOO_SMALL and case.requested_item.line_id == "L1"


def test_approval_issues_the_quantity_and_resolution_the_customer_asked_for(services, handoffs):
    serial_basket(services)
    handoff = services.returns.request_return(CONV, SAM_BASKET, "L1", ReturnReason.TOO_SMALL, Resolution.EXCHANGE,
                                              2).handoff
    update = handoffs.approve(handoff.handoff_id, ANA)
    assert update.changed and update.rma.quantity == 2 and update.rma.resolution is Resolution.EXCHANGE
    assert update.rma.refund.amount == Decimal("24.00") and update.rma.reason is ReturnReason.TOO_SMALL


def test_approval_without_a_resolution_asked_is_a_refund(services, handoffs):
    serial_basket(services)
    handoff = services.returns.request_return(CONV, SAM_BASKET, "L1", ReturnReason.TOO_SMALL, None, 1).handoff
    update = handoffs.approve(handoff.handoff_id, ANA)
    assert (update.rma.quantity, update.rma.resolution) == (1, Resolution.REFUND)


def test_a_replacement_offered_covers_the_quantity_asked(services, handoffs):
    serial_basket(services)
    handoff = services.returns.request_return(CONV, SAM_BASKET, "L1", ReturnReason.TOO_SMALL, None, 2).handoff
    update = handoffs.offer_replacement(handoff.handoff_id, ANA)
    assert (update.rma.quantity, update.rma.resolution) == (2, Resolution.REPLACEMENT)


def test_the_summary_is_for_people_only(services, handoffs):
    """The case is decided from its facts: a summary that names another item changes nothing."""
    serial_basket(services)
    handoff = services.returns.request_return(CONV, SAM_BASKET, "L1", ReturnReason.TOO_SMALL, None, 1).handoff
    as_if_stored(services, handoff.handoff_id, summary="Something else entirely x9; reason damaged")
    update = handoffs.approve(handoff.handoff_id, ANA)
    assert (update.rma.line_id, update.rma.quantity, update.rma.reason) == ("L1", 1, ReturnReason.TOO_SMALL)


def test_a_request_for_a_person_keeps_the_customers_words_but_no_item(services, handoffs):
    handoff = services.returns.open_handoff(CONV, "customer_request", SAM_ORDER, "The customer asked for a person.",
                                            facts=HandoffFacts(order_id=SAM_ORDER, words="I was charged twice"))
    case = handoffs.context(handoff.handoff_id)
    assert case.facts.words == "I was charged twice" and case.facts.line_id is None and not case.can_decide
    update = handoffs.approve(handoff.handoff_id, ANA)
    assert not update.changed and "which item" in update.note


def test_a_case_opened_before_facts_were_kept_is_resolved_by_hand(services, handoffs):
    handoff = fraud_case(services)
    as_if_stored(services, handoff.handoff_id, facts=None)  # as a case opened by an earlier version
    case = handoffs.context(handoff.handoff_id)
    assert case.facts is None and not case.can_decide and case.requested_item is None
    assert [i.title for i in case.items] == ["Red dress"]  # the order is still shown, the summary too
    for act in (handoffs.approve, handoffs.offer_replacement):
        update = act(handoff.handoff_id, ANA)
        assert not update.changed and "by hand" in update.note and update.customer_text is None
    assert services.store.list_rmas() == [] and handoffs.context(handoff.handoff_id).decision is None
    assert handoffs.take_over(handoff.handoff_id, BO).changed  # the agent talks to the customer
    rejected = handoffs.reject(handoff.handoff_id, ANA, "We can't accept this return.")  # still answerable
    assert rejected.changed and "can't help with this request" in rejected.customer_text


def test_no_text_is_parsed_back_from_a_summary():
    """The summary is shown to agents (masked) and nothing else reads it: no regular expressions in
    the handoffs' code, and its only read of a summary is the masked copy for the card."""
    root = Path(__file__).resolve().parent.parent
    files = [*sorted((root / "bot" / "handoffs").glob("*.py")), root / "bot" / "sql" / "handoffs.py"]
    regex = subprocess.run(["grep", "-nE", r"^\s*(import re\b|from re import)|re\.(compile|search|match)\(",
                            *map(str, files)], capture_output=True, text=True).stdout
    assert regex == ""
    second_service = subprocess.run(["grep", "-nE", r"sys\.maxsize|ReturnsService\(", *map(str, files)],
                                    capture_output=True, text=True).stdout
    assert second_service == ""  # agents overrule the fraud rule with check_fraud=False
    reads = subprocess.run(["grep", "-nE", r"\.summary\b", *map(str, files)], capture_output=True, text=True).stdout
    assert [line.split(":", 2)[2].strip() for line in reads.splitlines()] == [
        "created_at=handoff.created_at, summary=mask_text(handoff.summary), order_id=handoff.order_id,"]


@pytest.mark.parametrize("language, taken, rejected", [
    ("de", "Hallo, hier ist Ana", "leider nicht weiterhelfen"),
    ("zh", "您好，我是", "抱歉"),
])
def test_a_person_s_decision_reaches_the_customer_in_the_language_of_their_case(services, handoffs, language,
                                                                                taken, rejected):
    """The agent writes in their own language; what the service tells the customer is the catalogue's,
    in the language the case was opened in (HandoffFacts.language)."""
    assert services.returns.verify(CONV, SAM_ORDER, SAM_EMAIL).verified
    handoff = services.returns.open_handoff(CONV, "customer_request", SAM_ORDER, "The customer asked for a person.",
                                            facts=HandoffFacts(order_id=SAM_ORDER, words="hilfe", language=language))
    took = handoffs.take_over(handoff.handoff_id, ANA)
    assert took.customer_text.startswith(taken) and took.note == "You have the conversation: your replies in this thread go to the customer."
    answer = handoffs.reject(handoff.handoff_id, ANA, "We need photos first.")
    assert rejected in answer.customer_text and "We need photos first." in answer.customer_text  # as written
