"""A tokenizer for Chinese without a dictionary: each Chinese character is a token, and words in other
scripts (order numbers, emails, English words) are tokens as they are. With word n-grams up to 2
(config), the features are character unigrams and bigrams, the usual strong baseline for short Chinese
texts; no model, no download.

Rasa's WhitespaceTokenizer cannot be used for Chinese: besides splitting on spaces only, its emoji
pattern (`rasa.utils.io.get_emoji_regex`, range U+24C2-U+1F251) covers every Chinese character, so a
token of Chinese characters is dropped as an "emoji" (measured: held-out macro-F1 0.486 with it).
"""
from __future__ import annotations

import re
from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

_HAN = "\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff"
# one Chinese character; or a word of other letters and digits, with the joiners of ids and emails
_TOKENS = re.compile(rf"[{_HAN}]|[^\W{_HAN}]+(?:[.\-@#'’+_][^\W{_HAN}]+)*|#[0-9]+")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class HanCharTokenizer(Tokenizer):
    """Each Chinese character a token; other words as they are; punctuation and emoji dropped."""

    @staticmethod
    def get_default_config():
        return {"intent_tokenization_flag": False, "intent_split_symbol": "_", "token_pattern": None,
                "prefix_separator_symbol": None}

    @staticmethod
    def not_supported_languages():
        return None

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute)
        tokens = [Token(m.group(), m.start()) for m in _TOKENS.finditer(text)]
        if not tokens:  # only punctuation or emoji: the whole text is the one token, as Rasa does
            tokens = [Token(text, 0)]
        return self._apply_token_pattern(tokens)


# the spellings of a keyboard without umlauts ("zurueck", "moechte", "Groesse", "Strasse")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ẞ": "SS"})


def fold_umlauts(text: str) -> str:
    """"zurück" -> "zurueck", "Größe" -> "Groesse": the way German is typed without umlauts."""
    return text.translate(_UMLAUTS)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class UmlautFoldingTokenizer(WhitespaceTokenizer):
    """Rasa's WhitespaceTokenizer, each token's lemma written without umlauts (languages/de/config.yml).

    German customers on a keyboard without umlauts type "moechte was zurueckgeben"; the count
    featurizers read each token's lemma (`use_lemma`, on by default), so "zurück" and "zurueck" become
    one feature, in training and when reading, for every word of every intent. Each token's text and
    offsets stay as typed (the entities are read from the text itself)."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.lemma = fold_umlauts(token.text)
        return tokens
