"""rasa_ext.speedups: the patched Rasa code computes what Rasa's own code computes."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest
import scipy.sparse
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

import rasa_ext  # noqa: F401  (installs the patches)


def test_both_patches_are_installed():
    assert getattr(RemoteAction._validate_action_result, "returnbot", False)
    assert getattr(LogisticRegressionClassifier._create_X, "returnbot", False)


def test_a_valid_action_answer_passes_and_an_invalid_one_is_refused():
    action = RemoteAction("action_submit_return", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}],
                                            "responses": [{"text": "hi"}]})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


ANSWERS = [
    {}, {"events": []}, {"responses": []},
    {"events": [{"event": "slot", "name": "order_id", "value": "#1003", "timestamp": None}],
     "responses": [{"text": "hi", "buttons": [{"title": "a", "payload": "/b"}]}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "slot", "name": "requested_slot", "value": None},
                {"event": "followup", "name": "utter_greet"}, {"event": "action_execution_rejected", "name": "x"},
                {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 1.0}}},
                {"event": "bot", "text": "hello"}, {"event": "restart"}, {"event": "session_started"}]},
    {"events": [{"event": "slot"}]},  # a slot event without its name
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "x"}]},  # no "event"
    {"events": [{"event": 3}]},
    {"events": [{"event": "slot", "name": "a", "value": 1, "timestamp": "yesterday"}]},
    {"events": [{"event": "followup", "name": 5}]},
    {"events": "not a list"}, {"events": [["slot"]]}, {"responses": "hi"}, ["not", "an", "object"], None,
    {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "order_id"}]}}]},  # entity without value
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_the_quick_check_of_action_answers_accepts_exactly_what_rasas_schema_accepts(answer):
    from jsonschema.validators import validator_for

    from rasa_ext.speedups import _quick_check

    schema = RemoteAction.action_response_format_spec()
    full = validator_for(schema)(schema)
    quick = _quick_check(schema, validator_for(schema))
    assert quick is not None  # Rasa's schema has the shape the quick check relies on
    assert quick(answer) == full.is_valid(answer)


@pytest.mark.parametrize("answer", [{"events": [{"event": "no_such_event"}]}, {"events": [{"event": "slot"}]},
                                    {"events": "not a list"}])
def test_an_invalid_answer_gets_rasas_own_error(answer):
    import jsonschema

    with pytest.raises(ValidationError) as rasas:
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError) as ours:
        RemoteAction("action_submit_return", None)._validate_action_result(answer)
    assert ours.value.message.startswith(rasas.value.message + ". Failed to validate Action server response")


def message_with_features(seed: int, dense: bool) -> Message:
    rng = np.random.default_rng(seed)
    message = Message(data={TEXT: "where is my refund"})
    for origin, width in (("words", 7), ("chars", 11)):
        message.add_features(Features(scipy.sparse.random(4, width, density=0.4, random_state=seed, format="coo"),
                                      FEATURE_TYPE_SEQUENCE, TEXT, origin))
        message.add_features(Features(scipy.sparse.random(1, width, density=0.6, random_state=seed + 1,
                                                          format="coo"), FEATURE_TYPE_SENTENCE, TEXT, origin))
    if dense:
        message.add_features(Features(rng.random((1, 3)), FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    return message


def rasas_own_matrix(messages):
    """Rasa 3.6's `LogisticRegressionClassifier._create_X`, as written there."""
    rows = []
    for message in messages:
        sparse = message.get_sparse_features(attribute=TEXT)[1]
        dense = message.get_dense_features(attribute=TEXT)[1]
        rows.append(scipy.sparse.hstack([scipy.sparse.csr_matrix(sparse.features if sparse else []),
                                         scipy.sparse.csr_matrix(dense.features if dense else [])]))
    return scipy.sparse.vstack(rows)


@pytest.mark.parametrize("dense", [False, True])
def test_the_intent_classifier_gets_the_same_matrix_from_sentence_features_alone(dense):
    messages = [message_with_features(seed, dense) for seed in range(3)]
    ours = LogisticRegressionClassifier._create_X(None, messages)
    expected = rasas_own_matrix(messages)
    assert ours.shape == expected.shape == (3, 18 + (3 if dense else 0))
    assert np.array_equal(ours.toarray(), expected.toarray())


# -- kept connections to the action server -----------------------------------------------------
async def _serve(port: int, peers: list):
    from aiohttp import web

    async def run(request):
        peers.append(request.transport.get_extra_info("peername"))
        body = await request.json()
        if body.get("fail"):
            return web.json_response({"error": "no"}, status=400)
        return web.json_response({"events": [], "responses": [{"text": body["next_action"]}]})

    app = web.Application()
    app.router.add_post("/webhook", run)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


def test_calls_to_an_endpoint_reuse_one_connection_and_keep_rasas_answers_and_errors():
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig

    async def scenario():
        peers = []
        runner, port = await _serve(0, peers)
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        answers = [await endpoint.request(json={"next_action": f"a{i}"}, method="post") for i in range(5)]
        assert [a["responses"][0]["text"] for a in answers] == [f"a{i}" for i in range(5)]
        assert len(set(peers)) == 1  # one connection for all five
        with pytest.raises(ClientResponseError) as refused:
            await endpoint.request(json={"fail": True, "next_action": "x"}, method="post")
        assert refused.value.status == 400
        await runner.cleanup()  # the action server restarts: the kept connection is dead
        runner, _ = await _serve(port, peers)
        answer = await endpoint.request(json={"next_action": "b"}, method="post")  # no call fails for it
        assert answer["responses"] == [{"text": "b"}]
        await runner.cleanup()

    asyncio.run(scenario())


@pytest.mark.parametrize("classes", [2, 3, 25])
def test_intent_probabilities_are_scikit_learns(classes):
    from sklearn.linear_model import LogisticRegression

    from rasa_ext.speedups import _probabilities

    rng = np.random.default_rng(classes)
    X = scipy.sparse.random(300, 2000, density=0.01, format="csr", random_state=classes)
    clf = LogisticRegression(max_iter=200).fit(X, rng.integers(0, classes, 300))
    rows = scipy.sparse.random(5, 2000, density=0.01, format="csr", random_state=99)
    assert np.allclose(_probabilities(clf, rows), clf.predict_proba(rows), rtol=0, atol=1e-12)
    assert np.array_equal(_probabilities(clf, rows).argmax(axis=1), clf.predict_proba(rows).argmax(axis=1))



# -- the loaded model out of the collector's sight ----------------------------------------------
def test_the_model_is_frozen_before_its_first_message_and_again_after_a_new_model(monkeypatch):
    import gc

    from rasa.core.agent import Agent

    from rasa_ext.speedups import freeze_before_first_message

    assert getattr(Agent.handle_message, "returnbot", False)
    freezes = []
    monkeypatch.setattr(gc, "freeze", lambda: freezes.append(1))
    handled = []

    async def handle_message(agent, message):
        handled.append(message)
        return [{"text": "ok"}]

    class FakeAgent:
        processor = object()

    agent, handle = FakeAgent(), freeze_before_first_message(handle_message)

    async def talk():
        assert await handle(agent, "hi") == [{"text": "ok"}]
        await handle(agent, "again")
        agent.processor = object()  # a new model handed over
        await handle(agent, "after the new model")

    asyncio.run(talk())
    assert handled == ["hi", "again", "after the new model"]
    assert len(freezes) == 2
