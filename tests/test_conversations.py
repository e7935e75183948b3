"""The conversation corpus (tests/conversations/): its schema and the runner's own logic, fast and
without a stack; then (marked `stack`) the gate: the whole corpus on the web chat and a sample over
Telegram resolve at least 97%. `returnbot eval conversations` is the same run as a report."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.models import Money, OrderStatus, Outcome, Resolution, ReturnReason, Rma, RmaStatus
from bot.sql.handoffs import SqlHandoffs
from cli import conversations as corpus

GATE = 0.97  # the corpus the dialogue is developed against
FRESH_GATE = 0.85  # conversations written apart from it (ids fresh-*): what customers it was not tuned on get;
# measured 0.756 when first played (2026-12-04), 0.900 after the general fixes they showed; the third English set
# (fresh3_english.yml, ids fresh3-en-*) 19/30 when first played (2026-12-06), 30/30 after the fixes it showed
MIN_PER_CLASS = 15
MIN_TELEGRAM = 15
MIN_PER_LANGUAGE = 40  # issue 15: each language the bot serves, measured on its own
LANGUAGE_TARGET = 0.95  # issue 15's target per language (tests/conversations/lang_*.yml)
FRESH_LANGUAGE_GATE = 0.85  # the other languages' conversations written apart from the tuning (fresh_languages*.yml),
# as FRESH_GATE for English; first played (2026-12-06): fresh_languages.yml 31/40, fresh_languages_2.yml 16/30,
# fresh_languages_3.yml 19/30


@pytest.fixture(scope="module")
def conversations():
    return corpus.load_corpus()


@pytest.fixture(scope="module")
def orders():
    return corpus.fixture_orders()


# -- the corpus itself ------------------------------------------------------------------------
def test_every_conversation_validates(conversations, orders):
    problems = corpus.validate(conversations, orders)
    assert not problems, "\n".join(problems)


def test_every_class_has_enough_conversations(conversations):
    counts = Counter(c.cls for c in conversations)
    thin = {cls: counts.get(cls, 0) for cls in corpus.CLASSES if counts.get(cls, 0) < MIN_PER_CLASS}
    assert not thin, f"classes with fewer than {MIN_PER_CLASS} conversations: {thin}"
    assert len(conversations) >= 320


def test_the_telegram_sample_spans_the_classes(conversations):
    sample = [c for c in conversations if c.telegram]
    assert len(sample) >= MIN_TELEGRAM
    assert len({c.cls for c in sample}) >= 10, Counter(c.cls for c in sample)


def test_every_language_has_enough_conversations(conversations):
    from bot.language import LANGUAGES

    counts = Counter(c.language for c in conversations)
    thin = {lang: counts.get(lang, 0) for lang in LANGUAGES if lang != "en" and counts.get(lang, 0) < MIN_PER_LANGUAGE}
    assert not thin, f"languages with fewer than {MIN_PER_LANGUAGE} conversations: {thin}"
    for lang in LANGUAGES:
        mine = [c for c in conversations if c.language == lang]
        if lang != "en":
            assert len({c.cls for c in mine}) >= 10, (lang, Counter(c.cls for c in mine))
            assert any(c.telegram and c.language_code for c in mine), f"no {lang} conversation over Telegram"
            assert any(c.accept_language for c in mine), f"no {lang} conversation with Accept-Language"


def test_corpus_orders_do_not_clash_with_the_demo_store():
    from bot.importer import load_orders_file

    demo = {o.order_id for o in load_orders_file(corpus.DEMO_STORE)}
    own = [o.order_id for o in load_orders_file(corpus.CORPUS_ORDERS)]
    assert len(own) == len(set(own)) and not demo & set(own)


def test_a_malformed_corpus_is_refused_with_the_file_and_line(tmp_path):
    (tmp_path / "bad.yml").write_text(
        "- id: bad\n  class: happy_path\n  lines:\n    - where is order #1002\n    - yes\n    - '00184'\n"
        "  expect: {no_rma: true}\n", encoding="utf-8")
    with pytest.raises(corpus.CorpusError) as raised:
        corpus.load_corpus(tmp_path)
    problems = "\n".join(raised.value.problems)
    assert "bad.yml:4: quote this line" in problems
    assert "line 2 (True) must be text" in problems


def test_validation_names_unknown_orders_items_classes_and_keys(orders):
    bad = [corpus.Conversation("x", "nope", ["where is #9999"], {"rma": {"order": "#1001", "item": "sofa"},
                                                                  "wat": 1}, source="t.yml"),
           corpus.Conversation("x", "smalltalk", ["hi"], {"no_rma": True}, source="t.yml")]
    problems = "\n".join(corpus.validate(bad, orders))
    for part in ("unknown class 'nope'", "unknown expectation keys ['wat']", "item 'sofa'", "names order #9999",
                 "id used again"):
        assert part in problems, problems


# -- the checks -------------------------------------------------------------------------------
def _turns(*answers):
    return [corpus.Turn(f"line {i}", [{"text": a, "buttons": [], "extra": ""}]) for i, a in enumerate(answers, 1)]


def _rma_row(line_id="L2", reason="too_small", resolution="refund", outcome="rma", quantity=1):
    return {"rma_id": "RMA-X", "order_id": "114-3941689-8772232", "line_id": line_id, "quantity": quantity,
            "reason": reason, "resolution": resolution, "outcome": outcome}


def test_an_rma_expectation_matches_order_item_reason_and_resolution(orders):
    by_id = {o.order_id: o for o in orders}
    c = corpus.Conversation("c", "happy_path", ["a", "b"], {"rma": {
        "order": "114-3941689-8772232", "item": "socks", "reason": ["too_small", "other"], "resolution": "refund"}})
    facts = {"rmas": [_rma_row()], "handoffs": [], "cancelled": []}
    assert corpus.check(c, _turns("x", "y"), facts, orders=by_id) == []
    wrong = {"rmas": [_rma_row(line_id="L1")], "handoffs": [], "cancelled": []}
    assert "no RMA for order" in corpus.check(c, _turns("x", "y"), wrong, orders=by_id)[0]
    extra = {"rmas": [_rma_row(), _rma_row(line_id="L1")], "handoffs": [], "cancelled": []}
    assert "more RMAs than expected" in corpus.check(c, _turns("x", "y"), extra, orders=by_id)[0]


def test_texts_alternatives_turns_and_the_apology_are_checked():
    c = corpus.Conversation("c", "detours", ["a", "b"], {
        "replies_include": [["30 days", "thirty days"]], "turn_includes": {1: ["tracking"]},
        "turn_excludes": {2: ["anything else"]}, "last_reply_includes": ["RMA-"], "no_rma": True})
    facts = {"rmas": [], "handoffs": [], "cancelled": []}
    assert corpus.check(c, _turns("Tracking: 1Z. You have Thirty days.", "RMA-ABC"), facts) == []
    failures = corpus.check(c, _turns("no", "Anything else? Sorry, I\u2019m having trouble right now."), facts)
    assert any("line 1 does not include 'tracking'" in f for f in failures)
    assert any("'anything else', which it must not" in f for f in failures)
    assert any("having trouble" in f for f in failures)
    assert any("no reply includes" in f for f in failures)


def test_a_line_without_an_answer_and_a_button_not_offered_fail():
    c = corpus.Conversation("c", "never_stuck", ["a", "[button: Refund]"], {"no_rma": True})
    turns = [corpus.Turn("a", []), corpus.Turn("[button: Refund]", error="no button containing 'Refund' was offered")]
    failures = corpus.check(c, turns, {"rmas": [], "handoffs": [], "cancelled": []})
    assert any("line 2 could not be played" in f for f in failures)
    assert any("line 1 got no answer" in f for f in failures)


def test_validation_names_bad_language_fields(orders):
    bad = [corpus.Conversation("de-a", "smalltalk", ["hallo"], {"no_rma": True}, language="de"),
           corpus.Conversation("de-b", "smalltalk", ["hallo"], {"replies_in": "xx"}, language="klingon"),
           corpus.Conversation("de-c", "smalltalk", ["hallo", "English please"], {"replies_in": {1: "de", 3: "en"}},
                               language="de", language_code="de"),
           corpus.Conversation("de-d", "smalltalk", ["hallo"], {"replies_in": "de"}, language="de",
                               accept_language="de-DE,de;q=0.9,en;q=0.8", telegram=True, language_code="de-AT")]
    problems = "\n".join(corpus.validate(bad, orders))
    assert "de-a: a conversation in another language than English needs `replies_in`" in problems
    assert "de-b: `language` must be one of" in problems and "de-b: `replies_in` must be a language" in problems
    assert "de-c: `language_code` is Telegram's" in problems and "de-c: `replies_in` must be" in problems
    assert "de-d" not in problems, problems


def test_a_corpus_file_gives_language_and_hints(tmp_path):
    (tmp_path / "lang.yml").write_text(
        "- id: de-x\n  class: smalltalk\n  language: de\n  accept_language: de-DE\n  telegram: true\n"
        "  language_code: de\n  lines: [hallo]\n  expect: {replies_in: {1: de}}\n", encoding="utf-8")
    (c,) = corpus.load_corpus(tmp_path)
    assert (c.language, c.accept_language, c.language_code) == ("de", "de-DE", "de")
    assert corpus.replies_in_by_turn(c.expect["replies_in"]) == {1: "de"}


def test_each_reply_must_be_in_the_conversations_language(orders):
    by_id = {o.order_id: o for o in orders}
    facts = {"rmas": [], "handoffs": [], "cancelled": []}
    c = corpus.Conversation("de-x", "happy_path", ["a", "b", "English please", "d"],
                            {"replies_in": {1: "de", 3: "en"}}, language="de")
    german = "Ich habe die Rücksendung RMA-20261205-AB12 für die Trail running shoes angelegt."
    english = "I have created the return RMA-20261205-AB12 for your Trail running shoes."
    assert corpus.check(c, _turns(german, "OK", english, "Is there anything else I can help you with?"),
                        facts, orders=by_id) == []
    # too short to tell, order numbers, RMA numbers and the shop's item titles say nothing
    assert corpus.check(c, _turns("#1002", "RMA-1 Trail running shoes", english, "Gerne!"), facts, orders=by_id) == []
    failures = corpus.check(c, _turns(english, german, german, english), facts, orders=by_id)
    assert [f.split(":")[0] for f in failures] == ["the reply to line 1 is in en, not de",
                                                  "the reply to line 3 is in de, not en"]


def test_reply_language_reads_every_served_language():
    says = {"de": "Ihre Bestellung ist unterwegs, die Sendungsnummer ist 1234567890.",
            "fr": "Votre commande est en route, voici le numéro de suivi 1234567890.",
            "es": "Su pedido ya está en camino, el número de seguimiento es 1234567890.",
            "it": "Il tuo ordine è in viaggio, il numero di tracciamento è 1234567890.",
            "zh": "您的订单已发货，快递单号是 1234567890。",
            "en": "Your order is on its way, the tracking number is 1234567890."}
    for lang, text in says.items():
        assert corpus.reply_language(text, lang) is None, (lang, text)
        others = [o for o in says if o != lang]
        assert all(corpus.reply_language(text, o) == lang for o in others), (lang, text)


def _catalogue_sentences(path):
    """Every sentence of a wording catalogue with its buttons, placeholders filled with a neutral X."""
    import re

    import yaml

    responses = yaml.safe_load(path.read_text(encoding="utf-8"))["responses"]
    return [re.sub(r"{[a-z_]+}", "X", v["text"]) + " " + " ".join(f"{b['title']}." for b in v.get("buttons") or [])
            for variants in responses.values() for v in variants or [] if isinstance(v, dict) and v.get("text")]


def test_the_catalogues_are_read_in_their_own_language(orders):
    """`replies_in` raises no false alarm on any sentence the bot can say in a language (the
    catalogues, as translated), and catches most English sentences where another language is wanted."""
    from bot.language import LANGUAGES, words_of
    from bot.settings import ROOT

    titles = corpus._titles({o.order_id: o for o in orders})
    english = _catalogue_sentences(ROOT / "domain.yml")
    # A fragment ("refunded", "Store credit") is too short to tell by design: the portal's and the
    # slip's labels are judged with the page they sit on, so the catch rate counts sentences only.
    judged = [t for t in english if len(words_of(corpus.RMA_NUMBER.sub(" ", t))) >= corpus.REPLY_MIN_WORDS]
    for lang in LANGUAGES:
        path = ROOT / "domain.yml" if lang == "en" else ROOT / "languages" / lang / "responses" / "assistant.yml"
        if not path.exists():
            continue
        alarms = [(t, found) for t in _catalogue_sentences(path) if (found := corpus.reply_language(t, lang, titles))]
        assert not alarms, f"{lang}: {alarms[:5]}"
        if lang != "en":
            caught = sum(corpus.reply_language(t, lang, titles) == "en" for t in judged)
            assert caught / len(judged) >= 0.85, (lang, caught, len(judged))


def test_buttons_count_in_a_replys_language():
    c = corpus.Conversation("fr-x", "typed_choices", ["a"], {"replies_in": "fr"}, language="fr")
    turn = corpus.Turn("a", [{"text": "Pourquoi ?", "buttons": ["It is too small", "It is too large",
                                                                   "I changed my mind"], "extra": ""}])
    assert "the reply to line 1 is in en, not fr" in corpus.check(c, [turn], {"rmas": [], "handoffs": []})[0]


def test_a_telegram_update_carries_the_conversations_language_code():
    update = {"update_id": 1, "message": {"from": {"id": 7, "language_code": "en"}, "text": "hallo"}}
    assert corpus._with_language_code(update, "de")["message"]["from"] == {"id": 7, "language_code": "de"}
    press = {"update_id": 2, "callback_query": {"from": {"id": 7, "language_code": "en"}, "data": "x"}}
    assert corpus._with_language_code(press, "zh-hans")["callback_query"]["from"]["language_code"] == "zh-hans"
    assert corpus._with_language_code(update, None) is update


def test_the_report_has_a_table_per_language():
    def result(cid, lang, cls, ok):
        c = corpus.Conversation(cid, cls, ["a"], {"no_rma": True}, language=lang)
        return corpus.Result(c, [], [] if ok else ["no"], 0.1)

    results = [result("a", "en", "happy_path", True), result("b", "de", "happy_path", True),
               result("c", "de", "smalltalk", False), result("d", "zh", "smalltalk", True)]
    summary = corpus.summarise(results)
    assert summary["per_language"]["de"]["overall"] == {"resolved": 1, "total": 2, "share": 0.5}
    assert summary["per_language"]["de"]["per_class"]["smalltalk"]["resolved"] == 0
    assert summary["overall"]["total"] == 4 and summary["failures"][0]["language"] == "de"
    table = corpus.format_table(summary)
    assert "language de:" in table and "language zh:" in table and "per language:" in table
    assert "all languages:" in table
    english_only = corpus.format_table(corpus.summarise(results[:1]))
    assert "language" not in english_only and english_only.splitlines()[-1].startswith("overall")
    assert [c.id for c in corpus.select([r.conversation for r in results], languages=["de"])] == ["b", "c"]


def test_store_facts_after_a_line_are_checked():
    c = corpus.Conversation("c", "cancellations", ["a", "b", "yes"], {"cancelled": "#1003",
                                                                     "after": {2: {"cancelled": False}}})
    early = {"rmas": [], "handoffs": [], "cancelled": ["#1003"]}
    failures = corpus.check(c, _turns("x", "y", "z"), early, {2: early})
    assert failures == ["after line 2: order(s) cancelled: #1003"]


# -- the store reset, on a store of its own ---------------------------------------------------
def test_the_fixture_reset_puts_the_store_back(tmp_path, orders):
    fixture = corpus.Fixture(f"sqlite:///{tmp_path / 'store.db'}", orders)
    try:
        store, now = fixture.store, datetime.now(timezone.utc)
        store.create_rma(Rma("RMA-000000001X", "114-3941689-8772232", "L1", 1, ReturnReason.TOO_SMALL,
                             Resolution.REFUND, Outcome.RMA, RmaStatus.LABEL_CREATED, Money(Decimal("89.99"), "USD"),
                             "web:x", now, now))
        store.record_failed_verification("web:x", "#1003", now)
        store.record_verification("web:x", "#1001", now)
        SqlHandoffs(store.engine).open("web:x", "customer_request", None, "s", (), now)
        store.set_order_status("#1003", OrderStatus.CANCELLED)
        assert fixture.facts()["cancelled"] == ["#1003"] and fixture.facts()["rmas"]
        fixture.reset()
        facts = fixture.facts()
        assert facts["rmas"] == [] and facts["handoffs"] == [] and facts["cancelled"] == []
        assert store.failed_verifications("web:x", "#1003", now - timedelta(days=1)) == 0
        assert not store.is_verified("web:x", "#1001")
        assert store.get_order("#1003").status is OrderStatus.PROCESSING
    finally:
        fixture.close()


# -- the gate, on the running stack -----------------------------------------------------------
@pytest.fixture(scope="module")
def stack_store(stack, orders):
    """The session stack's order store with the corpus orders added; put back to the fixture state
    when done, so the tests after these see no RMA, case or cancel of theirs."""
    fixture = corpus.Fixture(stack.settings.database_url, orders)
    yield fixture
    fixture.reset()
    fixture.close()


def _report(results, channel: str) -> str:
    summary = corpus.summarise(results)
    details = "\n\n".join(corpus.format_failure(f) for f in summary["failures"])
    table = corpus.format_table(summary)
    print(f"\n{details}\n\n{channel}:\n{table}")
    return f"{channel}: {summary['overall']['resolved']}/{summary['overall']['total']} resolved\n{table}\n\n" \
           + "\n".join(f"{f['id']}: {f['failed'][0]}" for f in summary["failures"])


@pytest.mark.stack
def test_the_corpus_on_the_web_chat(stack, stack_store, conversations):
    english = corpus.select(conversations, languages=["en"])  # the other languages: test_each_language...
    results = corpus.run_web(english, f"http://127.0.0.1:{stack.settings.gateway_port}", stack_store,
                             alive=stack.alive)
    fresh = [r for r in results if r.conversation.id.startswith(("fresh-", "fresh3-"))]
    tuned = [r for r in results if not r.conversation.id.startswith(("fresh-", "fresh3-"))]
    assert sum(r.resolved for r in tuned) / len(tuned) >= GATE, _report(tuned, "web")
    assert sum(r.resolved for r in fresh) / len(fresh) >= FRESH_GATE, _report(fresh, "web, fresh conversations")


@pytest.mark.stack
async def test_a_sample_over_telegram(stack, stack_store, conversations, tmp_path):
    sample = corpus.select(conversations, telegram_only=True, languages=["en"])
    results = await corpus.run_telegram(sample, stack.settings, stack_store, tmp_path)
    share = sum(r.resolved for r in results) / len(results)
    assert share >= GATE, _report(results, "telegram")


@pytest.mark.stack
def test_each_language_on_the_web_chat(stack, stack_store, conversations):
    """Each language the bot serves, measured on its own: at least LANGUAGE_TARGET of its conversations
    resolved; the ones written apart from the tuning (fresh-de-..., tests/conversations/fresh_languages.yml)
    together at least FRESH_LANGUAGE_GATE."""
    others = [c for c in conversations if c.language != "en"]
    results = corpus.run_web(others, f"http://127.0.0.1:{stack.settings.gateway_port}", stack_store, alive=stack.alive)
    fresh = [r for r in results if r.conversation.id.startswith(("fresh-", "fresh2-", "fresh3-"))]
    tuned = [r for r in results if not r.conversation.id.startswith(("fresh-", "fresh2-", "fresh3-"))]
    short = {}
    for lang in sorted({c.language for c in others}):
        mine = [r for r in tuned if r.conversation.language == lang]
        share = sum(r.resolved for r in mine) / len(mine)
        if share < LANGUAGE_TARGET:
            short[lang] = round(share, 3)
    assert not short, f"languages under {LANGUAGE_TARGET:.0%}: {short}\n" + _report(tuned, "web, other languages")
    assert sum(r.resolved for r in fresh) / len(fresh) >= FRESH_LANGUAGE_GATE, \
        _report(fresh, "web, other languages, fresh conversations")


@pytest.mark.stack
async def test_each_language_over_telegram(stack, stack_store, conversations, tmp_path):
    """The other languages' Telegram conversations (the language_code hint, the menus and the slip in
    the customer's language): at least LANGUAGE_TARGET together."""
    sample = [c for c in corpus.select(conversations, telegram_only=True) if c.language != "en"]
    results = await corpus.run_telegram(sample, stack.settings, stack_store, tmp_path)
    share = sum(r.resolved for r in results) / len(results)
    assert share >= LANGUAGE_TARGET, _report(results, "telegram, other languages")
