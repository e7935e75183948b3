"""The handoff repositories in SQL on SQLite and PostgreSQL alike: cases with their facts, the one
decision per case, the events, and the Slack channel's card ledger (PostgreSQL on the machine's
server, RETURNBOT_TEST_POSTGRES_URL or 127.0.0.1:5432, in a database of this module's own)."""
from datetime import timedelta

import pytest

from bot.handoffs import Action, Agent, HandoffFacts
from bot.models import Resolution, ReturnReason
from bot.sql.handoffs import SqlHandoffs, handoff_facts
from bot.sql.slack_ledger import SqlSlackLedger
from bot.store import SqlStore, metadata
from tests.builders import NOW
from tests.test_outbox import postgres_url  # noqa: F401  (a fixture: a database of this module's own)

ANA = Agent("U0ANA", "Ana Lopez")
FACTS = HandoffFacts(order_id="#1004", line_id="L1", quantity=2, reason=ReturnReason.DAMAGED,
                     resolution=Resolution.EXCHANGE, words="it came in pieces", language="en")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.scaled)])
def engine(request, tmp_path):
    if request.param == "sqlite":
        store = SqlStore.from_url(f"sqlite:///{tmp_path / 'returnbot.db'}")
    else:
        store = SqlStore.from_url(request.getfixturevalue("postgres_url"))
        SqlHandoffs(store.engine), SqlSlackLedger(store.engine)  # their tables, to drop them too
        metadata.drop_all(store.engine)  # each test from empty tables, as on SQLite
        store.create_schema()
    yield store.engine
    store.engine.dispose()


@pytest.fixture
def cases(engine) -> SqlHandoffs:
    return SqlHandoffs(engine)


def test_a_case_is_opened_with_its_facts_and_read_back_as_they_were(cases):
    case = cases.open("web:a", "damage_claim", "#1004", "a summary", ("damaged on delivery",), NOW, FACTS)
    assert (case.conversation_id, case.reason, case.status, case.signals) == (
        "web:a", "damage_claim", "open", ("damaged on delivery",))
    assert cases.facts(case.handoff_id) == FACTS
    assert cases.get(case.handoff_id) == case and cases.active("web:a") == case
    assert cases.get(case.handoff_id + 1) is None and cases.facts(case.handoff_id + 1) is None


def test_a_conversation_has_one_case_open_and_a_second_open_returns_it(cases):
    first = cases.open("web:a", "fraud_review", "#1", "s", (), NOW, FACTS)
    again = cases.open("web:a", "customer_request", None, "t", (), NOW, HandoffFacts(words="other words"))
    assert again == first and cases.facts(first.handoff_id) == FACTS
    assert cases.move(first.handoff_id, "open", "closed") and not cases.move(first.handoff_id, "open", "closed")
    newer = cases.open("web:a", "customer_request", None, "t", (), NOW, HandoffFacts())
    assert newer.handoff_id != first.handoff_id and cases.facts(newer.handoff_id) == HandoffFacts()
    assert [c.handoff_id for c in cases.list()] == [first.handoff_id, newer.handoff_id]
    assert cases.list("closed") == [cases.get(first.handoff_id)] and cases.list_active() == [newer]


def test_facts_a_later_version_wrote_with_values_this_one_does_not_know_read_as_unknown(cases, engine):
    case = cases.open("web:a", "fraud_review", "#1", "s", (), NOW, FACTS)
    with engine.begin() as conn:
        conn.execute(handoff_facts.update().values(reason="smells_funny", resolution="barter"))
    facts = cases.facts(case.handoff_id)
    assert (facts.reason, facts.resolution, facts.line_id, facts.quantity) == (None, None, "L1", 2)


def test_the_customers_words_are_kept_in_one_line_and_cut_to_size(cases):
    long = HandoffFacts(words="  first line\n second   line " + "x" * 900)
    assert long.words.startswith("first line second line x") and len(long.words) == 500
    case = cases.open("web:a", "customer_request", None, "s", (), NOW, long)
    assert cases.facts(case.handoff_id).words == long.words


def test_a_case_gets_one_decision_and_its_events_in_order(cases):
    case = cases.open("web:a", "fraud_review", "#1", "s", (), NOW, FACTS)
    cases.record(case.handoff_id, Action.TAKE_OVER, ANA, "", NOW)
    decision = cases.claim_decision(case.handoff_id, Action.APPROVE, ANA, "ok", NOW + timedelta(minutes=1))
    assert decision is not None
    assert cases.claim_decision(case.handoff_id, Action.REJECT, ANA, "no", NOW) is None
    cases.set_decision_rma(decision, "RMA-1")
    assert [(e.action, e.agent, e.rma_id) for e in cases.events(case.handoff_id)] == [
        (Action.TAKE_OVER, ANA, None), (Action.APPROVE, ANA, "RMA-1")]
    cases.drop_event(decision)
    assert cases.claim_decision(case.handoff_id, Action.REJECT, ANA, "no", NOW) is not None


def test_open_cases_without_a_decision_come_with_their_announcements(cases):
    waiting = cases.open("web:a", "fraud_review", "#1", "s", (), NOW, FACTS)
    decided = cases.open("web:b", "fraud_review", "#2", "s", (), NOW, FACTS)
    cases.claim_decision(decided.handoff_id, Action.REJECT, ANA, "no", NOW)
    cases.record(waiting.handoff_id, Action.REANNOUNCE, None, "", NOW + timedelta(minutes=15))
    cases.record(waiting.handoff_id, Action.REANNOUNCE, None, "", NOW + timedelta(minutes=30))
    [due] = cases.undecided_open()
    assert (due.handoff, due.last_reannounced, due.reannouncements) == (waiting, NOW + timedelta(minutes=30), 2)


def test_whether_a_conversation_has_verified_any_order(cases, engine):
    store = SqlStore(engine)
    assert not cases.has_verified("web:a")
    store.record_verification("web:a", "#1004", NOW)
    assert cases.has_verified("web:a") and not cases.has_verified("web:b")


# -- the Slack channel's ledger ------------------------------------------------------------------------
def test_a_card_is_reserved_before_posting_and_found_by_its_thread(cases, engine):
    ledger = SqlSlackLedger(engine)
    case = cases.open("web:a", "fraud_review", "#1", "s", (), NOW, FACTS)
    assert ledger.cases_without_card() == [case.handoff_id] and ledger.card(case.handoff_id) is None
    card, fresh = ledger.reserve_card(case.handoff_id, "C0AGENTS", NOW)
    assert fresh and card.ts is None
    again, fresh = ledger.reserve_card(case.handoff_id, "C0AGENTS", NOW)
    assert not fresh and again.ts is None  # an earlier post may have happened: look before posting
    assert ledger.cases_without_card() == [case.handoff_id]
    ledger.save_card(case.handoff_id, "C0AGENTS", "1700000000.000100", NOW)
    assert ledger.cases_without_card() == []
    assert ledger.case_for_thread("C0AGENTS", "1700000000.000100") == case.handoff_id
    assert ledger.case_for_thread("C0OTHER", "1700000000.000100") is None


def test_a_closed_case_needs_no_card(cases, engine):
    ledger = SqlSlackLedger(engine)
    case = cases.open("web:a", "fraud_review", "#1", "s", (), NOW, FACTS)
    cases.move(case.handoff_id, "open", "closed")
    assert ledger.cases_without_card() == []


def test_an_event_is_handled_once_and_a_post_is_looked_for_before_posting_again(engine):
    ledger = SqlSlackLedger(engine)
    assert ledger.claim_event("message:C0:1.1", NOW) and not ledger.claim_event("message:C0:1.1", NOW)
    ledger.release_event("message:C0:1.1")
    assert ledger.claim_event("message:C0:1.1", NOW)
    assert ledger.reserve_post("customer:k", 1, NOW) == (None, True)
    assert ledger.reserve_post("customer:k", 1, NOW) == (None, False)
    ledger.save_post("customer:k", "1.2", NOW)
    assert ledger.reserve_post("customer:k", 1, NOW) == ("1.2", False) and ledger.posted("customer:k") == "1.2"
