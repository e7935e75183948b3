"""Rasa NLU component adding order_id, email, postcode, tracking_number and amount entities.

A blank spaCy English pipeline (no model download) runs one rule pipe that calls `bot.text`.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.text import find_entities

RULES_PIPE = "returnbot_entity_rules"
USER_DATA_KEY = "returnbot_entities"


@Language.component(RULES_PIPE)
def returnbot_entity_rules(doc: Doc) -> Doc:
    """spaCy pipe: store the rule matches (`bot.text.Entity` list) in `doc.user_data`."""
    doc.user_data[USER_DATA_KEY] = find_entities(doc.text)
    return doc


def build_pipeline() -> Language:
    """spacy.blank("en") with the rule pipe; needs no downloaded model."""
    nlp = spacy.blank("en")
    nlp.add_pipe(RULES_PIPE)
    return nlp


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class ReturnbotEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Rule-based extractor: appends its entities to any the message already has."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "entities": ["order_id", "email", "postcode", "tracking_number", "amount"],
            # only the start of very long messages is searched (keeps each parse cheap)
            "max_chars": 5000,
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ReturnbotEntityExtractor:
        return cls(config)

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = {**self.get_default_config(), **config}
        self._wanted = set(self._config["entities"])
        self._max_chars = int(self._config["max_chars"])
        self._nlp = build_pipeline()

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds entities to each message; tokens and features are left untouched."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = self._nlp(text[: self._max_chars]).user_data[USER_DATA_KEY]
            entities = [
                {
                    ENTITY_ATTRIBUTE_TYPE: e.kind,
                    ENTITY_ATTRIBUTE_START: e.start,
                    ENTITY_ATTRIBUTE_END: e.end,
                    ENTITY_ATTRIBUTE_VALUE: e.value,
                }
                for e in found
                if e.kind in self._wanted
            ]
            message.set(
                ENTITIES,
                message.get(ENTITIES, []) + self.add_extractor_name(entities),
                add_to_output=True,
            )
        return messages
