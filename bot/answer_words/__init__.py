"""The words customers type in answer to the bot's questions, one module per language other than
English (German, French, Spanish, Italian, Simplified Chinese: the languages of `bot.language`).

English stays where it always was (`bot.choices`, `bot.conversation.reading`, `bot.conversation.manager`,
`bot.conversation.policy_answers`); these modules hold only data, one table per reader, and the readers
build their lexicons from all of them at once. Why all languages at once, whatever the conversation's
language: the readers have no language parameter to get wrong, a customer who mixes ("ja, refund") is
read, and these short answer words rarely mean something else in another served language. Where they do,
the reader says how the collision is resolved (`bot.choices` module docstring).

The notation of the cue tables is `bot.choices`'s: cues separated by ",", "a|b" either word, "~" skips up
to two words, "?" makes a cue weak. Words are written as natives type them, with accents and umlauts;
the readers fold accents ("zurück" = "zuruck" = "zurueck", "rembolso" vs "réembolso" is a typo away),
drop apostrophes ("d'accord" = "daccord") and forgive one slip in longer words ("remboursment").
Chinese has no spaces: its words are found as substrings (the longest first) and then read as words.

`NOUNS` is the one table that is no cue list: a glossary from the item words customers type ("Turnschuhe",
"doudoune", "zapatillas", "piumino", "羽绒服") to the English words of product titles, "a|b" when the word
covers several or a second title word tells two items apart. Every store title is reachable from every
language by its head noun (tests/test_item_words.py says which few are not, and why). Unlike the short answer
words, item words often are English words too (French "pull", "slip", "balance"), so a glossary is read only
where its language is spoken: the conversation's language, or a message that reads more like it than
English (`bot.choices._glossaries`).
"""
from __future__ import annotations

from types import ModuleType
from typing import Dict, Tuple

from bot.answer_words import de, es, fr, it, zh

BY_LANGUAGE: Dict[str, ModuleType] = {"de": de, "fr": fr, "es": es, "it": it, "zh": zh}


def every(name: str) -> Tuple[str, ...]:
    """One table (a tuple of regular-expression alternatives) of every language, in the order above."""
    return tuple(alternative for module in BY_LANGUAGE.values() for alternative in getattr(module, name, ()))


def alternatives(name: str, han: bool = False) -> str:
    """The alternatives of one table joined with "|": those in Chinese (han=True), or the others. Chinese
    has no word boundaries, so a pattern matches its words anywhere and the others between boundaries."""
    return "|".join(a for a in every(name) if _has_han(a) == han)


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
