"""rasa_ext.languages: the Rasa server reads a message with the NLU model of the language its metadata
names, and a language whose model is missing or broken is read with the English model, never a failed
turn. Fakes stand in for Rasa's loader, graph and processor: no model is loaded here."""
from __future__ import annotations

import gzip
import io
import logging
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from cli.model import language_model_path
from rasa_ext import languages
from rasa_ext.languages import LanguageModel, load_languages, reading_languages

ALL = ("de", "es", "fr", "it", "zh")


@pytest.fixture(autouse=True)
def no_models_loaded_before(monkeypatch):
    """Each test starts with no model held across processors (the module-level cache)."""
    monkeypatch.setattr(languages, "_loaded", {})


def model_file(models_dir: Path, language: str, name: str = "") -> Path:
    """Where `load_languages` looks for the language's model of the current inputs (or `name`)."""
    path = models_dir / language / (name or language_model_path(language).name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"a model")
    return path


class FakeLoader:
    """Rasa's loader as `load_languages` calls it: `load(path) -> (metadata, runner)`; counts the loads,
    and raises for the files named in `broken`."""

    def __init__(self, broken=()):
        self.loaded = []
        self.broken = set(broken)

    def __call__(self, path: Path):
        self.loaded.append(path)
        if path in self.broken:
            raise tarfile.ReadError("file could not be opened successfully")
        return SimpleNamespace(nlu_target=f"nlu:{path.parent.name}"), FakeGraph(path.parent.name)


class FakeGraph:
    """A graph runner that answers every message with the intent `<language>_intent`."""

    def __init__(self, language: str):
        self.language = language
        self.runs = 0

    def run(self, inputs, targets):
        self.runs += 1
        return {targets[0]: [f"{self.language}_intent"]}


# -- loading ------------------------------------------------------------------------------------------

def test_every_language_with_a_model_is_loaded(tmp_path):
    paths = {language: model_file(tmp_path, language) for language in ALL}
    found = load_languages(tmp_path, ALL, load=FakeLoader())
    assert sorted(found) == sorted(ALL)
    assert {language: model.path for language, model in found.items()} == paths
    assert all(model.language == language for language, model in found.items())


def test_a_language_without_a_model_is_left_to_the_english_model_with_a_warning(tmp_path, caplog):
    model_file(tmp_path, "de")
    with caplog.at_level(logging.WARNING, logger="rasa_ext.languages"):
        found = load_languages(tmp_path, ["de", "fr"], load=FakeLoader())
    assert list(found) == ["de"]
    [warning] = caplog.records
    assert "no fr NLU model" in warning.getMessage() and "English model" in warning.getMessage()


def test_a_missing_models_folder_leaves_every_language_to_the_english_model(tmp_path, caplog):
    loader = FakeLoader()
    with caplog.at_level(logging.WARNING, logger="rasa_ext.languages"):
        assert load_languages(tmp_path / "nowhere", ALL, load=loader) == {}
    assert loader.loaded == []
    assert len(caplog.records) == len(ALL)


def test_an_older_model_is_not_loaded_but_named_in_the_warning(tmp_path, caplog):
    """A model of older inputs may read the language differently from its training data: it waits for
    `returnbot train`, and the warning says it is there."""
    model_file(tmp_path, "de", "returnbot-nlu-de-0000000000000000.tar.gz")
    loader = FakeLoader()
    with caplog.at_level(logging.WARNING, logger="rasa_ext.languages"):
        assert load_languages(tmp_path, ["de"], load=loader) == {}
    assert loader.loaded == []
    assert "only older ones: returnbot-nlu-de-0000000000000000.tar.gz" in caplog.text


def test_a_model_that_does_not_load_is_reported_and_the_others_still_load(tmp_path, caplog):
    model_file(tmp_path, "de")
    broken = model_file(tmp_path, "fr")
    with caplog.at_level(logging.WARNING, logger="rasa_ext.languages"):
        found = load_languages(tmp_path, ["de", "fr"], load=FakeLoader(broken=[broken]))
    assert list(found) == ["de"]
    assert "the fr NLU model" in caplog.text and "did not load (ReadError" in caplog.text


def test_a_model_that_did_not_load_is_tried_again_by_the_next_processor(tmp_path):
    """A failed load is not remembered: once the file is fixed, the next reload of the bot's model
    (`returnbot train`, PUT /model) picks it up."""
    broken = model_file(tmp_path, "de")
    assert load_languages(tmp_path, ["de"], load=FakeLoader(broken=[broken])) == {}
    assert list(load_languages(tmp_path, ["de"], load=FakeLoader())) == ["de"]


@pytest.mark.parametrize("content", [b"not a tar archive at all", b"", gzip.compress(b"x" * 4096)[:40]],
                         ids=["garbage", "empty", "truncated gzip"])
def test_a_broken_archive_with_rasas_own_loader_is_reported_not_raised(tmp_path, caplog, content):
    path = model_file(tmp_path, "de")
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="rasa_ext.languages"):
        assert load_languages(tmp_path, ["de"]) == {}  # Rasa's loader: MessageProcessor._load_model
    assert "the de NLU model" in caplog.text and "did not load" in caplog.text


def test_a_tar_without_a_model_inside_with_rasas_own_loader_is_reported_not_raised(tmp_path, caplog):
    path = model_file(tmp_path, "de")
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        info = tarfile.TarInfo("readme.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    path.write_bytes(archive.getvalue())
    with caplog.at_level(logging.WARNING, logger="rasa_ext.languages"):
        assert load_languages(tmp_path, ["de"]) == {}
    assert "did not load" in caplog.text


def test_a_model_is_loaded_once_and_kept_across_processors(tmp_path):
    """Every reload of the bot's model makes a processor; the language models it finds unchanged are the
    ones already in memory, not loaded again."""
    for language in ALL:
        model_file(tmp_path, language)
    loader = FakeLoader()
    first = load_languages(tmp_path, ALL, load=loader)
    second = load_languages(tmp_path, ALL, load=loader)
    assert len(loader.loaded) == len(ALL)
    assert all(second[language] is first[language] for language in ALL)


def test_a_newer_model_replaces_the_one_in_memory(tmp_path):
    old = model_file(tmp_path, "de", "returnbot-nlu-de-0000000000000000.tar.gz")
    languages._loaded[old] = LanguageModel("de", old, None, FakeGraph("de"))
    new = model_file(tmp_path, "de")
    loader = FakeLoader()
    found = load_languages(tmp_path, ["de"], load=loader)
    assert found["de"].path == new and loader.loaded == [new]
    assert list(languages._loaded) == [new]  # the old one goes with the processor that used it


def test_the_languages_served_are_the_ones_with_training_data_other_than_english():
    from bot.language import LANGUAGES
    from cli.model import language_data

    served = languages.served_languages()
    assert set(ALL) <= set(served) and "en" not in served
    assert all(language in LANGUAGES and language_data(language).is_dir() for language in served)


def test_the_models_folder_is_the_one_of_the_bots_model(tmp_path):
    assert languages.models_dir_of(tmp_path / "returnbot-abc.tar.gz") == tmp_path
    assert languages.models_dir_of(tmp_path) == tmp_path
    assert languages.models_dir_of(str(tmp_path)) == tmp_path


# -- reading a message --------------------------------------------------------------------------------

def rasas_parse(self, message, tracker, only_output_properties=True):
    """What Rasa's `_parse_message_with_graph` reads of `self`: its graph runner and its metadata."""
    [intent] = self.graph_runner.run(inputs={"__message__": [message]},
                                     targets=[self.model_metadata.nlu_target])[self.model_metadata.nlu_target]
    return {"text": message.text, "intent": {"name": intent}, "only_output_properties": only_output_properties}


def a_processor(tmp_path, *served):
    for language in served:
        model_file(tmp_path, language)
    return SimpleNamespace(graph_runner=FakeGraph("en"), model_metadata=SimpleNamespace(nlu_target="nlu:en"),
                           returnbot_languages=load_languages(tmp_path, served, load=FakeLoader()))


def message(text, metadata=None):
    return SimpleNamespace(text=text, metadata=metadata)


PARSE = reading_languages(rasas_parse)


@pytest.mark.parametrize("language", ALL)
def test_a_message_in_a_served_language_is_read_by_that_languages_model(tmp_path, language):
    processor = a_processor(tmp_path, *ALL)
    parsed = PARSE(processor, message("irgendwas", {"language": language}), None)
    assert parsed["intent"]["name"] == f"{language}_intent"
    assert processor.returnbot_languages[language].graph_runner.runs == 1
    assert processor.graph_runner.runs == 0  # the English pipeline did not read it too


@pytest.mark.parametrize("metadata", [None, {}, {"language": "en"}, {"language": "pt"}, {"language": None},
                                      {"language": "DE"}, {"other": "de"}],
                         ids=["none", "empty", "en", "unserved", "null", "upper case", "no language key"])
def test_a_message_without_a_served_language_is_read_by_the_english_model(tmp_path, metadata):
    processor = a_processor(tmp_path, *ALL)
    assert PARSE(processor, message("where is my refund", metadata), None)["intent"]["name"] == "en_intent"
    assert all(model.graph_runner.runs == 0 for model in processor.returnbot_languages.values())


def test_a_language_whose_model_is_missing_is_read_by_the_english_model(tmp_path):
    processor = a_processor(tmp_path, "de")  # no French model in the folder
    assert PARSE(processor, message("où est mon remboursement", {"language": "fr"}), None)["intent"]["name"] \
        == "en_intent"


def test_a_processor_made_before_install_reads_every_message_in_english(tmp_path):
    processor = SimpleNamespace(graph_runner=FakeGraph("en"), model_metadata=SimpleNamespace(nlu_target="nlu:en"))
    assert PARSE(processor, message("hallo", {"language": "de"}), None)["intent"]["name"] == "en_intent"


@pytest.mark.parametrize("text", ["/affirm", '/inform{"order_id": "#1003"}'])
def test_a_button_payload_is_read_by_the_bots_model_whatever_the_language(tmp_path, text):
    processor = a_processor(tmp_path, "de")
    assert PARSE(processor, message(text, {"language": "de"}), None)["intent"]["name"] == "en_intent"


def test_a_message_without_text_in_a_language_is_read_by_its_model(tmp_path):
    processor = a_processor(tmp_path, "de")
    assert PARSE(processor, message(None, {"language": "de"}), None)["intent"]["name"] == "de_intent"


def test_the_arguments_reach_rasas_parse_unchanged(tmp_path):
    processor = a_processor(tmp_path, "de")
    assert PARSE(processor, message("hallo", {"language": "de"}), None, False)["only_output_properties"] is False
    assert PARSE(processor, message("hello"), None, False)["only_output_properties"] is False


def test_rasas_own_parse_runs_on_a_language_model(tmp_path):
    """The language's graph goes through Rasa's `_parse_message_with_graph` itself: a LanguageModel has
    all it reads of a processor."""
    from rasa.core.processor import MessageProcessor
    from rasa.shared.nlu.training_data.message import Message

    class Graph:
        def run(self, inputs, targets):
            [given] = inputs["__message__"]
            parsed = Message(data={"text": given.text})
            parsed.set("intent", {"name": "where_is_my_refund", "confidence": 0.9}, add_to_output=True)
            return {targets[0]: [parsed]}

    path = model_file(tmp_path, "de")
    processor = SimpleNamespace(graph_runner=FakeGraph("en"), model_metadata=SimpleNamespace(nlu_target="nlu:en"),
                                returnbot_languages={"de": LanguageModel(
                                    "de", path, SimpleNamespace(nlu_target="run_RegexMessageHandler"), Graph())})
    rasas = MessageProcessor._parse_message_with_graph
    parse = reading_languages(getattr(rasas, "__wrapped__", rasas))  # Rasa's own, installed or not
    parsed = parse(processor, message("Wo ist meine Rückerstattung?", {"language": "de"}), None)
    assert parsed["intent"]["name"] == "where_is_my_refund" and parsed["text"] == "Wo ist meine Rückerstattung?"
    assert parsed["entities"] == []  # Rasa's defaults are filled in as for English


# -- install ------------------------------------------------------------------------------------------

@pytest.fixture
def patchable_processor(monkeypatch):
    """Rasa's MessageProcessor, put back as it was after the test."""
    from rasa.core.processor import MessageProcessor

    monkeypatch.setattr(MessageProcessor, "__init__", MessageProcessor.__init__)
    monkeypatch.setattr(MessageProcessor, "_parse_message_with_graph", MessageProcessor._parse_message_with_graph)
    return MessageProcessor


def test_install_patches_once(patchable_processor):
    languages.install()
    init, parse = patchable_processor.__init__, patchable_processor._parse_message_with_graph
    languages.install()
    assert patchable_processor._parse_message_with_graph is parse and patchable_processor.__init__ is init
    assert parse.returnbot


def _init_with(training_type):
    def init(self, model_path, *args, **kwargs):
        self.model_metadata = SimpleNamespace(training_type=training_type)

    return languages._loading_languages(init)


def test_the_bots_processor_loads_the_languages_beside_its_model(tmp_path, monkeypatch):
    from rasa.shared.data import TrainingType

    asked = []
    monkeypatch.setattr(languages, "load_languages", lambda models_dir: asked.append(models_dir) or {"de": "model"})
    processor = SimpleNamespace()
    _init_with(TrainingType.BOTH)(processor, tmp_path / "returnbot-abc.tar.gz", None, None, None)
    assert asked == [tmp_path] and processor.returnbot_languages == {"de": "model"}


def test_a_processor_of_an_nlu_model_alone_loads_no_languages(tmp_path, monkeypatch):
    """A language's own model, served alone (`rasa run --model models/de/...`), would otherwise load the
    others, itself among them."""
    from rasa.shared.data import TrainingType

    monkeypatch.setattr(languages, "load_languages", lambda models_dir: pytest.fail("loaded languages"))
    processor = SimpleNamespace()
    _init_with(TrainingType.NLU)(processor, tmp_path / "de" / "returnbot-nlu-de-abc.tar.gz")
    assert not hasattr(processor, "returnbot_languages")
