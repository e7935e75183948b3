"""The vanilla Rasa bot `make bench` compares with: the moodbot that `rasa init --no-prompt` creates
and trains (Rasa's default pipeline and policies), as a new Rasa project gets it.

It is made once per Rasa version in ~/.cache/returnbot/vanilla/rasa-<version>/: its training runs
DIET and TED for minutes on two cores, and the result depends only on the Rasa version. The time it
took is kept beside it (trained.json), so every run can say what the cached model cost.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List

BIN = Path(sys.executable).parent
CACHE = Path(os.environ.get("RETURNBOT_BENCH_VANILLA_CACHE") or Path.home() / ".cache" / "returnbot" / "vanilla")
CREDENTIALS = "rest:\n"  # only the REST channel, as the gateway talks to returnbot's Rasa


@dataclass(frozen=True)
class VanillaBot:
    directory: Path
    model: Path
    train_seconds: float
    trained_at: str
    cached: bool  # False: trained by this run


def rasa_version() -> str:
    from importlib.metadata import version

    return version("rasa")


def rasa_env() -> Dict[str, str]:
    """Rasa quiet and offline: no telemetry, no TensorFlow chatter."""
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"})
    return env


def ensure_vanilla(log: Callable[[str], None] = print) -> VanillaBot:
    """The cached moodbot, made with `rasa init --no-prompt` first if this Rasa version has none.
    It is built in a scratch folder and moved into place when complete, so an interrupted training
    leaves nothing that a later run would mistake for a model."""
    directory = CACHE / f"rasa-{rasa_version()}"
    stamp = directory / "trained.json"
    models = sorted((directory / "models").glob("*.tar.gz"))
    if stamp.exists() and models:
        info = json.loads(stamp.read_text())
        return VanillaBot(directory, models[-1], info["seconds"], info["trained_at"], cached=True)
    scratch = directory.with_name(f"{directory.name}.{os.getpid()}.part")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    train_log = scratch / "train.log"
    log(f"vanilla: training Rasa's moodbot once (rasa init --no-prompt, DIET + TED; minutes); log: {train_log}")
    started = time.monotonic()
    with open(train_log, "wb") as output:
        done = subprocess.run([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(scratch)], cwd=scratch,
                              env=rasa_env(), stdout=output, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - started
    models = sorted((scratch / "models").glob("*.tar.gz"))
    if done.returncode != 0 or not models:
        raise RuntimeError(f"rasa init failed (exit {done.returncode}); see {train_log}")
    (scratch / "credentials.yml").write_text(CREDENTIALS)
    trained_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    (scratch / "trained.json").write_text(json.dumps({"seconds": round(seconds, 1), "trained_at": trained_at,
                                                      "rasa": rasa_version(), "model": models[-1].name}))
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(scratch, directory)
    log(f"vanilla: trained in {seconds:.0f} s, cached in {directory}")
    return VanillaBot(directory, directory / "models" / models[-1].name, seconds, trained_at, cached=False)


def die_with_parent() -> None:
    """In the child, before exec: Linux ends the server when the benchmark dies, however it dies."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass  # not Linux: the benchmark still stops it on every normal exit


def serve_argv(bot: VanillaBot, port: int) -> List[str]:
    """`rasa run` as a new project serves: REST channel only, no HTTP API, no action server, the
    default (in-memory) tracker and lock stores."""
    return [str(BIN / "rasa"), "run", "--model", str(bot.model), "--credentials",
            str(bot.directory / "credentials.yml"), "--endpoints", str(bot.directory / "endpoints.yml"),
            "-i", "127.0.0.1", "-p", str(port)]
