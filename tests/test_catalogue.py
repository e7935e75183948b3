"""Every sentence a customer reads has one key and one home: the catalogue (domain.yml's responses, read
by bot/catalogue.py). Code names sentences only through bot/responses.py; every name is a sentence of the
catalogue and every sentence is used; no name is built at run time; one status ladder serves returns
made here and returns read from a returns platform; and a sentence reads the same in Rasa's chat, the
web page, Telegram and the portal."""
from __future__ import annotations

import ast
import asyncio
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from bot import replies
from bot import responses as said
from bot.catalogue import Catalogue, CatalogueError, catalogue, load_catalogue
from bot.models import Ineligibility, Money, Outcome, Resolution, ReturnReason, Rma, RmaStatus
from bot.platforms import ExternalReturn, ReturnedItem
from bot.policy import CancelDecision

ROOT = Path(__file__).resolve().parent.parent
CODE = ("bot", "actions", "channels", "cli", "rasa_ext", "integrations")
NAMES = ROOT / "bot" / "responses.py"
RASA_WORDS = {"utter_action"}  # Rasa's own field names, not sentences


def _constants() -> dict:
    """bot/responses.py's sentence names: constant -> key."""
    found = {}
    for node in ast.parse(NAMES.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found[node.targets[0].id] = node.value.value
    return found


def _tables() -> dict:
    """bot/responses.py's tables: table -> the constants it holds."""
    tables = {}
    for node in ast.parse(NAMES.read_text()).body:
        target = (node.target if isinstance(node, ast.AnnAssign)
                  else node.targets[0] if isinstance(node, ast.Assign) else None)
        if target is not None and isinstance(node.value, ast.Dict):
            tables[target.id] = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
    return tables


def _code_files():
    for folder in CODE:
        yield from (p for p in (ROOT / folder).rglob("*.py") if p != NAMES)


def _names_used() -> set:
    """The names of bot.responses that code outside it uses (`said.GREET`, `responses.LADDER`)."""
    used = set()
    for path in _code_files():
        tree = ast.parse(path.read_text())
        aliases = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                   and node.module == "bot" for alias in node.names if alias.name == "responses"}
        used |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                 and isinstance(node.value, ast.Name) and node.value.id in aliases}
    return used


def test_every_name_is_a_sentence_of_the_catalogue_and_every_sentence_has_a_name():
    keys = set(load_catalogue().keys())
    names = _constants()
    assert len(set(names.values())) == len(names), "two constants name one sentence"
    assert set(names.values()) == keys, (set(names.values()) - keys, keys - set(names.values()))


def test_every_sentence_of_the_catalogue_is_used():
    used = _names_used()
    tables = _tables()
    reached = used | {name for table in used & set(tables) for name in tables[table]}
    unused = set(_constants()) - reached
    assert not unused, f"sentences nothing says (remove them from domain.yml and bot/responses.py): {sorted(unused)}"


def test_no_sentence_is_named_by_a_string_or_built_at_run_time():
    """Names are constants: no f"utter_..." and no "utter_..." literal outside bot/responses.py."""
    for path in _code_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant) \
                    and str(node.values[0].value).startswith("utter_"):
                pytest.fail(f"{path.relative_to(ROOT)}:{node.lineno}: a response name built at run time")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("utter_") \
                    and node.value not in RASA_WORDS:
                pytest.fail(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}: use bot.responses")
    for script in (ROOT / "channels" / "web" / "static").glob("*.js"):
        assert "utter_" not in script.read_text(), script.name


def test_the_tables_cover_every_value_the_code_can_look_up():
    from bot.conversation.state import GOALS

    assert set(said.QUEUED) == set(GOALS)
    assert set(said.CANCEL_REFUSED) == set(CancelDecision) - {CancelDecision.CANCEL}
    assert set(said.LADDER) == set(RmaStatus)
    assert set(said.NEXT) == set(said.RESOLUTION_NAMES) == set(Resolution)
    assert set(said.NOT_ELIGIBLE) == set(said.PORTAL_WHY_NOT) <= set(Ineligibility)


# -- rendering --------------------------------------------------------------------------------------
def _sample_values(words: Catalogue, key: str) -> dict:
    return {name: f"<{name}>" for name in words.placeholders(key)}


@pytest.mark.parametrize("key", sorted(load_catalogue().keys()))
def test_a_sentence_renders_as_rasa_renders_it(key):
    """The portal and the ladder fill a sentence exactly as Rasa's NLG fills a response, buttons too."""
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.trackers import DialogueStateTracker

    words = catalogue()
    values = _sample_values(words, key)
    responses = {k: [{"text": e.text, **({"buttons": [{"title": t, "payload": p} for t, p in e.buttons]}
                                          if e.buttons else {})}] for k, e in
                 ((k, words.entry(k)) for k in words.keys())}
    nlg = TemplatedNaturalLanguageGenerator(responses)
    spoken = asyncio.run(nlg.generate(key, DialogueStateTracker("t", []), "rest", **values))
    assert spoken["text"] == words.text(key, **values)
    assert [(b["title"], b["payload"]) for b in spoken.get("buttons") or []] == list(words.entry(key).buttons)


def test_a_missing_value_or_key_is_an_error_not_a_sentence_with_a_hole():
    with pytest.raises(CatalogueError):
        catalogue().text(said.ASK_CUSTOMER_PROOF)
    with pytest.raises(CatalogueError):
        catalogue().text("utter_no_such_sentence")


@pytest.mark.parametrize("key, values", [
    (said.RMA_ISSUED, {"rma_id": "RMA-7", "slip_url": "https://shop.example/returns/RMA-7/slip.pdf?t=x",
                       "item": "Mug & <cup>", "ship_by": "4 December 2026",
                       "resolution_text": "We'll refund 9.99 USD as soon as it arrives back with us."}),
    (said.ASK_RETURN_REASON, {}),
    (said.RETURN_STATUS, {"status_lines": " ".join(["RMA-1 (Socks): it's on its way back to us."] * 200)}),
])
def test_web_and_telegram_show_the_same_sentence_for_the_same_key(key, values):
    """One key, one sentence: the web page shows Rasa's reply as it is; Telegram splits it at its limit
    and escapes it, and its parts put back together are the same words with the same buttons."""
    import html
    import re

    from channels.telegram.format import reply_payloads, to_html
    from channels.web.app import web_payloads

    words = catalogue()
    entry = words.entry(key)
    reply = {"text": words.text(key, **values),
             "buttons": [{"title": t, "payload": p} for t, p in entry.buttons]}
    web = web_payloads(reply)
    telegram = reply_payloads(reply)
    assert [w["text"] for w in web] == [reply["text"]]
    assert " ".join(part["text"] for part in telegram).split() == reply["text"].split()
    assert telegram[-1].get("buttons", []) == web[0]["buttons"]
    for part in telegram:
        assert html.unescape(re.sub(r"<[^>]+>", "", to_html(part["text"]))) == part["text"]


# -- one status ladder --------------------------------------------------------------------------------
T0, T1 = datetime(2026, 11, 20, tzinfo=timezone.utc), datetime(2026, 11, 28, tzinfo=timezone.utc)
SLIP = "https://shop.example/returns/RMA-1/slip.pdf"


def _rma(status: RmaStatus, resolution: Resolution = Resolution.REFUND, refunded_at=None) -> Rma:
    return Rma("RMA-1", "#1001", "L1", 1, ReturnReason.TOO_SMALL, resolution, Outcome.RMA, status,
               Money(Decimal("9.99"), "USD"), "web:1", T0, T0, refunded_at)


def _platform(status: RmaStatus, refund=None, label=None, refunded_at=None) -> ExternalReturn:
    return ExternalReturn("loop", "e1", "LOOP-1", "#1001", "#1001", status, "x", T0, T1,
                          (ReturnedItem("c", "Cap", 1),), None, label, None, None, refund, refunded_at)


@pytest.mark.parametrize("rma, slip, expected", [
    (_rma(RmaStatus.LABEL_CREATED), SLIP, "Your return label has been generated. RMA number is RMA-1 (Socks); "
     f"instructions and the label are here: {SLIP} . Please send it by 4 December 2026."),
    (_rma(RmaStatus.AUTHORISED, Resolution.STORE_CREDIT), None, "RMA-1 (Socks): approved on 20 November 2026, "
     "waiting for you to send it (by 4 December 2026); the store credit of 9.99 USD follows when it arrives."),
    (_rma(RmaStatus.IN_TRANSIT, Resolution.EXCHANGE), SLIP,
     "RMA-1 (Socks): it's on its way back to us; the exchange follows when it arrives."),
    (_rma(RmaStatus.INSPECTED), None,
     "RMA-1 (Socks): we've received it and the refund of 9.99 USD is being processed."),
    (_rma(RmaStatus.REFUNDED, refunded_at=T1), SLIP,
     "RMA-1 (Socks): refunded 9.99 USD on 28 November 2026; banks usually show it within 3-5 business days."),
    (_rma(RmaStatus.REJECTED), None,
     "RMA-1 (Socks): the return was not accepted. A member of our team can explain why."),
    (_rma(RmaStatus.PENDING_REVIEW), None, "RMA-1 (Socks): our team is reviewing it and will reply here."),
])
def test_a_return_made_here_climbs_the_ladder(rma, slip, expected):
    assert replies.return_progress(replies.Progress.of_rma(rma, "Socks", 14, slip), "3-5") == expected


@pytest.mark.parametrize("found, expected", [
    (_platform(RmaStatus.LABEL_CREATED, label="https://loop.example/l"), "Your return label has been generated. "
     "RMA number is LOOP-1 (Cap); instructions and the label are here: https://loop.example/l ."),
    (_platform(RmaStatus.AUTHORISED), "LOOP-1 (Cap): approved on 20 November 2026."),
    (_platform(RmaStatus.IN_TRANSIT), "LOOP-1 (Cap): it's on its way back to us."),
    (_platform(RmaStatus.RECEIVED), "LOOP-1 (Cap): we've received it and your refund or exchange is being processed."),
    (_platform(RmaStatus.REFUNDED, refund=Money(Decimal("5"), "EUR")),
     "LOOP-1 (Cap): refunded 5.00 EUR on 28 November 2026; banks usually show it within 3-5 business days."),
    (_platform(RmaStatus.REFUNDED, refunded_at=T0),
     "LOOP-1 (Cap): refunded on 20 November 2026; banks usually show it within 3-5 business days."),
    (_platform(RmaStatus.PENDING_REVIEW), "LOOP-1 (Cap): our team is reviewing it."),
    (_platform(RmaStatus.REJECTED), "LOOP-1 (Cap): the return was not accepted. A member of our team can explain why."),
])
def test_a_return_on_a_returns_platform_climbs_the_same_ladder_saying_only_what_is_known(found, expected):
    assert replies.platform_return_progress(found, "3-5") == expected


@pytest.mark.parametrize("rma, ship_by, expected", [
    (_rma(RmaStatus.AUTHORISED), None, "Approved on 20 November 2026."),
    (_rma(RmaStatus.LABEL_CREATED), T1,
     "Approved on 20 November 2026: print the slip and send it back by 28 November 2026."),
    (_rma(RmaStatus.LABEL_CREATED), None, "Approved on 20 November 2026."),
    (_rma(RmaStatus.RECEIVED, Resolution.STORE_CREDIT), None,
     "We've received it; your store credit is being processed."),
    (_rma(RmaStatus.REFUNDED, refunded_at=T1), None, "Refunded 9.99 USD on 28 November 2026."),
    (_rma(RmaStatus.REFUNDED), None, "Refunded 9.99 USD."),
    (_rma(RmaStatus.PENDING_REVIEW), None, "Our team is reviewing it and will reply in the chat."),
])
def test_the_portal_reads_the_same_ladder_in_its_own_words(rma, ship_by, expected):
    assert replies.portal_status(rma, ship_by) == expected


def test_a_second_language_is_a_second_catalogue_with_the_same_keys():
    """How issue 15 adds a language: the same keys and placeholders, other words."""
    english = catalogue()
    translated = {said.NEXT_EXCHANGE: [{"text": "Wir senden Ihren Umtausch, sobald er zurück ist."}]}
    german = Catalogue.from_responses({key: [{"text": english.entry(key).text}] for key in english.keys()}
                                      | translated, language="de")
    assert set(german.keys()) == set(english.keys())
    assert all(german.placeholders(k) == english.placeholders(k) for k in english.keys())
    assert replies.resolution_text(Resolution.EXCHANGE, "9.99 USD", german) == \
        "Wir senden Ihren Umtausch, sobald er zurück ist."


def test_a_failed_step_still_offers_a_person_once_rasa_speaks_it():
    """actions/converse.py sends only the key; Rasa adds the catalogue's button, as the action used to."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(ROOT / "domain.yml"))
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    [uttered] = asyncio.run(RemoteAction._utter_responses(
        [{"response": said.STEP_FAILED, "buttons": []}], CollectingOutputChannel(), nlg,
        DialogueStateTracker("t", [])))
    assert uttered.text.startswith("Sorry, something went wrong on our side")
    assert uttered.data["buttons"] == [{"title": "Talk to a person", "payload": "/human_handoff"}]


def test_the_ladder_takes_the_banks_days_from_the_policy():
    """One fact, one source: policy.yml's bank_days, not a number in a sentence."""
    refunded = replies.Progress.of_rma(_rma(RmaStatus.REFUNDED, refunded_at=T1), "Socks", 14)
    assert replies.return_progress(refunded, "2-4").endswith("banks usually show it within 2-4 business days.")
    platform = _platform(RmaStatus.REFUNDED, refund=Money(Decimal("5"), "EUR"))
    assert replies.platform_return_progress(platform, "5-10").endswith("within 5-10 business days.")


def test_a_portal_sentence_comes_in_parts_and_a_value_never_becomes_markup():
    words = catalogue()
    assert words.parts(said.PORTAL_ITEM_RETURNLESS, refund="**9.99** [USD]") == [
        {"text": "No need to send it back", "strong": True},
        {"text": ": you keep it and get a refund of **9.99** [USD]."}]
    assert words.parts(said.PORTAL_ITEM_CHAT_IF_WRONG) == [
        {"text": "If something is wrong with it, "}, {"text": "chat with us", "link": "chat"}, {"text": "."}]


@pytest.mark.parametrize("status, note, slip, expected", [
    (RmaStatus.LABEL_CREATED, None, SLIP, f"your return label is ready: {SLIP} ."),
    (RmaStatus.LABEL_CREATED, None, None, "your return label is ready."),
    (RmaStatus.RECEIVED, None, None, "it has arrived back with us. The refund of 9.99 USD follows once we've checked it."),
    (RmaStatus.REFUNDED, None, None,
     "we refunded 9.99 USD on 28 November 2026; banks usually show it within 3-5 business days."),
    (RmaStatus.REJECTED, "worn", None,
     "we could not accept the return (worn). Reply here if you'd like a person to explain."),
])
def test_a_notice_says_what_just_happened_to_a_return(status, note, slip, expected):
    text = replies.notice(_rma(status), "Socks", status, T1, note, slip)
    assert text == f"Update on your return RMA-1 (Socks): {expected} " \
                   "Say \"stop updates\" if you'd rather not get these messages."


def test_every_status_a_customer_is_told_about_has_a_notice():
    assert set(said.NOTICE) == set(RmaStatus) - {RmaStatus.AUTHORISED, RmaStatus.PENDING_REVIEW}


def test_the_corpus_fails_a_reply_that_shows_a_placeholder_unfilled():
    """Rasa answers with the sentence as written when a value is missing; the corpus catches that."""
    from cli import conversations as corpus

    c = corpus.Conversation("c", "detours", ["a"], {"no_rma": True})
    facts = {"rmas": [], "handoffs": [], "cancelled": []}
    turns = [corpus.Turn("line 1", [{"text": "Order {order_id} is on its way.", "buttons": [], "extra": ""}])]
    assert "the reply to line 1 shows {order_id} unfilled" in corpus.check(c, turns, facts)
