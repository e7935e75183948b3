"""Four patches to Rasa 3.6, each measured with `make bench` (benchmarks/README.md); each does
exactly what Rasa does, with less work or fewer pauses.

1. Rasa checks every action server answer with `jsonschema.validate`, which (jsonschema 4.17) first
   re-checks the schema itself against its metaschema on every call: about 17 ms of the 40 ms of
   CPU a turn cost Rasa here. The answer is still checked, against a validator built once, and
   each event only against the kind of event it names (`_quick_check`: 1.5 ms a call otherwise);
   an invalid answer raises the same ValidationError with the same explanation.
2. `LogisticRegressionClassifier` builds its input from `Message.get_sparse_features`, which also
   deep-copies and joins the per-token (sequence) features only to throw them away: the largest
   part of the NLU pipeline's time per message. The patched version joins the sentence features
   alone, in the same order, so the classifier sees the same matrix; and it multiplies that row by
   coefficients transposed once, not at every message (`_probabilities`: 1 ms -> 0.02 ms).
3. `EndpointConfig.request` (every call to the action server) opens a new aiohttp session, so a
   new TCP connection, per request, and closes it after. The patched version keeps one session
   per event loop, so connections are reused; same headers, timeout and errors. After a connection
   error the next calls use a new session (the server may have restarted: the kept connections to
   it are dead), and the old one is closed when its calls are over. Endpoints with basic auth or
   their own CA file keep Rasa's way.
4. The garbage collector's full collections went through the whole loaded model again and again
   under load: pauses of ~300 ms a couple of times a minute, the p99. `Agent.handle_message` calls
   `gc.freeze()` before the first message of each model the agent holds
   (`freeze_before_first_message`), so the model, and the cyclic garbage its loading left (once per
   model), stay out of those collections.
"""
from __future__ import annotations

import asyncio
import functools
import gc
from typing import Any, Callable, Dict, List, Optional, Text

import numpy as np


def install() -> None:
    _validate_action_answers_with_one_validator()
    _intent_features_from_sentence_features_only()
    _keep_endpoint_sessions()
    _freeze_loaded_model()


def _validate_action_answers_with_one_validator() -> None:
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    if getattr(RemoteAction._validate_action_result, "returnbot", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    quick = _quick_check(schema, validator_class)

    def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        if quick is not None and quick(result):
            return True
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        assert isinstance(error, ValidationError)
        error.message += (". Failed to validate Action server response from API, make sure your response from "
                          f"the Action endpoint is valid. For more information about the format visit "
                          f"{DOCS_BASE_URL}/custom-actions")
        raise error

    _validate_action_result.returnbot = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result


def _quick_check(schema: Dict[str, Any], validator_class: Any) -> Optional[Callable[[Any], bool]]:
    """A check that accepts exactly what `schema` accepts, faster; None when `schema` is not of the
    shape it relies on. Rasa's schema says each event is `oneOf` 23 kinds, each kind fixing the
    "event" field to its own name, so jsonschema tries all 23 on every event. Given that the kinds
    are told apart by that name alone, an event matches exactly one of them iff it matches the one
    it names: the check tests each event against that one (what is left of the schema, as it is)."""
    import json

    events = schema.get("properties", {}).get("events", {})
    items = events.get("items", {})
    kinds = items.get("oneOf")
    if not kinds or "$ref" in json.dumps(schema):
        return None
    by_name: Dict[str, Any] = {}
    for kind in kinds:
        name = kind.get("properties", {}).get("event", {}).get("const")
        if not isinstance(name, str) or name in by_name:
            return None
        by_name[name] = validator_class(kind)
    if items.get("required") != ["event"] or items.get("properties", {}).get("event") != {"type": "string"}:
        return None
    rest = validator_class({**schema, "properties": {**schema["properties"], "events": {
        **events, "items": {key: value for key, value in items.items() if key != "oneOf"}}}})

    def check(result: Any) -> bool:
        if not rest.is_valid(result):
            return False
        for event in result.get("events") or ():  # `rest` made sure: objects, each with a string "event"
            kind = by_name.get(event["event"])
            if kind is None or not kind.is_valid(event):
                return False
        return True

    return check


def _intent_features_from_sentence_features_only() -> None:
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
    from rasa.utils.tensorflow.constants import RANKING_LENGTH
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
    from rasa.shared.nlu.training_data.message import Message
    from scipy.sparse import csr_matrix, hstack, vstack

    if getattr(LogisticRegressionClassifier._create_X, "returnbot", False):
        return

    def _create_X(self: LogisticRegressionClassifier, messages: List[Message]) -> csr_matrix:
        rows = []
        for message in messages:
            parts = [f.features for f in message.features
                     if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.is_sparse()]
            dense = message.get_dense_features(attribute=TEXT)[1]
            if dense is not None:
                parts.append(csr_matrix(dense.features))
            rows.append(hstack(parts, format="csr") if parts else csr_matrix([]))
        return vstack(rows)

    @functools.wraps(LogisticRegressionClassifier.process)  # Rasa reads its type hints to check the graph
    def process(self: LogisticRegressionClassifier, messages: List[Message]) -> List[Message]:
        # Rasa's own, but for the probabilities (`_probabilities`)
        probabilities = _probabilities(self.clf, self._create_X(messages))
        for index, message in enumerate(messages):
            ranking = sorted(({"name": name, "confidence": confidence}
                              for name, confidence in zip(self.clf.classes_, probabilities[index])),
                             key=lambda entry: -entry["confidence"])
            intent = ranking[0]
            if self.config[RANKING_LENGTH] > 0:
                ranking = ranking[: self.config[RANKING_LENGTH]]
            message.set("intent", intent, add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    _create_X.returnbot = True  # type: ignore[attr-defined]
    LogisticRegressionClassifier._create_X = _create_X
    LogisticRegressionClassifier.process = process


def _probabilities(clf: Any, X: Any) -> Any:
    """`clf.predict_proba(X)` of a multinomial logistic regression, computed as scikit-learn does
    (softmax of X . coefficients + intercept) with the coefficients transposed once and kept: sklearn
    multiplies the sparse row by `coef_.T`, a strided view, which costs ~1 ms a message to convert;
    kept contiguous, 0.02 ms. One-vs-rest models keep sklearn's own path."""
    from sklearn.utils.extmath import softmax

    multinomial = clf.multi_class == "multinomial" or (
        clf.multi_class == "auto" and clf.classes_.size > 2 and clf.solver != "liblinear")
    if not multinomial:
        return clf.predict_proba(X)
    kept = getattr(clf, "_returnbot_coef_t", None)
    if kept is None or kept[0] is not clf.coef_:
        kept = (clf.coef_, np.ascontiguousarray(clf.coef_.T))
        clf._returnbot_coef_t = kept
    return softmax(np.asarray(X @ kept[1]) + clf.intercept_, copy=False)


def _keep_endpoint_sessions() -> None:
    import aiohttp
    from aiohttp import ContentTypeError
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, ClientResponseError, EndpointConfig, concat_url

    if getattr(EndpointConfig.request, "returnbot", False):
        return
    rasas_request = EndpointConfig.request
    kept: Dict[int, aiohttp.ClientSession] = {}  # by event loop

    def session_for(endpoint: EndpointConfig) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = kept.get(id(loop))
        if session is None or session.closed or session._loop is not loop:  # noqa: SLF001
            session = kept[id(loop)] = endpoint.session()
        return session

    async def request(self: EndpointConfig, method: Text = "post", subpath: Optional[Text] = None,
                      content_type: Optional[Text] = "application/json", compress: bool = False,
                      **kwargs: Any) -> Optional[Any]:
        if self.basic_auth or self.cafile:
            return await rasas_request(self, method, subpath, content_type, compress, **kwargs)
        headers = {"Content-Type": content_type} if content_type else {}
        headers.update(kwargs.pop("headers", {}))
        headers.update(self.headers)
        session = session_for(self)
        try:
            async with session.request(method, concat_url(self.url, subpath), headers=headers,
                                       params=self.combine_parameters(kwargs), compress=compress,
                                       **kwargs) as response:
                if response.status >= 400:
                    raise ClientResponseError(response.status, response.reason, await response.content.read())
                try:
                    return await response.json()
                except ContentTypeError:
                    return None
        except aiohttp.ClientConnectionError:  # the server went away: its other kept connections are dead too
            loop = asyncio.get_running_loop()
            if kept.get(id(loop)) is session:
                del kept[id(loop)]  # the next call opens a new session; this one closes once its calls are over
                loop.call_later(DEFAULT_REQUEST_TIMEOUT + 1, lambda: asyncio.ensure_future(session.close()))
            raise

    request.returnbot = True  # type: ignore[attr-defined]
    EndpointConfig.request = request


def _freeze_loaded_model() -> None:
    from rasa.core.agent import Agent

    if getattr(Agent.handle_message, "returnbot", False):
        return
    Agent.handle_message = freeze_before_first_message(Agent.handle_message)


def freeze_before_first_message(handle_message: Callable[..., Any]) -> Callable[..., Any]:
    """`handle_message`, calling `gc.freeze()` before the first message of each model the agent holds:
    a model loaded later (`returnbot train` hands one over) is frozen too. Cyclic garbage that loading
    left behind is frozen with it (once per model) rather than paid for with a full collection while
    the first customers wait: with many connections arriving at once, a 300 ms stop of the event loop
    overflowed the listen backlog and reset some of them."""
    frozen_for: List[Any] = [None]

    @functools.wraps(handle_message)
    async def handle(self: Any, message: Any) -> Any:
        if self.processor is not None and self.processor is not frozen_for[0]:
            frozen_for[0] = self.processor
            gc.freeze()  # O(1); no collection first: that would stop this first message for ~300 ms
        return await handle_message(self, message)

    handle.returnbot = True  # type: ignore[attr-defined]
    return handle
