"""Every language has every sentence (issue 15): a key a translation lacks, a placeholder it dropped or
added, or a button that would do something else than in English fails the build here, instead of being
said in English to a customer. `bot.catalogue.missing_translations` names each problem."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import bot.conversation.policy_answers as policy_answers
import bot.replies as replies
from bot.catalogue import Catalogue, catalogue, load_translation, missing_translations
from bot.language import ENGLISH, LANGUAGES
from bot.policy import load_policy

ROOT = Path(__file__).resolve().parent.parent
OTHERS = [language for language in LANGUAGES if language != ENGLISH]
MARKUP = (r"\*\*", r"\[", r"\]", r"\n")
ENGLISH_FRAGMENTS = (" or ", " and ", "days after", "free", "paid by you", "arrived damaged", "our shop")


@pytest.mark.parametrize("language", OTHERS)
def test_every_sentence_is_translated_with_the_same_placeholders_and_buttons(language):
    assert missing_translations(language) == []


@pytest.mark.parametrize("language", OTHERS)
def test_every_translated_sentence_renders(language):
    words, english = catalogue(language=language), catalogue()
    for key in english.keys():
        values = {name: f"<{name}>" for name in english.placeholders(key)}
        text = words.text(key, **values)
        assert text.strip() and all(value in text for value in values.values()), (language, key)


@pytest.mark.parametrize("language", OTHERS)
def test_a_translation_is_not_english_left_in_place(language):
    """A sentence copied over untranslated passes the key check; most sentences must differ from English
    (a few may be the same: an RMA number, a link)."""
    translated, english = load_translation(language), catalogue()
    same = [k for k in translated.keys() if translated.entry(k).text == english.entry(k).text
            and len(english.entry(k).text.split()) > 3]
    assert same == []


@pytest.mark.parametrize("language", OTHERS)
def test_every_sentence_renders_with_the_same_markup_and_as_many_buttons(language):
    english, translated = catalogue(), load_translation(language)
    for key in translated.keys():
        values = {name: f"<{name}>" for name in translated.placeholders(key)}
        assert "{" not in translated.text(key, **values).replace("{{", "").replace("<", ""), key
        translated.parts(key, **values)
        for mark in MARKUP:
            assert (len(re.findall(mark, translated.entry(key).text))
                    == len(re.findall(mark, english.entry(key).text))), (key, mark)
        assert len(translated.entry(key).buttons) == len(english.entry(key).buttons), key


@pytest.mark.parametrize("language", OTHERS)
@pytest.mark.parametrize("topic", [None, "window", "shipping_cost", "shipping_refund", "exchange", "non_returnable"])
def test_the_policy_answers_are_put_together_in_one_language(monkeypatch, language, topic):
    words = catalogue(language=language)
    monkeypatch.setattr(policy_answers, "catalogue", lambda *args, **kwargs: words)
    monkeypatch.setattr(replies, "catalogue", lambda *args, **kwargs: words)
    policy = load_policy(ROOT / "policy.yml")
    said = policy_answers.answer(policy, topic)
    text = words.text(said.key, **said.values)
    assert not [w for w in ENGLISH_FRAGMENTS if w in text], text


def test_a_missing_key_falls_back_to_english_and_is_reported(tmp_path):
    (tmp_path / "xx" / "responses").mkdir(parents=True)
    (tmp_path / "xx" / "responses" / "assistant.yml").write_text(
        'responses:\n  utter_greet:\n    - text: "Salve!"\n')
    english = catalogue()
    partial = load_translation("xx", tmp_path).over(english)
    assert partial.text("utter_greet") == "Salve!"
    assert partial.text("utter_goodbye") == english.text("utter_goodbye")
    problems = missing_translations("xx", english, tmp_path)
    assert "xx: utter_goodbye is not translated" in problems and not any("utter_greet " in p for p in problems)


def test_a_placeholder_dropped_or_a_button_changed_is_reported(tmp_path):
    english = catalogue()
    key = next(k for k in english.keys() if english.placeholders(k))
    with_buttons = next(k for k in english.keys() if english.entry(k).buttons)
    (tmp_path / "xx" / "responses").mkdir(parents=True)
    (tmp_path / "xx" / "responses" / "assistant.yml").write_text(
        f'responses:\n  {key}:\n    - text: "nothing to fill"\n'
        f'  {with_buttons}:\n    - text: "x"\n      buttons:\n        - title: "A"\n          payload: "/other"\n')
    problems = missing_translations("xx", english, tmp_path)
    assert any(f"xx: {key} has placeholders" in p for p in problems)
    assert any(f"xx: {with_buttons} buttons' payloads" in p for p in problems)
    assert isinstance(load_translation("xx", tmp_path), Catalogue)
