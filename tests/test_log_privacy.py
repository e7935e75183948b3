"""No personal data in any log. Over the running stack (marked `stack`): full conversations put
emails, postcodes, names, a phone number, a street address and a slip link through every path
(verification by email and by postcode, a failed verification, a return with its slip, tracking,
refund status, a request for a person), then every log file the Rasa server, the action server and
the gateway wrote, at the levels `make run` uses, is searched for them; then again when the
databases refuse a write, as the errors logged then quote what was being written. Fast: what
bot/privacy.py masks in log messages, a failing action's log line, and rasa_logging.yml's filter."""
from __future__ import annotations

import json
import logging
import re
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Pattern, Tuple
from urllib.request import urlopen

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import deps
from actions.converse import ActionConverse
from bot.ids import RMA_IN_TEXT
from bot.privacy import PersonalDataFilter, loggable, loggable_error, mask_address, mask_text
from bot.settings import ROOT
from tests.web_customer import Customer

# The returning customer has an order of her own: the stack's database is shared by the session, and
# the demo customers' lines are returned by other tests.
PRIYA_ORDER = "114-5550000-0000101"
PRIYA = {"email": "priya.natarajan@example.com", "name": "Priya Natarajan", "postcode": "02139", "country": "US"}
DEMO_CUSTOMERS = [order["customer"] for order in json.loads((ROOT / "data" / "demo_orders.json").read_text())["orders"]]
DEMO_CUSTOMERS.append(PRIYA)

WRONG_EMAIL = "not.really.chloe@example.net"
PHONE = "+44 7700 900123"
STREET = "221B Baker Street"
POSTCODES = ["94107", "75011", "SW1A 1AA", "02139"]  # the ones this test types


def _bounded(text: str) -> str:
    """`text` as a regex that is not part of a longer word, number or random id (session ids have
    `-` and `_` in them: `...-Wu_...` is no name); spaces match any spacing."""
    body = r"\s*".join(re.escape(part) for part in text.split())
    return rf"(?<![\w-]){body}(?![\w-])"


def _digits(phone: str) -> str:
    """The phone's digits in order, whatever groups them: `+44 7700 900123` also as `447700900123`."""
    return r"(?<![0-9])" + r"[\s().\-+]*".join(c for c in phone if c.isdigit()) + r"(?![0-9])"


def personal_data(slip_token: Optional[str] = None) -> Dict[str, Pattern]:
    """What must never be logged, by name: every demo customer's email (also URL- or JSON-escaped,
    so matched by its mailbox), full name and surname, the postcodes, phone and street typed here,
    and the slip link's access token."""
    found: Dict[str, Pattern] = {}
    for customer in DEMO_CUSTOMERS:
        mailbox = customer["email"].split("@")[0]
        found[f"email {customer['email']}"] = re.compile(_bounded(mailbox), re.IGNORECASE)
        found[f"name {customer['name']}"] = re.compile(_bounded(customer["name"]), re.IGNORECASE)
        surname = customer["name"].split()[-1]
        found[f"surname {surname}"] = re.compile(_bounded(surname))
        found[f"name {customer['name']} (escaped)"] = re.compile(
            re.escape(json.dumps(customer["name"])[1:-1]), re.IGNORECASE)
    found[f"email {WRONG_EMAIL}"] = re.compile(_bounded(WRONG_EMAIL.split("@")[0]), re.IGNORECASE)
    for postcode in POSTCODES:
        found[f"postcode {postcode}"] = re.compile(_bounded(postcode), re.IGNORECASE)
    found[f"phone {PHONE}"] = re.compile(_digits(PHONE))
    found[f"street {STREET}"] = re.compile(r"Baker\s*Street", re.IGNORECASE)
    if slip_token:
        found["slip token"] = re.compile(re.escape(slip_token))
    found["slip link with its token"] = re.compile(r"slip\.pdf\?t=\w")
    return found


def offending_lines(lines: List[Tuple[str, str]], patterns: Dict[str, Pattern]) -> List[str]:
    """`where: line  <- what it shows` for each line that shows personal data."""
    out = []
    for where, line in lines:
        shown = [name for name, pattern in patterns.items() if pattern.search(line)]
        if shown:
            out.append(f"{where}: {line.rstrip()[:400]}  <- {', '.join(shown)}")
    return out


def log_lines(log_dir: Path) -> List[Tuple[str, str]]:
    lines = []
    for path in sorted(p for p in log_dir.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        lines += [(f"{path.name}:{n}", line) for n, line in enumerate(text.splitlines(), 1)]
    return lines


def converse(stack) -> str:
    """Every path personal data takes, in the customers' own conversations; returns the slip token."""
    from datetime import datetime, timedelta, timezone

    from bot.models import Customer as Buyer
    from bot.store import SqlStore
    from tests.builders import line, order

    store = SqlStore.from_url(stack.settings.database_url)
    delivered = datetime.now(timezone.utc) - timedelta(days=3)
    store.upsert_orders([order(line(line_id="L1", title="Running socks (3 pack)", category="apparel"),
                               line(line_id="L2", sku="CAP-1", title="Trail cap", category="accessories"),
                               order_id=PRIYA_ORDER, delivered_at=delivered, shipped_at=delivered - timedelta(days=2),
                               placed_at=delivered - timedelta(days=4),
                               customer=Buyer(PRIYA["email"], PRIYA["name"], PRIYA["postcode"], "US"))])
    store.engine.dispose()
    alice = Customer(stack)  # verified by email; a return with an RMA and a slip; refund status
    answer = alice.say(f"hi, I want to return the running socks from order {PRIYA_ORDER}")
    assert "email" in answer.lower(), answer
    assert "reason" in alice.say(PRIYA["email"]).lower()  # the socks were named: not asked again
    alice.press("Too small")
    answer = alice.press("Refund")
    assert RMA_IN_TEXT.search(answer), answer
    slip_url = re.search(r"http://\S+/slip\.pdf\?t=(\w+)", answer)
    assert slip_url, answer
    with urlopen(slip_url.group(0).replace("localhost", "127.0.0.1"), timeout=30) as slip:  # urllib logs nothing
        assert slip.read().startswith(b"%PDF")
    alice.say("where is my refund?")

    chloe = Customer(stack)  # verified by postcode; tracking; a returnless refund
    assert "DHL" in chloe.say("where is my order #1002") + chloe.say("75011")
    chloe.say("I want a refund for order #1001")
    chloe.say('/inform{"return_reason":"changed_mind"}')

    stranger = Customer(stack)  # a wrong email: failed verification, then again
    stranger.say("track order #1002")
    assert "couldn't find an order" in stranger.say(WRONG_EMAIL)
    stranger.say(f"it's {WRONG_EMAIL}, I'm Chloé Dubois")

    ben = Customer(stack)  # postcode with a space; phone and street address in free text; a person
    ben.say("i want to return order 12-34567-89012")
    ben.say("SW1A 1AA")
    ben.say(f"Ben Okafor here, call me on {PHONE} or come to {STREET}, London SW1A 1AA")
    assert "member of our team" in ben.say("can I talk to a human")
    ben.say(f"my number again: {PHONE}, address {STREET}")
    return slip_url.group(1)


@pytest.mark.stack
def test_no_personal_data_or_slip_token_in_any_log(stack, caplog):
    caplog.set_level(logging.INFO)  # as `make run` logs
    slip_token = converse(stack)
    time.sleep(1.0)  # the processes write their last lines
    patterns = personal_data(slip_token)
    lines = log_lines(stack.log_dir) + [(f"caplog {r.name}", r.getMessage()) for r in caplog.records]
    assert {p.name for p in stack.log_dir.iterdir()} >= {"rasa.log", "actions.log", "gateway.log"}
    offending = offending_lines(lines, patterns)
    assert not offending, "personal data in the logs:\n" + "\n".join(offending[:50])


@contextmanager
def refused_writes(database: Path, table: str, when: str) -> Iterator[None]:
    """While inside, the database refuses to insert rows of `table` for which the SQL `when` holds
    (as a full disk or a lost connection would), through a trigger that is dropped afterwards."""
    db = sqlite3.connect(str(database), timeout=30, isolation_level=None)
    db.execute(f"CREATE TRIGGER test_log_privacy_refuse BEFORE INSERT ON {table} WHEN {when} "
               "BEGIN SELECT RAISE(ABORT, 'write refused by tests/test_log_privacy.py'); END")
    try:
        yield
    finally:
        db.execute("DROP TRIGGER test_log_privacy_refuse")
        db.close()


@pytest.fixture(scope="module")
def refused_conversation(stack) -> Dict[str, List[Tuple[str, str]]]:
    """Chloé verifies and writes her phone and street while the gateway's transcript refuses rows
    with personal data and Rasa's tracker store refuses the slot that holds her email: each process
    logs the failed write. The lines each log file gained, by file name (the test of whole files
    above runs first, so what these tests provoke is judged here, by the test of each process)."""
    var_dir = stack.settings.var_dir
    before = {path.name: len(path.read_bytes()) for path in stack.log_dir.iterdir()}
    chloe = Customer(stack)
    chloe.say("where is my order #1003")
    personal = "NEW.payload LIKE '%example.fr%' OR NEW.payload LIKE '%7700%' OR NEW.payload LIKE '%Baker%'"
    with refused_writes(var_dir / "returnbot.db", "messages", personal), \
            refused_writes(var_dir / "tracker.db", "events", "NEW.type_name = 'slot' AND NEW.data LIKE '%example.fr%'"):
        chloe.say("chloe.dubois@example.fr")
        chloe.say(f"I'm Chloé Dubois, call me on {PHONE} or come to {STREET}")
    chloe.say("thanks")
    time.sleep(1.0)
    gained = {}
    for path in stack.log_dir.iterdir():
        text = path.read_bytes()[before.get(path.name, 0):].decode("utf-8", errors="replace")
        gained[path.name] = [(f"{path.name}+{n}", line) for n, line in enumerate(text.splitlines(), 1)]
    return gained


GATEWAY_FAILURE, RASA_FAILURE = "transcript of web:", "turn failed for one conversation"


@pytest.mark.stack
def test_the_refused_writes_are_logged(refused_conversation):
    """What the two tests below judge happened: each process logged its failed write."""
    assert any(GATEWAY_FAILURE in line for _, line in refused_conversation["gateway.log"])
    assert any(RASA_FAILURE in line for _, line in refused_conversation["rasa.log"])


def _assert_clean(lines: List[Tuple[str, str]]) -> None:
    offending = offending_lines(lines, personal_data())
    assert not offending, "personal data in the logs:\n" + "\n".join(offending[:50])


@pytest.mark.stack
def test_a_refused_transcript_write_logs_no_personal_data(refused_conversation):
    _assert_clean(refused_conversation["gateway.log"])


@pytest.mark.stack
def test_a_refused_tracker_write_logs_no_personal_data(refused_conversation):
    _assert_clean(refused_conversation["rasa.log"])


def test_the_search_finds_each_kind_of_personal_data():
    """The search above would see each leak if it happened (a test of the test)."""
    patterns = personal_data("Zk3dQ9")
    leaks = ["verify ALICE.MARTIN@example.com", "chloe.dubois%40example.fr", "name='Chlo\\u00e9 Dubois'",
             "proof=sw1a1aa", "zip 94107.", "tel 447700900123", "at 221b baker street", "GET /r/slip.pdf?t=x",
             "token Zk3dQ9", "Okafor"]
    for leak in leaks:
        assert offending_lines([("x", leak)], patterns), leak
    clean = ["order 114-3941689-8772232 verified", "a***@e***.com", "SW** ***", "+** **** ****23", "Ben O.",
             "GET /returns/RMA-0000000011/slip.pdf 200", "pid 941070", "port 18300"]
    assert offending_lines([("x", line) for line in clean], patterns) == []


# ------------------------------------------------------------------------------------ fast: no stack

EMAIL, NAME = "alice.martin@example.com", "Alice Martin"  # not literally in a line a traceback may quote


@pytest.mark.parametrize("text, masked", [
    ("come to 221B Baker Street, London", "come to *** *** Street, London"),
    ("1600 Pennsylvania Ave NW", "*** *** Ave NW"),
    ("10 Downing St.", "*** *** St."),
    ("12 rue de la Paix, 75002 Paris", "*** rue ***, 75*** Paris"),
    ("5 bis, avenue Foch", "***, avenue ***"),
    ("Hauptstraße 5, 10115 Berlin", "***straße ***, 10*** Berlin"),
    ("Kerkstraat 12a", "***straat ***"),
    ("call me on +44 7700 900123 or at 221B Baker Street", "call me on +** **** ****23 or at *** *** Street"),
])
def test_street_addresses_and_phone_numbers_in_a_text_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", [
    "I bought 2 pairs of shoes", "it came 2 days late on the way", "10 orders, 8 with returns",
    "return order 114-7777777-0000001 please", "the 3 of us",
])
def test_numbers_followed_by_words_are_no_address(text):
    assert mask_text(text) == text


def test_an_address_keeps_only_the_kind_of_street():
    assert mask_address("221B Baker Street") == "*** *** Street"
    assert mask_address("12 rue de la Paix") == "*** rue ***"
    assert mask_address("not an address") == "not an address"


def _database_error(**values) -> sa.exc.DBAPIError:
    """A real SQLAlchemy error for a write that quotes `values`, as a refused insert logs it."""
    engine = sa.create_engine("sqlite://")
    try:
        with engine.connect() as db:
            db.execute(sa.text("INSERT INTO messages VALUES (" + ", ".join(f":{k}" for k in values) + ")"), values)
    except sa.exc.DBAPIError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError("the insert should have failed")


def test_a_database_error_is_logged_without_the_values_it_quotes():
    error = _database_error(conversation="web:abc", payload=f'{{"text": "I am Ben Okafor, {EMAIL}, {STREET}"}}')
    assert EMAIL in str(error) and "Okafor" in str(error)  # what SQLAlchemy would log
    logged = loggable(error)
    assert "[parameters withheld]" in logged and "INSERT INTO messages" in logged
    assert "Okafor" not in logged and "alice" not in logged and "Baker" not in logged
    traceback_text = loggable_error(error)
    assert "Traceback" in traceback_text and "OperationalError" in traceback_text and "Okafor" not in traceback_text


FAKE_BOT_TOKEN = "123456789:" + "fake" * 9  # the shape of a bot token, made up here


@pytest.mark.parametrize("text, logged", [
    ("GET /returns/RMA-0000000011/slip.pdf?t=Zk3dQ9x_2", "GET /returns/RMA-0000000011/slip.pdf?t=***"),
    (f"Telegram at https://api.telegram.org/bot{FAKE_BOT_TOKEN}/getMe",
     "Telegram at https://api.telegram.org/***/getMe"),
    ("web chat on http://127.0.0.1:18300 (Rasa at http://localhost:5005)",
     "web chat on http://127.0.0.1:18300 (Rasa at http://localhost:5005)"),
    (f"verify {EMAIL} / SW1A 1AA", "verify a***@e***.com / SW** ***"),
])
def test_log_text_loses_tokens_and_personal_data_and_keeps_addresses_of_services(text, logged):
    assert loggable(text) == logged


class _DialogueWhoseDatabaseFails:
    def handle(self, conversation_id, state, reading):
        raise _database_error(email=EMAIL, name=NAME)


async def test_a_failing_action_logs_its_traceback_without_the_customers_data(caplog, monkeypatch):
    monkeypatch.setattr(deps, "dialogue", _DialogueWhoseDatabaseFails)
    dispatcher = CollectingDispatcher()
    await ActionConverse().run(dispatcher, Tracker("web:x", {}, {"text": f"I am {NAME}, {EMAIL}"}, [], False, None,
                                                   {}, None), {})
    assert [m.get("response") for m in dispatcher.messages] == ["utter_step_failed"]
    logged = caplog.text
    assert "action action_converse failed" in logged and "OperationalError" in logged
    assert EMAIL not in logged and NAME not in logged and "alice" not in logged


def _record(message: str, exc: Optional[BaseException] = None) -> logging.LogRecord:
    return logging.LogRecord("rasa.core.channels.rest", logging.ERROR, __file__, 1, message, (),
                             (type(exc), exc, exc.__traceback__) if exc else None)


def test_the_filter_withholds_what_a_customer_wrote_from_rasas_json_events():
    event = {"text": f"I'm Ben Okafor, {PHONE}", "event": "rest.message.received.failure", "level": "error",
             "exception": [{"exc_type": "OperationalError", "exc_value": "locked\n[parameters: ('Okafor',)]",
                            "frames": [{"filename": "rest.py", "lineno": 1, "locals": {"text": "'Ben Okafor'"}}]}]}
    record = _record(json.dumps(event))
    assert PersonalDataFilter().filter(record)
    logged = json.loads(record.getMessage())
    assert logged["text"] == "***" and logged["event"] == "rest.message.received.failure"
    assert "Okafor" not in record.getMessage() and "7700" not in record.getMessage()
    assert logged["exception"][0]["frames"] == [{"filename": "rest.py", "lineno": 1}]


def test_the_filter_masks_messages_and_tracebacks():
    error = _database_error(email=EMAIL)
    record = logging.LogRecord("rasa.core.tracker_store", logging.ERROR, __file__, 1, "could not save: %s", (error,),
                               (type(error), error, error.__traceback__))
    PersonalDataFilter().filter(record)
    shown = logging.Formatter().format(record)
    assert "could not save" in shown and "Traceback" in shown and "alice" not in shown


def test_the_filter_never_breaks_the_program_that_logs():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s and %s", ("one",), None)  # bad arguments
    assert PersonalDataFilter().filter(record)
    assert "withheld" in record.getMessage()


def test_rasa_logging_yml_loads_and_filters_every_line():
    """Rasa and rasa-sdk ignore a logging file that does not load without a word: load it as they do."""
    script = ("import logging, logging.config, yaml; "
              "logging.config.dictConfig(yaml.safe_load(open('rasa_logging.yml'))); "
              "logging.getLogger('rasa.core.tracker_store').error("
              f"'save failed\\n[parameters: (\\'{EMAIL}\\',)]\\nmail {EMAIL}')")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "ERROR    rasa.core.tracker_store  - save failed" in done.stderr
    assert "[parameters withheld]" in done.stderr and "a***@e***.com" in done.stderr and "alice" not in done.stderr


def test_an_exception_is_logged_by_type_and_place_never_with_the_customers_words(caplog):
    """Issue 13, case 10: a failing turn whose exception quotes what the customer typed."""
    phrase = "they are too tight, the heel rubs"

    class Failing:
        def handle(self, *_args):
            from bot.models import ReturnReason
            ReturnReason(phrase)  # a ValueError quoting the phrase

    tracker = Tracker("web:log-test", {}, {"text": phrase, "intent": {"name": "inform", "confidence": 0.9},
                                           "entities": []}, [], False, None, {}, "")
    import asyncio
    original = deps.dialogue
    deps.dialogue = lambda: Failing()
    try:
        with caplog.at_level(logging.ERROR, logger="actions.converse"):
            asyncio.run(ActionConverse().run(CollectingDispatcher(), tracker, {}))
    finally:
        deps.dialogue = original
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in logged and "test_log_privacy.py" in logged and "handle" in logged
    assert "too tight" not in logged and "heel" not in logged


def test_a_resource_errors_message_is_kept_for_the_operator():
    error = sqlite3.OperationalError("database is locked")
    assert "database is locked" in loggable_error(error)
    first, second = "jane@example.com wants a refund", "while handling jane's refund"
    try:
        try:
            raise KeyError(first)
        except KeyError as inner:
            raise RuntimeError(second) from inner
    except RuntimeError as outer:
        text = loggable_error(outer)
    assert "KeyError" in text and "RuntimeError" in text and "jane" not in text and "refund" not in text
