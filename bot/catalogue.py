"""The catalogue: every sentence a customer reads, by key, with named placeholders.

Its home is the `responses:` of domain.yml (Rasa speaks the chat's sentences from there, and a merchant
edits them there). Whatever else shows a customer a sentence (the returns portal, the status ladder of
`bot.replies`, notices) renders it from the same keys through this module, the way Rasa does:
`{name}` is replaced by the value of the same name, `{{`/`}}` are literal braces. The keys are the
constants of `bot.responses`; docs/architecture.md ("Where a sentence lives") says how a language is
added. Pure: a `Catalogue` is built from a mapping; `load_catalogue` reads a file once, when asked.

Other languages (issue 15): `languages/<lang>/responses/*.yml`, in the same `responses:` format as
domain.yml (same keys, same placeholders, same button payloads; only the words change), one file per
part of the product (`chat.yml`, `pages.yml`, ...), a key in one file only. `catalogue("de")` is the
German sentences over the English ones: a key German lacks falls back to English, and
`missing_translations("de")` names it (tests/test_translations.py fails the build on any).

Which language a sentence is said in: the caller that knows the customer's language says so once,
`with speaking("de"):` (the chat's action for one turn), and every `catalogue()` asked for without a
language inside it is that language's. The dialogue builds its phrases, lists and button titles in
some twenty helpers several calls deep (bot/conversation/*, bot/replies.py); one value set at the turn's
entry keeps them all in the customer's language without threading it through each signature. It is a
context variable, so two conversations handled at once (threads, asyncio tasks) never share it; outside
`speaking`, it is English, as before. Code that serves a request in a known language (the portal, the
slip) passes `language=` or a `Catalogue` explicitly instead.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_FILE = ROOT / "domain.yml"
LANGUAGES_DIR = ROOT / "languages"
ENGLISH = "en"
_SPOKEN: ContextVar[str] = ContextVar("returnbot_spoken_language", default=ENGLISH)
_PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")
_MARKUP = re.compile(r"\*\*(.+?)\*\*|\[(.+?)\]")  # **bold**, [a link to the chat] (the portal's sentences)


class CatalogueError(ValueError):
    """A key the catalogue does not have, or a sentence whose placeholders were not all given."""


@dataclass(frozen=True)
class Entry:
    """One response: its sentence, and the buttons that go with it (title, payload)."""

    text: str
    buttons: Tuple[Tuple[str, str], ...] = ()


def render(template: str, values: Mapping[str, Any]) -> str:
    """`template` with its `{name}`s filled from `values`, exactly as Rasa's response interpolation
    does it (rasa.core.nlg.interpolator), so a sentence reads the same wherever it is shown."""
    text = _PLACEHOLDER.sub(r"{0[\1]}", template)
    try:
        text = text.format(dict(values))
    except KeyError as exc:
        raise CatalogueError(f"no value for {{{exc.args[0]}}} in {template!r}") from None
    return template.format() if "0[" in text else text  # a {{name}} stays literal, as Rasa leaves it


class Catalogue:
    """The sentences of one language, by key."""

    def __init__(self, entries: Mapping[str, Entry], language: str = "en") -> None:
        self._entries: Dict[str, Entry] = dict(entries)
        self.language = language

    @classmethod
    def from_responses(cls, responses: Mapping[str, Any], language: str = "en") -> "Catalogue":
        """From a `responses:` mapping as Rasa reads it (each key a list of variations; the first is used)."""
        entries = {}
        for key, variations in (responses or {}).items():
            first = variations[0] if isinstance(variations, list) and variations else None
            if not isinstance(first, dict) or not isinstance(first.get("text"), str):
                raise CatalogueError(f"response {key!r} has no text")
            buttons = tuple((str(b["title"]), str(b["payload"])) for b in first.get("buttons") or ())
            entries[key] = Entry(first["text"], buttons)
        return cls(entries, language)

    def keys(self):
        return self._entries.keys()

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def entry(self, key: str) -> Entry:
        try:
            return self._entries[key]
        except KeyError:
            raise CatalogueError(f"no sentence {key!r} in the {self.language} catalogue") from None

    def text(self, key: str, **values: Any) -> str:
        """The sentence `key` with its placeholders filled."""
        return render(self.entry(key).text, values)

    def parts(self, key: str, **values: Any) -> List[Dict[str, Any]]:
        """The sentence `key` as parts for a page: `{"text"}`, `{"text", "strong": True}` for **bold**,
        `{"text", "link": "chat"}` for [a link to the chat]. The markup is read from the catalogue's
        sentence before the values go in, so a value (an item's title) never becomes markup."""
        template, found, position = self.entry(key).text, [], 0
        for match in _MARKUP.finditer(template):
            if match.start() > position:
                found.append({"text": render(template[position:match.start()], values)})
            if match.group(1) is not None:
                found.append({"text": render(match.group(1), values), "strong": True})
            else:
                found.append({"text": render(match.group(2), values), "link": "chat"})
            position = match.end()
        if position < len(template):
            found.append({"text": render(template[position:], values)})
        return found

    def placeholders(self, key: str) -> Tuple[str, ...]:
        return tuple(dict.fromkeys(_PLACEHOLDER.findall(self.entry(key).text.replace("{{", "").replace("}}", ""))))

    def over(self, fallback: "Catalogue") -> "Catalogue":
        """This catalogue's sentences, and `fallback`'s for the keys it lacks (English under a translation)."""
        return Catalogue({**fallback._entries, **self._entries}, self.language)


def load_catalogue(path: Path = DOMAIN_FILE, language: str = "en") -> Catalogue:
    """The catalogue in a domain file (`responses:`)."""
    data = yaml.safe_load(Path(path).read_text()) or {}
    return Catalogue.from_responses(data.get("responses") or {}, language)


def translation_files(language: str, root: Path = LANGUAGES_DIR) -> List[Path]:
    return sorted((root / language / "responses").glob("*.yml"))


def load_translation(language: str, root: Path = LANGUAGES_DIR) -> Catalogue:
    """Only the sentences translated into `language` (its files under languages/<lang>/responses/)."""
    responses: Dict[str, Any] = {}
    for path in translation_files(language, root):
        part = (yaml.safe_load(path.read_text()) or {}).get("responses") or {}
        twice = sorted(set(part) & set(responses))
        if twice:
            raise CatalogueError(f"{path}: {', '.join(twice)} also in another file of {language}")
        responses.update(part)
    return Catalogue.from_responses(responses, language)


def missing_translations(language: str, english: Optional[Catalogue] = None,
                         root: Path = LANGUAGES_DIR) -> List[str]:
    """What `language` lacks or got wrong, one line each: a key not translated, a key English does not
    have, a placeholder missing or added, buttons whose payloads differ (a button must do the same thing
    in every language). Empty when the translation is complete."""
    english = english or catalogue()
    translated = load_translation(language, root)
    problems = [f"{language}: {key} is not translated" for key in english.keys() if key not in translated]
    problems += [f"{language}: {key} is not a sentence of domain.yml" for key in translated.keys()
                 if key not in english]
    for key in translated.keys():
        if key not in english:
            continue
        if set(translated.placeholders(key)) != set(english.placeholders(key)):
            problems.append(f"{language}: {key} has placeholders {sorted(translated.placeholders(key))}, "
                            f"English {sorted(english.placeholders(key))}")
        payloads = [p for _, p in translated.entry(key).buttons]
        if payloads != [p for _, p in english.entry(key).buttons]:
            problems.append(f"{language}: {key} buttons' payloads {payloads} differ from English's")
    return problems


@lru_cache(maxsize=None)
def _default(path: str) -> Catalogue:
    return load_catalogue(Path(path))


@lru_cache(maxsize=None)
def _translated(language: str) -> Catalogue:
    return load_translation(language).over(_default(str(DOMAIN_FILE)))


@contextmanager
def speaking(language: Optional[str]) -> Iterator[str]:
    """Within it, `catalogue()` is `language`'s (None or "": English). Yields the language."""
    token = _SPOKEN.set(language or ENGLISH)
    try:
        yield language or ENGLISH
    finally:
        _SPOKEN.reset(token)


def spoken_language() -> str:
    """The language `speaking` set (English outside it)."""
    return _SPOKEN.get()


def catalogue(path: Optional[Path] = None, language: Optional[str] = None) -> Catalogue:
    """The project's catalogue in `language` (domain.yml for English; a translation over English for
    the others, so a key not yet translated is said in English), read once per process. Without a
    language: the one being spoken (`speaking`), English outside it."""
    language = language or _SPOKEN.get()
    if language != ENGLISH and path is None:
        return _translated(language)
    return _default(str(path or DOMAIN_FILE))
