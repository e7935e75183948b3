"""The German and French catalogues (languages/<lang>/responses/) say every sentence of domain.yml, with
the same placeholders, buttons and markup, so a customer never meets an English sentence, a `{name}`
left unfilled, or a button that does something else in their language. And the fragments the code
glues into sentences (lists, policy reasons, the return window) make grammatical sentences in each
language, which only shows once they are put together."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import bot.conversation.policy_answers as policy_answers
import bot.replies as replies
from bot.catalogue import catalogue, load_translation, missing_translations
from bot.policy import load_policy

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("de", "fr")
MARKUP = (r"\*\*", r"\[", r"\]", r"\n")
ENGLISH_FRAGMENTS = (" or ", " and ", "days after", "free", "paid by you", "arrived damaged", "our shop")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sentence_is_translated_with_its_placeholders_and_buttons(language):
    assert missing_translations(language) == []


@pytest.mark.parametrize("language", LANGUAGES)
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


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("topic", [None, "window", "shipping_cost", "shipping_refund", "exchange", "non_returnable"])
def test_the_policy_answers_are_put_together_in_one_language(monkeypatch, language, topic):
    words = catalogue(language=language)
    monkeypatch.setattr(policy_answers, "catalogue", lambda *args, **kwargs: words)
    monkeypatch.setattr(replies, "catalogue", lambda *args, **kwargs: words)
    policy = load_policy(ROOT / "policy.yml")
    said = policy_answers.answer(policy, topic)
    text = words.text(said.key, **said.values)
    assert not [w for w in ENGLISH_FRAGMENTS if w in text], text
