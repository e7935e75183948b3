"""Rasa-specific extensions of returnbot (custom NLU components, the SQLite tracker store); the
logic they use lives in `bot/`. Rasa imports this package when it loads the model or the tracker
store, which is when `speedups` patches it and a failing tracker store is made to fail the turn."""
from rasa_ext import speedups
from rasa_ext.tracker_store import fail_turns_not_conversations

speedups.install()
fail_turns_not_conversations()
