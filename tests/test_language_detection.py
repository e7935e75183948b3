"""Language detection with lingua and the word lists (bot/language_detection.py, bot/language.py's
`CombinedDetector`, the default of `choose_language`): short and mixed messages, switching, borrowed
words, every served language, the fallback without lingua, and accuracy on held-out first messages."""
from __future__ import annotations

import sys
import threading
import time
from types import SimpleNamespace

import pytest

from benchmarks.language_samples import first_messages
from bot import language_detection
from bot.language import (
    COMBINED, LANGUAGES, WORD_LIST, Choice, CombinedDetector, Hints, choose_language,
)
from bot.language_detection import LINGUA, LinguaDetector, warm


@pytest.fixture
def no_lingua(monkeypatch):
    """lingua not installed: `import lingua` raises ImportError."""
    monkeypatch.setitem(sys.modules, "lingua", None)


# -- the detector itself ---------------------------------------------------------------------------

def test_warm_builds_the_shared_detector_that_choose_language_uses():
    assert warm() is True
    assert LINGUA.built() and LINGUA.available() and LINGUA.error is None
    assert choose_language("wo ist mein Paket, es ist noch nicht angekommen", "en") == Choice("de", "detected")


def test_lingua_scores_only_the_served_languages_as_shares():
    scores = LINGUA.scores("je voudrais retourner la veste, elle est trop petite")
    assert set(scores) <= set(LANGUAGES) and max(scores, key=scores.get) == "fr"
    assert sum(scores.values()) == pytest.approx(1.0)
    assert LINGUA.scores("") == {} and LINGUA.scores("   ") == {}


def test_a_detector_is_built_on_first_use_and_once_however_many_threads_ask_at_once():
    builds = []

    def build():
        builds.append(threading.current_thread().name)
        time.sleep(0.05)  # widen the window in which a second build could start
        return SimpleNamespace(compute_language_confidence_values=lambda text: [])

    detector = LinguaDetector()
    detector._build = build
    assert not detector.built()
    start = threading.Barrier(8)

    def ask():
        start.wait()
        detector.scores("hallo")

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1 and detector.built()


def test_a_detector_for_a_language_lingua_is_not_set_up_for_is_refused():
    with pytest.raises(ValueError, match="pt"):
        LinguaDetector(("en", "pt"))


def test_without_lingua_the_word_lists_decide_alone(no_lingua):
    missing = LinguaDetector()
    assert not missing.available() and missing.scores("hallo zusammen") == {}
    assert "ModuleNotFoundError" in missing.error
    combined = CombinedDetector(missing)
    for text in ("ich möchte meine Schuhe zurückschicken", "où est mon colis", "la talla por favor"):
        listed = WORD_LIST.scores(text)
        assert combined.scores(text) == {lang: value / sum(listed.values()) for lang, value in listed.items()}
        assert choose_language(text, "en", detector=combined) == choose_language(text, "en", detector=WORD_LIST)


def test_the_combination_weighs_lingua_and_the_word_lists_and_takes_either_alone():
    class Fixed:
        def __init__(self, scores):
            self._scores = scores

        def scores(self, text):
            return self._scores

    mixed = CombinedDetector(Fixed({"de": 3.0, "en": 1.0}), Fixed({"en": 2.0}), word_weight=0.5).scores("x")
    assert mixed == {"de": pytest.approx(0.375), "en": pytest.approx(0.625)}
    assert CombinedDetector(Fixed({}), Fixed({"fr": 2.0})).scores("x") == {"fr": 1.0}
    assert CombinedDetector(Fixed({"it": 1.0}), Fixed({})).scores("x") == {"it": 1.0}
    with pytest.raises(ValueError):
        CombinedDetector(Fixed({}), word_weight=1.5)


def test_the_combined_detector_is_the_default():
    text = "the Wanderschuhe are too small"  # lingua and the word lists disagree: the default mixes them
    assert choose_language(text, "fr") == choose_language(text, "fr", detector=COMBINED)
    assert choose_language(text, "fr", detector=WORD_LIST).language == "en"


# -- what customers write ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Hallo, meine Bestellung #1157 ist kaputt angekommen", "de"),
    ("vielen Dank", "de"),
    ("Paket nicht angekommen", "de"),
    ("bonjour, je voudrais renvoyer ma veste", "fr"),
    ("colis pas reçu", "fr"),
    ("merci beaucoup", "fr"),
    ("hola, quiero devolver las zapatillas", "es"),
    ("paquete no llegó", "es"),
    ("muchas gracias", "es"),
    ("ciao, il pacco è arrivato rotto", "it"),
    ("pacco non arrivato", "it"),
    ("grazie mille", "it"),
    ("我想退货", "zh"),
    ("退款什么时候到账", "zh"),
    ("parcel not arrived", "en"),
    ("thank you", "en"),
])
def test_every_language_is_recognised_in_a_first_message(text, expected):
    assert choose_language(text, None).language == expected


@pytest.mark.parametrize("text", ["merci", "danke", "grazie", "gracias", "ok", "#1157", "alice.martin@example.com",
                                  "Alice.Martin@Example.com #1157", "114-3941689-8772232", "10115", "👍", ""])
@pytest.mark.parametrize("current", LANGUAGES)
def test_a_one_word_or_no_word_message_keeps_the_conversations_language(text, current):
    assert choose_language(text, current) == Choice(current, "kept")


@pytest.mark.parametrize("text", ["merci", "#1157", "alice@example.com"])
def test_a_one_word_first_message_follows_the_channel_hint(text):
    assert choose_language(text, None, Hints(language_code="it")) == Choice("it", "hint")
    assert choose_language(text, None) == Choice("en", "default")


@pytest.mark.parametrize("text, current, expected", [
    ("hi, ich möchte meine Schuhe zurückschicken", "en", "de"),  # an English greeting, a German request
    ("hi, ich möchte meine Schuhe zurückschicken", None, "de"),
    ("ok danke", "en", "de"),
    ("ok danke", "de", "de"),
    ("ok danke, und wann kommt das Geld?", "de", "de"),
    ("d'accord merci", "en", "fr"),
    ("merci, and when does the money arrive?", "en", "en"),
    ("hola, my order never arrived", "en", "en"),
    ("bonjour, I want to return my shoes", None, "en"),
])
def test_a_mixed_message_goes_to_the_language_most_of_it_is_in(text, current, expected):
    assert choose_language(text, current).language == expected


@pytest.mark.parametrize("text, current", [
    ("die Sneakers sind zu klein", "de"),
    ("das Tracking geht nicht", "de"),
    ("mein Refund ist noch nicht da", "de"),
    ("le t-shirt est trop petit", "fr"),
    ("je veux un refund", "fr"),
    ("el tracking no funciona", "es"),
    ("quiero un refund por favor", "es"),
    ("il tracking non funziona", "it"),
    ("my order from Zalando never arrived", "en"),
])
def test_a_borrowed_word_does_not_flip_the_language(text, current):
    assert choose_language(text, current).language == current
    assert choose_language(text, None).language == current  # and it is read as its sentence's language


@pytest.mark.parametrize("text, current, expected", [
    ("where is my refund? it has been two weeks", "de", "en"),
    ("où est mon remboursement ?", "es", "fr"),
    ("¿dónde está mi reembolso?", "fr", "es"),
    ("dov'è il mio rimborso?", "de", "it"),
    ("wo ist meine Erstattung?", "it", "de"),
    ("我的退款在哪里", "fr", "zh"),
    ("Ich habe das T-Shirt bestellt aber es ist zu klein", "en", "de"),
])
def test_a_customer_who_switches_is_followed(text, current, expected):
    assert choose_language(text, current) == Choice(expected, "script" if expected == "zh" else "detected")


# -- accuracy on held-out first messages -------------------------------------------------------------

# Measured (benchmarks/language_detection.py) on tests/nlu/heldout*.yml and the first lines of
# tests/conversations/: combined en 0.993, de 0.908, fr 0.920, es 0.938, it 0.932, zh 0.988
# (word lists alone: 0.995, 0.865, 0.901, 0.795, 0.758, 0.981). Of the 51 misses outside English, 34
# are one-word messages no detector is asked about (English at a start without a hint), 15 are too
# unsure to leave English, 2 are wrong; English's 7 are openers written half in another language
# ("hola amigo"). The floors sit a little under the figures.
FLOORS = {"en": 0.98, "de": 0.88, "fr": 0.89, "es": 0.91, "it": 0.90, "zh": 0.97}


@pytest.fixture(scope="module")
def samples():
    return first_messages()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_first_messages_written_apart_are_answered_in_their_language(samples, lang):
    messages = samples[lang]
    assert len(messages) >= 150
    right = sum(choose_language(text, None).language == lang for text in messages)
    assert right / len(messages) >= FLOORS[lang], f"{lang}: {right}/{len(messages)}"


def test_the_default_reads_more_first_messages_right_than_the_word_lists(samples):
    def right(detector):
        return sum(choose_language(text, None, detector=detector).language == lang
                   for lang, messages in samples.items() for text in messages)
    assert right(COMBINED) > right(WORD_LIST)


def test_the_shared_detector_is_the_modules():
    assert language_detection.LINGUA is LINGUA


def test_the_benchmark_report_names_every_figure():
    from benchmarks.language_detection import render

    report = {
        "build": {"high_accuracy": {"build_s": 1.2, "rss_before_mb": 13, "rss_added_mb": 144}},
        "per_call_us": {"combined (default)": {"short": 89.0, "long": 288.0}},
        "samples": {"de": 163, "short": 978},
        "accuracy": {"word lists": {"de": 0.865, "short": 0.901}, "combined (default)": {"de": 0.908, "short": 0.946}},
    }
    text = render(report)
    assert "build, high accuracy: 1.20 s, RSS +144 MB" in text
    assert "combined (default)" in text and "89       288" in text
    assert "0.865  0.901" in text and "0.908  0.946" in text
