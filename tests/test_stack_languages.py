"""Issue 15 end to end: a German and a Chinese return on the running stack, typed as customers write,
on the web chat and on Telegram (fake Bot API). The gateway chooses the language, Rasa reads the
message with that language's model, and every reply, button and the return slip's link are in it.
Rasa alone: a message posted with each language in its metadata is read by that language's model."""
from __future__ import annotations

import uuid

import httpx
import pytest

from bot.settings import INTERNAL_TOKEN_HEADER
from cli import conversations as corpus

pytestmark = pytest.mark.stack

WEB = {"de": "de-return-softshell-typed", "zh": "zh-return-jacket-typed"}
TELEGRAM = {"de": "de-return-boots-exchange", "zh": "zh-return-shoes-exchange"}


@pytest.fixture(scope="module")
def fixture(stack):
    played = corpus.Fixture(stack.settings.database_url, corpus.fixture_orders())
    yield played
    played.reset()
    played.close()


def _chosen(ids):
    return corpus.select(corpus.load_corpus(), ids=list(ids))


def _explain(result) -> str:
    said = "\n".join(f"> {t.said}\n< {t.text()}" for t in result.turns)
    return f"{result.conversation.id}: {result.failures}\n{said}"


@pytest.mark.parametrize("language", sorted(WEB))
def test_a_return_on_the_web_chat(stack, fixture, language):
    [result] = corpus.run_web(_chosen([WEB[language]]), f"http://127.0.0.1:{stack.settings.gateway_port}",
                              fixture, alive=stack.alive)
    assert not result.failures, _explain(result)
    last = result.turns[-1].text()
    assert "slip.pdf" in last and f"lang={language}" in last, _explain(result)


@pytest.mark.parametrize("language", sorted(TELEGRAM))
async def test_an_exchange_on_telegram(stack, fixture, tmp_path, language):
    [result] = await corpus.run_telegram(_chosen([TELEGRAM[language]]), stack.settings, fixture, tmp_path)
    assert not result.failures, _explain(result)


# A message per language that the English model does not read (nlu_fallback or out_of_scope) and the
# language's own model does: the intent Rasa records shows which model read it.
READ_IN = [
    ("de", "Wo ist meine Rückerstattung?", "where_is_my_refund"),
    ("de", "Ich möchte die Schuhe zurückschicken", "request_return"),
    ("fr", "Où en est mon remboursement ?", "where_is_my_refund"),
    ("fr", "où est mon colis ?", "track_order"),
    ("es", "¿dónde está mi reembolso?", "where_is_my_refund"),
    ("es", "quiero devolver las zapatillas", "request_return"),
    ("it", "Dov'è finito il mio rimborso?", "where_is_my_refund"),
    ("it", "vorrei restituire le scarpe", "request_return"),
    ("zh", "我的退款到哪了", "where_is_my_refund"),
    ("zh", "我的包裹在哪里", "track_order"),
]


@pytest.mark.parametrize("language, text, intent", READ_IN, ids=[f"{lang}-{intent}" for lang, _, intent in READ_IN])
def test_rasa_reads_a_message_with_the_model_of_the_language_its_metadata_names(stack, language, text, intent):
    rasa = stack.settings.rasa_url
    token = {"token": stack.settings.rasa_api_token}
    in_english = httpx.post(f"{rasa}/model/parse", params=token, json={"text": text}, timeout=30)
    assert in_english.status_code == 200 and in_english.json()["intent"]["name"] != intent  # the English model alone
    sender = f"web:languages-{language}-{uuid.uuid4().hex}"
    sent = httpx.post(f"{rasa}/webhooks/rest/webhook", headers={INTERNAL_TOKEN_HEADER: stack.settings.rasa_channel_token},
                      json={"sender": sender, "message": text, "metadata": {"language": language}}, timeout=30)
    assert sent.status_code == 200, sent.text
    tracker = httpx.get(f"{rasa}/conversations/{sender}/tracker", params=token, timeout=30).json()
    assert tracker["latest_message"]["text"] == text
    assert tracker["latest_message"]["intent"]["name"] == intent, tracker["latest_message"]["intent_ranking"][:3]
