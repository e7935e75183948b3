"""A tokenizer for Chinese without a dictionary: each Chinese character is a token, other text is split
as WhitespaceTokenizer splits it. With word n-grams up to 2 (config), the features are character
unigrams and bigrams, the usual strong baseline for short Chinese texts; no model, no download."""
from __future__ import annotations

import re
from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

_HAN = "\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff"
_PIECES = re.compile(rf"[{_HAN}]|[^{_HAN}]+")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class HanCharTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer, then each run of Chinese characters split into single characters."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens: List[Token] = []
        for token in super().tokenize(message, attribute):
            for piece in _PIECES.finditer(token.text):
                text = piece.group().strip()
                if text and any(ch.isalnum() for ch in text):
                    tokens.append(Token(text, token.start + piece.start()))
        return tokens
