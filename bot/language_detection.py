"""A statistical language detector behind `bot.language.Detector`: lingua-language-detector.

lingua ships its n-gram models inside its wheel (no download, no network), and is a plain library (a
Rust extension), not a framework. `LinguaDetector` asks it about the served languages only (en, de,
fr, es, it, zh), so its confidences are shared among those six.

Building the detector loads the models: about two seconds and 145 MB here (figures in
docs/languages.md; `python -m benchmarks.language_detection` measures them). It is built once, on first
use, under a lock, so two threads asking at once build it once. The gateway calls `warm()` at start-up,
off its event loop, so the first customer does not wait for it.

When lingua cannot be imported or built, `LinguaDetector.available()` is False (`error` says why) and
`scores` returns nothing; `bot.language` then falls back to its word lists.
"""
from __future__ import annotations

import threading
from typing import Any, Dict, Mapping, Optional, Sequence

# the served languages, by lingua's name for them (bot.language.LANGUAGES; not imported from there,
# which imports this module)
LINGUA_NAMES: Mapping[str, str] = {
    "en": "ENGLISH", "de": "GERMAN", "fr": "FRENCH", "es": "SPANISH", "it": "ITALIAN", "zh": "CHINESE",
}


class LinguaDetector:
    """lingua's confidence for each of `languages` (they sum to 1; absent = 0), built on first use.

    High-accuracy mode (lingua's default: n-grams of one to five letters) is the one used: on short
    customer messages it is clearly more accurate than the low-accuracy mode (trigrams only), at about
    1.8 s to build and 145 MB instead of 0.1 s and 16 MB (docs/languages.md has the figures)."""

    def __init__(self, languages: Sequence[str] = tuple(LINGUA_NAMES), high_accuracy: bool = True):
        unknown = [code for code in languages if code not in LINGUA_NAMES]
        if unknown:
            raise ValueError(f"lingua is not set up for {unknown}; known: {sorted(LINGUA_NAMES)}")
        self._languages = tuple(languages)
        self._high_accuracy = high_accuracy
        self._lock = threading.Lock()
        self._detector: Optional[Any] = None
        self._codes: Dict[Any, str] = {}
        self._failed = False
        self.error: Optional[str] = None  # why lingua could not be built, once it could not

    def available(self) -> bool:
        """Whether lingua can be used (builds the detector if it is not built yet)."""
        return self._built() is not None

    def built(self) -> bool:
        """Whether the detector is built already (without building it)."""
        return self._detector is not None

    def scores(self, text: str) -> Mapping[str, float]:
        detector = self._built()
        if detector is None or not text.strip():
            return {}
        found = {}
        for value in detector.compute_language_confidence_values(text):
            if value.value > 0:
                found[self._codes[value.language]] = value.value
        return found

    def _built(self) -> Optional[Any]:
        if self._detector is not None or self._failed:
            return self._detector
        with self._lock:
            if self._detector is None and not self._failed:
                try:
                    self._detector = self._build()
                except Exception as exc:  # not installed, or a broken install: the word lists decide
                    self._failed = True
                    self.error = f"{type(exc).__name__}: {exc}"
        return self._detector

    def _build(self) -> Any:
        from lingua import Language, LanguageDetectorBuilder

        wanted = {getattr(Language, LINGUA_NAMES[code]): code for code in self._languages}
        builder = LanguageDetectorBuilder.from_languages(*wanted).with_preloaded_language_models()
        if not self._high_accuracy:
            builder = builder.with_low_accuracy_mode()
        detector = builder.build()
        self._codes = wanted
        return detector


# the one the bot uses (bot.language's default detector), built by `warm()` or on first use
LINGUA = LinguaDetector()


def warm() -> bool:
    """Build the shared detector now (blocking: about two seconds). True if lingua is there, else False
    (the bot then detects with its word lists)."""
    return LINGUA.available()
