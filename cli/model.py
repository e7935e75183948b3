"""The trained Rasa models, each cached by a hash of everything that goes into it.

`ensure_model()` returns the bot's model, models/returnbot-<hash>.tar.gz, after making sure it and
every other language's NLU model (models/<lang>/returnbot-nlu-<lang>-<hash>.tar.gz, which the Rasa
server loads beside it: rasa_ext/languages.py) are up to date. Each is trained only when its config,
domain, training data, custom NLU components or the locked dependencies changed. `ensure_bot_model()`
is the bot's model alone. Trained models are also kept in ~/.cache/returnbot/models so a fresh clone
reuses them.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
TRAINING_DATA = ["nlu_data", "rules"]
INPUTS = ["config.yml", "domain.yml", "requirements.lock", *TRAINING_DATA, "rasa_ext"]
CACHE_KEEP = 5
# Modules of rasa_ext/ that run in the Rasa server only and are no part of any model: editing one
# needs a restart of the server, not a new model.
SERVER_ONLY = {"rasa_ext/languages.py"}
CACHE = Path(os.environ.get("RETURNBOT_MODEL_CACHE") or Path.home() / ".cache" / "returnbot" / "models")


def _files(paths: Iterable[str]) -> List[Path]:
    found: List[Path] = []
    for name in paths:
        path = ROOT / name
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                            and str(p.relative_to(ROOT)) not in SERVER_ONLY)
        elif path.is_file():
            found.append(path)
    return found


def inputs_hash() -> str:
    digest = hashlib.sha256()
    for path in _files(INPUTS):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return ROOT / "models" / f"returnbot-{inputs_hash()}.tar.gz"


def _prune(keep: Path) -> None:
    """Only the current model stays in models/; the cache keeps the newest few."""
    for old in keep.parent.glob("returnbot-*.tar.gz"):
        if old != keep:
            old.unlink(missing_ok=True)
    cached = sorted(CACHE.glob("returnbot-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in cached[CACHE_KEEP:]:
        old.unlink(missing_ok=True)


def _training_environment() -> dict:
    """`rasa train` sends no telemetry unless the merchant turned it on, and says nothing a merchant
    need not read (cli/environment.py)."""
    from bot.settings import rasa_telemetry_wanted
    from cli.environment import child_environment

    return {**os.environ, **child_environment(rasa_telemetry_wanted(os.environ))}


@dataclass(frozen=True)
class Models:
    bot: Path  # the one to run (`rasa run --model`); the languages' are found beside it, in <lang>/
    languages: Dict[str, Path]
    new: Tuple[str, ...]  # the languages ("en": the bot's) whose model was not there before: trained or restored


def ensure_models(force: bool = False, log=print) -> Models:
    """The bot's model and every other language's NLU model, each trained only when its inputs
    changed (`force`: all of them again)."""
    new = [] if model_path().exists() and not force else ["en"]
    bot = ensure_bot_model(force=force, log=log)
    languages = {}
    for language in model_languages():
        if force or not language_model_path(language).exists():
            new.append(language)
        languages[language] = ensure_language_model(language, force=force, log=log)
    return Models(bot, languages, tuple(new))


def ensure_model(force: bool = False, log=print) -> Path:
    """The bot's model, the one to run, once it and every language's model are up to date (`ensure_models`)."""
    return ensure_models(force=force, log=log).bot


def ensure_bot_model(force: bool = False, log=print) -> Path:
    """The bot's own model alone (English NLU and the dialogue)."""
    target = model_path()
    try:
        return _ensure(target, force, log)
    finally:
        if target.exists():
            _prune(target)


def _ensure(target: Path, force: bool, log) -> Path:
    cached = CACHE / target.name
    if not force and target.exists():
        log(f"model up to date: {target.relative_to(ROOT)}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if not force and cached.exists():
        shutil.copyfile(cached, target)
        log(f"model restored from cache: {cached}")
        return target
    log("training the model (config, domain or training data changed)...")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "cli.rasa_cli", "train", "--config", "config.yml", "--domain", "domain.yml",
         "--data", *TRAINING_DATA, "--out", "models", "--fixed-model-name", target.name[: -len(".tar.gz")]],
        cwd=ROOT, check=True, env=_training_environment(),
    )
    log(f"trained in {time.monotonic() - started:.0f} s: {target.relative_to(ROOT)}")
    try:
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(cached.name + f".{os.getpid()}.part")
        shutil.copyfile(target, partial)
        os.replace(partial, cached)
    except OSError as exc:
        log(f"(could not cache the model: {exc})")
    return target


# -- one NLU model per language other than English (issue 15; docs/languages.md) ---------------------
# The English model above is the whole bot (NLU and dialogue) and is trained on nlu_data/ alone. Each
# other language has an NLU-only model from the same config.yml pipeline, trained on
# languages/<lang>/nlu_data/: one multilingual model read English worse (docs/training.md).
LANGUAGES_DIR = ROOT / "languages"


def model_languages() -> List[str]:
    """Every language other than English with training data under languages/."""
    return sorted(p.parent.name for p in LANGUAGES_DIR.glob("*/nlu_data") if p.is_dir())


def language_data(language: str) -> Path:
    return LANGUAGES_DIR / language / "nlu_data"


def language_config(language: str) -> str:
    """languages/<lang>/config.yml when the language needs its own pipeline (Chinese), else config.yml."""
    own = LANGUAGES_DIR / language / "config.yml"
    return str(own.relative_to(ROOT)) if own.is_file() else "config.yml"


def language_model_path(language: str) -> Path:
    digest = hashlib.sha256()
    for path in _files([language_config(language), "requirements.lock", "rasa_ext",
                        str(language_data(language).relative_to(ROOT))]):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return ROOT / "models" / language / f"returnbot-nlu-{language}-{digest.hexdigest()[:16]}.tar.gz"


def ensure_language_model(language: str, force: bool = False, log=print) -> Path:
    """models/<lang>/returnbot-nlu-<lang>-<hash>.tar.gz, trained when its inputs changed."""
    if language == "en":
        return ensure_bot_model(force=force, log=log)
    if not language_data(language).is_dir():
        raise ValueError(f"no training data for {language!r}: {language_data(language).relative_to(ROOT)} is missing")
    target = language_model_path(language)
    cached = CACHE / "languages" / target.name  # beside, not among, the bot's models that _prune keeps
    if not force and target.exists():
        log(f"{language} model up to date: {target.relative_to(ROOT)}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    if not force and cached.exists():
        shutil.copyfile(cached, target)
        log(f"{language} model restored from cache: {cached}")
        return target
    log(f"training the {language} NLU model...")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "cli.rasa_cli", "train", "nlu", "--config", language_config(language),
         "--nlu", str(language_data(language).relative_to(ROOT)), "--out", str(target.parent.relative_to(ROOT)),
         "--fixed-model-name", target.name[: -len(".tar.gz")]],
        cwd=ROOT, check=True, env=_training_environment(),
    )
    log(f"trained in {time.monotonic() - started:.0f} s: {target.relative_to(ROOT)}")
    for old in target.parent.glob(f"returnbot-nlu-{language}-*.tar.gz"):
        if old != target:
            old.unlink(missing_ok=True)
    for old in cached.parent.glob(f"returnbot-nlu-{language}-*.tar.gz"):
        old.unlink(missing_ok=True)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, cached)
    except OSError as exc:
        log(f"(could not cache the model: {exc})")
    return target
