"""Hand a newly trained model to a running Rasa server, without a restart.

`returnbot run` starts Rasa with its HTTP API on loopback, protected by a token derived from the
installation secret (cli.stack.rasa_api_token). After training, `returnbot train` asks
`reload_model(settings, model)`: when a Rasa server answers at settings.rasa_url it PUTs the new
model file (Rasa 3.6: PUT /model {"model_file": path}); Rasa loads it, then swaps its agent.
Conversations live in the tracker store, so none is lost; a message already being answered finishes
on the old model, and messages that arrive while the model loads wait and are answered by the new one.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.error import HTTPError, URLError
from urllib.parse import quote
from urllib.request import Request, urlopen

from bot.settings import Settings
from cli.stack import rasa_api_token

LOAD_TIMEOUT = 180.0  # loading a model on a busy 2-core machine can take a while


@dataclass(frozen=True)
class ReloadResult:
    status: str  # "reloaded", "already_running", "no_server", "refused", "failed"
    message: str

    @property
    def ok(self) -> bool:
        return self.status in ("reloaded", "already_running", "no_server")


def _request(settings: Settings, method: str, path: str, body: Optional[dict] = None, timeout: float = 5.0):
    url = f"{settings.rasa_url}{path}?token={quote(rasa_api_token(settings))}"
    data = json.dumps(body).encode() if body is not None else None
    request = Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urlopen(request, timeout=timeout) as response:
        raw = response.read()
        return response.status, (json.loads(raw) if raw else None)


def rasa_answers(settings: Settings) -> bool:
    """True when a Rasa server answers its root URL (no token needed)."""
    try:
        with urlopen(f"{settings.rasa_url}/", timeout=2) as response:
            return response.status == 200 and response.read().startswith(b"Hello from Rasa")
    except (URLError, OSError):
        return False


def reload_model(settings: Settings, model: Path, force: bool = False) -> ReloadResult:
    """Loads `model` into every Rasa server of the installation (one, or the scaled profile's
    replicas) that runs; `force` reloads even when one already runs a model of that name (after
    `returnbot train --force` retrained it in place). The first failure is the result."""
    results = [_reload_one(settings.with_overrides(rasa_url=url), model, force) for url in settings.rasa_servers]
    failed = next((r for r in results if not r.ok), None)
    if failed is not None or len(results) == 1:
        return failed or results[0]
    statuses = {r.status for r in results}
    return ReloadResult(statuses.pop() if len(statuses) == 1 else "reloaded", "\n".join(r.message for r in results))


def _reload_one(settings: Settings, model: Path, force: bool) -> ReloadResult:
    model = model.resolve()
    if not rasa_answers(settings):
        return ReloadResult("no_server", f"no running bot at {settings.rasa_url}: the next `returnbot run` "
                                         "uses the new model")
    try:
        _, status = _request(settings, "GET", "/status")
        if not force and status and Path(str(status.get("model_file", ""))).name == model.name:
            return ReloadResult("already_running", f"the running bot at {settings.rasa_url} already uses {model.name}")
        _request(settings, "PUT", "/model", {"model_file": str(model)}, timeout=LOAD_TIMEOUT)
        _, status = _request(settings, "GET", "/status")
    except HTTPError as exc:
        if exc.code in (401, 403):
            return ReloadResult("refused", f"the Rasa server at {settings.rasa_url} refused the model reload "
                                           "(it was not started by `returnbot run` with this installation's "
                                           "secret, or without --enable-api); restart it to use the new model")
        detail = exc.read().decode(errors="replace")[:300]
        return ReloadResult("failed", f"the Rasa server at {settings.rasa_url} could not load {model.name}: "
                                      f"HTTP {exc.code} {detail}")
    except (URLError, OSError, ValueError) as exc:
        return ReloadResult("failed", f"could not reach the Rasa server at {settings.rasa_url}: {exc}")
    running = Path(str((status or {}).get("model_file", ""))).name
    if running != model.name:
        return ReloadResult("failed", f"the Rasa server at {settings.rasa_url} still reports {running or 'no model'}")
    return ReloadResult("reloaded", f"the running bot at {settings.rasa_url} now uses {model.name} "
                                    "(conversations kept, no restart)")
