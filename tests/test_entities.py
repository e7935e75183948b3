"""ReturnbotEntityExtractor on real Rasa Messages, untrained, as the NLU graph runs it."""
from __future__ import annotations

from pathlib import Path

import pytest

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.data import TrainingType
from rasa.shared.nlu.training_data.message import Message

from rasa_ext.entities import ReturnbotEntityExtractor


@pytest.fixture
def extractor(tmp_path: Path) -> ReturnbotEntityExtractor:
    return ReturnbotEntityExtractor.create(
        {},
        LocalModelStorage(tmp_path),
        Resource("returnbot_entities"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def run(extractor: ReturnbotEntityExtractor, text: str) -> list:
    message = Message(data={TEXT: text})
    extractor.process([message])
    return message.get(ENTITIES)


def test_entities_carry_normalised_values_and_offsets_on_the_original_text(extractor):
    text = "Return order 1001 please, mail CHLOE.dubois@example.fr, zip 75011"
    entities = run(extractor, text)
    assert [(e["entity"], e["value"], text[e["start"]:e["end"]]) for e in entities] == [
        ("order_id", "#1001", "1001"),
        ("email", "chloe.dubois@example.fr", "CHLOE.dubois@example.fr"),
        ("postcode", "75011", "75011"),
    ]
    assert {e["extractor"] for e in entities} == {"ReturnbotEntityExtractor"}


@pytest.mark.parametrize(
    "text, entity, value",
    [
        ("where is 114-3941689-8772232", "order_id", "114-3941689-8772232"),
        ("ebay 12-34567-89012", "order_id", "12-34567-89012"),
        ("#1002 has not arrived", "order_id", "#1002"),
        ("ups 1Z999AA10123456784", "tracking_number", "1Z999AA10123456784"),
        ("dhl tracking 1234567890", "tracking_number", "1234567890"),
        ("I paid €179", "amount", "179.00 EUR"),
        ("SW1A 1AA", "postcode", "SW1A 1AA"),
        ("m5v 2t6", "postcode", "M5V 2T6"),
        ("3511lx", "postcode", "3511 LX"),
        ("it's D02 X285", "postcode", "D02 X285"),
        ("my postcode is 2000", "postcode", "2000"),
        ("\u3012100-0001", "postcode", "100-0001"),
        ("I only have the tracking number TBA304918372650", "tracking_number", "TBA304918372650"),
        ("114-39416\u200b89-8772232", "order_id", "114-3941689-8772232"),
    ],
)
def test_each_entity_type_is_extracted(extractor, text, entity, value):
    assert [(e["entity"], e["value"]) for e in run(extractor, text)] == [(entity, value)]


@pytest.mark.parametrize(
    "text",
    ["hi", "I want to return the shoes", "#1\u041e01", "\uff03\uff11\uff10\uff10\uff14", "1' OR '1'='1", "",
     "/affirm", "delivered on 20 Nov 2026", "I want 2 of them", "call me on 07700 900123"],
)
def test_messages_without_ids_get_no_entities(extractor, text):
    assert not run(extractor, text)


def test_entities_from_other_extractors_are_kept(extractor):
    earlier = {"entity": "return_reason", "value": "too_small", "start": 0, "end": 3}
    message = Message(data={TEXT: "order #1001", ENTITIES: [earlier]})
    extractor.process([message])
    assert message.get(ENTITIES)[0] == earlier
    assert message.get(ENTITIES)[1]["value"] == "#1001"


def test_tokens_from_the_tokenizer_are_left_untouched(extractor):
    message = Message(data={TEXT: "track #1002 for chloe.dubois@example.fr"})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    before = [(t.text, t.start, t.end) for t in message.get(TOKENS_NAMES[TEXT])]
    extractor.process([message])
    after = [(t.text, t.start, t.end) for t in message.get(TOKENS_NAMES[TEXT])]
    assert after == before
    assert len(message.get(ENTITIES)) == 2


def test_config_can_limit_the_entity_types(tmp_path):
    only_orders = ReturnbotEntityExtractor.create(
        {"entities": ["order_id"]},
        LocalModelStorage(tmp_path),
        Resource("only_orders"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    entities = run(only_orders, "order #1001, alice.martin@example.com")
    assert [e["entity"] for e in entities] == ["order_id"]


def test_recipe_runs_the_extractor_at_prediction_only():
    config = {
        "recipe": "default.v1",
        "language": "en",
        "pipeline": [
            {"name": "WhitespaceTokenizer"},
            {"name": "rasa_ext.entities.ReturnbotEntityExtractor"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "LogisticRegressionClassifier"},
        ],
        "policies": [],
    }
    graphs = DefaultV1Recipe().graph_config_for_recipe(
        config, {}, training_type=TrainingType.NLU
    )
    uses = lambda schema: {node.uses for node in schema.nodes.values()}  # noqa: E731
    assert ReturnbotEntityExtractor in uses(graphs.predict_schema)
    assert ReturnbotEntityExtractor not in uses(graphs.train_schema)


def test_very_long_messages_are_searched_only_at_their_start(extractor):
    text = "order #1001 " + "x" * 6000 + " order #1002"
    assert [e["value"] for e in run(extractor, text)] == ["#1001"]
