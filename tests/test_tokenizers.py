"""The German model's tokenizer (rasa_ext.tokenizers.UmlautFoldingTokenizer) on real Rasa Messages."""
from __future__ import annotations

from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_ext.tokenizers import UmlautFoldingTokenizer, fold_umlauts


def _tokenizer() -> UmlautFoldingTokenizer:
    return UmlautFoldingTokenizer(UmlautFoldingTokenizer.get_default_config())


def _tokens(text: str):
    return _tokenizer().tokenize(Message(data={TEXT: text}), TEXT)


def test_umlauts_are_read_as_typed_without_them():
    assert fold_umlauts("Zurück, möchte, Größe, Ärger, weiß") == "Zurueck, moechte, Groesse, Aerger, weiss"
    assert [t.lemma for t in _tokens("möchte was zurückgeben")] == ["moechte", "was", "zurueckgeben"]


def test_token_text_and_offsets_stay_as_typed():
    tokens = _tokens("Größe passt nicht #4101")
    assert [(t.text, t.start, t.end) for t in tokens] == [("Größe", 0, 5), ("passt", 6, 11), ("nicht", 12, 17),
                                                            ("#4101", 18, 23)]


def test_both_spellings_are_one_feature(tmp_path: Path):
    featurizer = CountVectorsFeaturizer.create(
        {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4},
        LocalModelStorage(tmp_path), Resource("cv"), ExecutionContext(GraphSchema({}), "test"))
    tokenizer = _tokenizer()
    messages = [Message(data={TEXT: text, "intent": "request_return"}) for text in ("ich möchte zurückgeben",
                                                                                   "ich moechte zurueckgeben")]
    data = TrainingData(messages)
    tokenizer.process_training_data(data)
    featurizer.train(data)
    featurizer.process_training_data(data)
    first, second = (m.get_sparse_features(TEXT)[1].features.toarray() for m in messages)
    assert (first == second).all()
