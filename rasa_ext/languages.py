"""Each language's NLU model in the Rasa server (issue 15; docs/languages.md, "The Rasa server").

The gateway names the conversation's language in each message's metadata (`{"language": "de"}`;
rasa_ext/channel.py keeps only a served language). Rasa 3.6 hands that metadata to the processor on
the `UserMessage` (`MessageProcessor.parse_message` -> `_parse_message_with_graph(message, tracker)`).
`install()` patches `MessageProcessor` in the Rasa server (`returnbot run`, cli/rasa_cli.py):

- when a processor is made (the server starts; `returnbot train` hands over a model: PUT /model), it
  loads the NLU model of every other language beside the bot's model, `<models>/<lang>/` (the one of
  the current inputs' hash, `cli.model.language_model_path`); a model already loaded is kept.
- a message whose metadata names one of those languages is read by that language's graph alone
  (intent, intent_ranking, entities), with Rasa's own code (`_parse_message_with_graph`) on that
  graph; everything Rasa does after (retrieval intents, the check for unseen intents, the user event)
  is as for English. An English message, or one without metadata, costs one dict lookup more.
- a language without a model, or whose model does not load, is read by the English model, with a
  warning at start-up; never a failed turn. Intent payloads of buttons ("/affirm") are Rasa's syntax,
  read by the bot's model as before.

Why a patch of the processor and not an NLU component after the classifier (planned earlier): the
component would run after the English pipeline had read every message (the German message paid for
both), it would be inside every model trained from config.yml, the language models' own too (each
would load the others), and it could only hold models loaded with the graph. Measured in
benchmarks/languages.py.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple

log = logging.getLogger(__name__)

NO_LANGUAGES: Mapping[str, "LanguageModel"] = {}


@dataclass(frozen=True)
class LanguageModel:
    """One language's NLU graph, with the two attributes `_parse_message_with_graph` reads of a processor."""

    language: str
    path: Path
    model_metadata: Any  # rasa.engine.storage.storage.ModelMetadata
    graph_runner: Any  # rasa.engine.runner.interface.GraphRunner


_loaded: Dict[Path, LanguageModel] = {}  # by model file, kept across reloads of the bot's model


def expected_models(models_dir: Path, languages: Iterable[str]) -> Dict[str, Path]:
    """language -> the model file of the current inputs (cli.model's hash) under `models_dir/<lang>/`."""
    from cli.model import language_model_path

    return {language: models_dir / language / language_model_path(language).name for language in languages}


def served_languages() -> Tuple[str, ...]:
    """The languages other than English that the bot serves and has training data for."""
    from bot.language import LANGUAGES
    from cli.model import model_languages

    return tuple(language for language in model_languages() if language in LANGUAGES and language != "en")


def load_languages(models_dir: Path, languages: Optional[Iterable[str]] = None,
                   load: Optional[Callable[[Path], Tuple[Any, Any]]] = None) -> Dict[str, LanguageModel]:
    """Every language's model found under `models_dir`; a language whose model is missing or does not
    load is left out (read in English) with a warning. `load(path) -> (metadata, runner)` is Rasa's
    loader unless a test passes another."""
    load = load or _rasa_load
    found: Dict[str, LanguageModel] = {}
    for language, path in expected_models(models_dir, served_languages() if languages is None else languages).items():
        if not path.is_file():
            others = sorted(p.name for p in path.parent.glob(f"returnbot-nlu-{language}-*.tar.gz"))
            log.warning("no %s NLU model %s%s: %s messages are read with the English model until "
                        "`returnbot train` builds it", language, path,
                        f" (only older ones: {', '.join(others)})" if others else "", language)
            continue
        model = _loaded.get(path)
        if model is None:
            try:
                metadata, runner = load(path)
            except Exception as exc:  # noqa: BLE001 (a model that does not load must not stop the server)
                log.warning("the %s NLU model %s did not load (%s: %s): %s messages are read with the "
                            "English model", language, path, type(exc).__name__, exc, language)
                continue
            model = _loaded[path] = LanguageModel(language, path, metadata, runner)
            log.info("loaded the %s NLU model %s", language, path.name)
        found[language] = model
    for path in [p for p, m in _loaded.items() if found.get(m.language) is not m]:
        del _loaded[path]  # a model replaced by a newer one is dropped with the processor that used it
    return found


def _rasa_load(path: Path) -> Tuple[Any, Any]:
    from rasa.core.processor import MessageProcessor

    _, metadata, runner = MessageProcessor._load_model(path)  # noqa: SLF001 (Rasa's own loader, unpacking included)
    return metadata, runner


def models_dir_of(model_path: Any) -> Path:
    """The folder of the bot's model (`--model models/returnbot-<hash>.tar.gz`, or a folder of models)."""
    path = Path(model_path)
    return path if path.is_dir() else path.parent


def install() -> None:
    """Patches Rasa's MessageProcessor (once): each processor loads the language models beside its model
    and reads a message in the language its metadata names."""
    from rasa.core.processor import MessageProcessor

    if getattr(MessageProcessor._parse_message_with_graph, "returnbot", False):  # noqa: SLF001
        return
    MessageProcessor.__init__ = _loading_languages(MessageProcessor.__init__)
    MessageProcessor._parse_message_with_graph = reading_languages(  # noqa: SLF001
        MessageProcessor._parse_message_with_graph)  # noqa: SLF001


def _loading_languages(init: Callable[..., None]) -> Callable[..., None]:
    from rasa.shared.data import TrainingType

    @functools.wraps(init)
    def __init__(self: Any, model_path: Any, *args: Any, **kwargs: Any) -> None:
        init(self, model_path, *args, **kwargs)
        if self.model_metadata.training_type != TrainingType.NLU:  # the bot's model, not a language model alone
            self.returnbot_languages = load_languages(models_dir_of(model_path))

    return __init__


def reading_languages(parse_with_graph: Callable[..., Dict[str, Any]]) -> Callable[..., Dict[str, Any]]:
    """`_parse_message_with_graph`, run on the graph of the language the message's metadata names when
    the processor holds that language's model (`returnbot_languages`), else as it was."""
    from rasa.shared.constants import INTENT_MESSAGE_PREFIX

    @functools.wraps(parse_with_graph)
    def _parse_message_with_graph(self: Any, message: Any, tracker: Any,
                                  only_output_properties: bool = True) -> Dict[str, Any]:
        metadata = message.metadata
        model = metadata and getattr(self, "returnbot_languages", NO_LANGUAGES).get(metadata.get("language"))
        if not model or (message.text or "").startswith(INTENT_MESSAGE_PREFIX):
            return parse_with_graph(self, message, tracker, only_output_properties)
        return parse_with_graph(model, message, tracker, only_output_properties)

    _parse_message_with_graph.returnbot = True  # type: ignore[attr-defined]
    return _parse_message_with_graph
